/**
 * The cron expressions a Kubernetes CronJob runs: five fields (minute hour day-of-month month
 * day-of-week) or one of its macros. Slipway's own scheduler (docker) also takes a leading
 * seconds field; Kubernetes has none, so such a schedule is refused rather than reinterpreted.
 */

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** The schedule as the CronJob gets it (fields single-spaced), or throws saying why it cannot run. */
export function kubernetesSchedule(schedule: string | undefined): string {
  const text = (schedule ?? '').trim();
  if (!text) throw new Error('the cron job has no schedule');
  if (text.startsWith('@')) {
    if (MACROS.has(text.toLowerCase())) return text.toLowerCase();
    throw new Error(`schedule "${text}" is not one Kubernetes knows (macros: ${[...MACROS].join(', ')})`);
  }
  const fields = text.split(/\s+/);
  if (fields.length === 6) {
    throw new Error(
      `schedule "${text}" has a seconds field (6 fields): Kubernetes CronJobs have no seconds, so the kubernetes runtime cannot run it; use 5 fields (minute hour day-of-month month day-of-week)`,
    );
  }
  if (fields.length !== 5) {
    throw new Error(`schedule "${text}" has ${fields.length} fields: a Kubernetes CronJob takes 5 (minute hour day-of-month month day-of-week)`);
  }
  return fields.join(' ');
}
