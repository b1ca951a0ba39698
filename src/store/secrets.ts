import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Encryption at rest of secret values (docs/configuration.md): AES-256-GCM with a random 96-bit nonce per
 * value. The key is derived with HKDF-SHA-256 from SLIPWAY_SECRET_KEY, or else from a key file
 * generated once in the data directory with mode 0600. Every process sharing a PostgreSQL
 * database must use the same key.
 */
export interface SecretBox {
  /** `context` binds the ciphertext to where it is stored (e.g. the service id). */
  encrypt(plain: string, context: string): string;
  decrypt(sealed: string, context: string): string;
}

const PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const SECRET_KEY_FILE = 'secret.key';

function deriveKey(material: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(material, 'utf8'), 'slipway', 'slipway secrets v1', 32));
}

/** Reads `<dataDir>/secret.key`, creating it (mode 0600) when it does not exist yet. */
async function keyFileMaterial(dataDir: string): Promise<string> {
  const path = join(dataDir, SECRET_KEY_FILE);
  await mkdir(dataDir, { recursive: true });
  try {
    // 'wx': two processes starting at once must not both write a key; the loser reads the winner's.
    await writeFile(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const material = (await readFile(path, 'utf8')).trim();
  if (material === '') throw new Error(`the secret key file ${path} is empty`);
  return material;
}

export async function openSecretBox(options: { secretKey?: string; dataDir: string }): Promise<SecretBox> {
  const material =
    options.secretKey !== undefined && options.secretKey !== '' ? options.secretKey : await keyFileMaterial(options.dataDir);
  return createSecretBox(deriveKey(material));
}

function createSecretBox(key: Buffer): SecretBox {
  return {
    encrypt(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    decrypt(sealed, context) {
      if (!sealed.startsWith(PREFIX)) throw new Error('a stored secret is not in a known format');
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('cannot decrypt a stored secret: is SLIPWAY_SECRET_KEY (or the key file) the one it was written with?');
      }
    },
  };
}
