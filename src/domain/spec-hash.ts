import { createHash } from 'node:crypto';
import type { DesiredSpec } from './model.js';

/**
 * JSON with object keys sorted, so that equal specs always serialise alike. Undefined object
 * fields are left out; an undefined array element leaves its place empty. Built in one pass
 * without intermediate arrays: every deploy hashes a spec per service.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // JSON.stringify(undefined) is undefined: the element's place stays empty.
      out += canonicalJson(value[i]) ?? '';
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as < does on strings.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const field = record[key];
    if (field === undefined) continue;
    if (out.length > 1) out += ',';
    out += JSON.stringify(key) + ':' + canonicalJson(field);
  }
  return out + '}';
}

export function specHash(spec: DesiredSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 32);
}
