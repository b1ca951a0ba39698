/**
 * A JSON merge patch (RFC 7386) that turns `current` into exactly `desired`: objects merge
 * key by key with null removing what `desired` lacks; arrays and scalars are replaced whole.
 * Used to put a pod template back as it was (kubectl rollout undo replaces it whole too).
 */
export function replacingMergePatch(current: unknown, desired: unknown): unknown {
  if (!isPlainObject(current) || !isPlainObject(desired)) return desired ?? null;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(current)) {
    if (!(key in desired) || desired[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(desired)) {
    if (value === undefined) continue;
    patch[key] = key in current ? replacingMergePatch(current[key], value) : value;
  }
  return patch;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}
