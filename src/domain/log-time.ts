/**
 * Timestamps of the lines instances print, as runtimes give them (RFC 3339 with up to nine
 * fraction digits, trailing zeros dropped), made fixed-width so that they sort as strings:
 * lines of several instances are merged by time (docs/api.md#runtime-logs).
 */

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** `2024-05-01T10:00:00.5Z` → `2024-05-01T10:00:00.500000000Z`; null when it is not a UTC or offset RFC 3339 time. */
export function normalizeLogTime(text: string): string | null {
  const match = RFC3339.exec(text);
  if (!match) return null;
  const [, seconds, fraction = '', zone] = match;
  const nanos = fraction.padEnd(9, '0');
  if (zone === 'Z') return `${seconds}.${nanos}Z`;
  // An offset: through Date (milliseconds), keeping the digits below them.
  const ms = Date.parse(`${seconds}.${nanos.slice(0, 3)}${zone}`);
  if (Number.isNaN(ms)) return null;
  return `${new Date(ms).toISOString().slice(0, 23)}${nanos.slice(3)}Z`;
}

/** A `since` of a logs query: an ISO time, or a duration back from now (`90s`, `15m`, `2h`, `1d`). */
export function parseSince(text: string, now: Date): Date | null {
  const duration = /^(\d{1,9})(s|m|h|d)$/.exec(text);
  if (duration) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(duration[1]) * unit);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}
