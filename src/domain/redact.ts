/**
 * The shortest secret value Slipway accepts, and so the shortest it redacts
 * (docs/resources.md#settings).
 */
export const MIN_SECRET_LENGTH = 4;

export const REDACTED = '********';

/**
 * Replaces every secret value found in a log message, so no secret reaches a log
 * (docs/resources.md#settings). The longest values go first: a secret that contains another
 * (`token` and `token-2`) must not be half replaced, leaving its suffix readable.
 */
export function redact(message: string, secrets: readonly string[]): string {
  let out = message;
  const longestFirst = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) {
    // Shorter values would blank out ordinary words; the API refuses them as secrets.
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  }
  return out;
}
