import type { FieldError } from './api/types.js';

/**
 * The checks the console's forms make before sending anything, in plain words, shared by every
 * form (projects, environments, services). They mirror the API's own rules (docs/api.md), which
 * still decide: an answer the browser did not foresee is put in plain words by `plainWords`.
 * Each check returns null when the value is fine, else what to fix.
 */

export function checkName(value: string): string | null {
  const v = value.trim();
  if (v === '') return 'Enter a name.';
  if (v.length > 63) return `Use at most 63 characters (this one has ${v.length}).`;
  if (/[A-Z]/.test(v)) return 'Use lower-case letters only.';
  if (/[^a-z0-9-]/.test(v)) return 'Use only lower-case letters, digits and hyphens (-): no spaces, dots or underscores.';
  if (v.startsWith('-') || v.endsWith('-')) return 'Start and end the name with a letter or a digit, not a hyphen.';
  return null;
}

/** A whole number between min and max; an empty value is fine when the field is optional. */
export function checkWholeNumber(value: string, min: number, max: number, optional = true): string | null {
  const v = value.trim();
  if (v === '') return optional ? null : 'Enter a number.';
  if (!/^-?\d+$/.test(v)) return `Enter a whole number from ${min} to ${max}.`;
  const n = Number(v);
  if (n < min || n > max) return `Enter a number from ${min} to ${max}.`;
  return null;
}

export function checkImageTag(value: string): string | null {
  const v = value.trim();
  if (v === '') return 'Enter a tag, for example latest.';
  if (v.length > 128) return 'Use at most 128 characters.';
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(v)) return 'Use letters, digits, _, . and -, starting with a letter, digit or _.';
  return null;
}

const MAX_VARIABLE_NAME = 256;

/** An environment variable's name (a service's env, shared variables): sent as typed. */
export function checkVariableName(key: string): string | null {
  if (key === '') return 'Give the variable a name, e.g. DATABASE_URL.';
  if (key.length > MAX_VARIABLE_NAME) return `A name has at most ${MAX_VARIABLE_NAME} characters; this one has ${key.length}.`;
  if (/^[0-9]/.test(key)) return 'A name cannot start with a digit: start with a letter or _.';
  const bad = [...new Set(key.replace(/[A-Za-z0-9_]/g, ''))];
  if (bad.length > 0) {
    const shown = bad.map((c) => (c === ' ' ? 'spaces' : `“${c}”`)).join(', ');
    return `A name has only letters, digits and _ (no ${shown}), e.g. ${key.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^([0-9])/, '_$1') || 'API_KEY'}.`;
  }
  return null;
}

/** The settings bounds the forms check: the API refuses anything outside them. */
export const BOUNDS = {
  maxParallelBuilds: [1, 32],
  maxParallelDeploys: [1, 64],
  instances: [1, 100],
  cpu: [10, 64000],
  memoryMb: [16, 262144],
  startTimeoutSeconds: [1, 3600],
  port: [1, 65535],
  storageGb: [1, 65536],
  maxDurationSeconds: [1, 86400],
  maxRestarts: [0, 100],
  periodSeconds: [1, 3600],
} as const satisfies Record<string, readonly [number, number]>;

/** Builds a form's list of problems: `add(path, problem)` keeps the non-null ones. */
export function problems(build: (add: (path: string, problem: string | null) => void) => void): FieldError[] {
  const found: FieldError[] = [];
  build((path, problem) => {
    if (problem) found.push({ field: path, message: problem });
  });
  return found;
}

/**
 * An API validation message in plain words: JSON Schema's wording ("must match pattern
 * "^[a-z0-9]…"", "must be <= 32") is not for people.
 */
export function plainWords(field: string, message: string): string {
  const path = field.replace(/^body\/?/, '');
  const last = path.split('/').at(-1) ?? '';
  let m: RegExpExecArray | null;
  if (/must match pattern/.test(message)) {
    if (last === 'name' && !path.includes('image')) return 'Use lower-case letters, digits and hyphens (-), starting and ending with a letter or digit.';
    if (last === 'tag') return 'Use letters, digits, _, . and -, starting with a letter, digit or _.';
    if (last === 'key') return 'Use letters, digits and _, not starting with a digit.';
    if (last === 'schedule') return 'Write a cron schedule, for example */5 * * * * (five fields) or @daily.';
    return 'This value has a form the server does not accept.';
  }
  if ((m = /must be <= (\d+)/.exec(message))) return `Enter at most ${m[1]}.`;
  if ((m = /must be >= (\d+)/.exec(message))) return `Enter at least ${m[1]}.`;
  if ((m = /must NOT have more than (\d+) characters/.exec(message))) return `Use at most ${m[1]} characters.`;
  if (/must NOT have fewer than 1 characters/.test(message)) return 'Fill this in.';
  if (/must be integer/.test(message)) return 'Enter a whole number.';
  if (/must be number/.test(message)) return 'Enter a number.';
  if (/must have required property|^is required$/.test(message)) return 'Fill this in.';
  if (/must be equal to one of the allowed values/.test(message)) return 'Pick one of the offered values.';
  if (/must match format "uri"/.test(message)) return 'Enter a full address, for example https://example.com/hook.';
  return message;
}
