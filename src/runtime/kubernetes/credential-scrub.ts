import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../domain/errors.js';
import { redact } from '../../domain/redact.js';

/**
 * Keeps a kubeconfig's credentials out of what the runtime reports. The Kubernetes client's
 * errors may quote a request header (an Authorization value it finds malformed) and carry the
 * API server's answer (which a hostile "cluster" can make echo the token); both end up in the
 * server log and the deployment log unless scrubbed here.
 */
export function kubeconfigSecrets(config: KubeConfig): string[] {
  const secrets: string[] = [];
  for (const user of config.getUsers()) {
    for (const value of [user.token, user.password, user.keyData]) {
      if (typeof value === 'string' && value.trim() !== '') secrets.push(value, value.trim());
    }
    if (user.username && user.password) secrets.push(Buffer.from(`${user.username}:${user.password}`).toString('base64'));
  }
  return secrets;
}

/** Every text an error would show when logged: its message and stack, and its causes', its body. */
function errorTexts(error: unknown, depth = 0): string[] {
  if (depth > 5 || error === null || typeof error !== 'object') return [String(error)];
  const e = error as { message?: unknown; stack?: unknown; cause?: unknown; body?: unknown; headers?: unknown };
  const own = [e.message, e.stack, e.body, e.headers].map((v) => (typeof v === 'string' ? v : JSON.stringify(v) ?? ''));
  return e.cause === undefined ? own : [...own, ...errorTexts(e.cause, depth + 1)];
}

/** The error itself when it shows no secret; else a plain Error with the message scrubbed, no cause. */
export function scrubError(error: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return error;
  if (errorTexts(error).every((text) => redact(text, secrets) === text)) return error;
  const message = errorMessage(error);
  return new Error(redact(message, secrets));
}
