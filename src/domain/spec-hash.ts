import { createHash } from 'node:crypto';
import type { PortSetting, Probe } from './model.js';

/**
 * Everything about a service that, when it changes, needs new instances
 * (docs/actions.md#redeploy-without-changes-does-nothing). A Redeploy whose desired spec hashes to
 * the hash running now touches nothing.
 */
export interface DesiredSpec {
  /** The resolved, immutable image reference (digest or image id), not a moving tag. */
  image: string;
  instances: number;
  cpu: number;
  memoryMb: number;
  /** Environment variables with secret values in clear: a changed secret is a change. */
  env: Record<string, string>;
  ports: PortSetting[];
  healthchecks: { readiness?: Probe; liveness?: Probe };
  storage: Array<{ mountPath: string; sizeGb: number }>;
  command?: string[];
}

/** JSON with object keys sorted, so that equal specs always serialise alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function specHash(spec: DesiredSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 32);
}
