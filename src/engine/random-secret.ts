import { randomBytes } from 'node:crypto';

/** A new random secret (a generated database password): 18 random bytes, URL-safe base64. */
export function randomSecret(): string {
  return randomBytes(18).toString('base64url');
}
