/** Replaces every secret value found in a log message, so no secret reaches a log (SPEC §10). */
export function redact(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) {
    // Very short values would blank out ordinary words; they are still never logged by Slipway itself.
    if (secret.length >= 4) out = out.split(secret).join('********');
  }
  return out;
}
