import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type SignatureCheck = 'valid' | 'expired' | 'invalid';

/**
 * Signed, expiring links to one file: HMAC-SHA256 over the file id and the expiry
 * (seconds since the epoch), so a link cannot be moved to another file nor extended.
 * @see https://www.rfc-editor.org/rfc/rfc2104 (HMAC)
 */
export class UrlSigner {
  readonly #secret: Buffer;

  constructor(secret: string) {
    this.#secret = Buffer.from(secret, 'utf8');
  }

  #mac(fileId: string, expires: number): Buffer {
    return createHmac('sha256', this.#secret).update(`hypereal-file\n${fileId}\n${expires}`).digest();
  }

  sign(fileId: string, expires: number): string {
    return this.#mac(fileId, expires).toString('base64url');
  }

  /** Constant-time in the signature; a malformed expiry or signature is `invalid`. */
  verify(
    fileId: string,
    expires: string | undefined,
    signature: string | undefined,
    nowMs: number,
  ): SignatureCheck {
    if (expires === undefined || signature === undefined || !/^\d{1,12}$/.test(expires)) return 'invalid';
    const given = Buffer.from(signature, 'base64url');
    const expected = this.#mac(fileId, Number(expires));
    // Only the length (public: always 32 bytes) is compared before timingSafeEqual.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return Number(expires) * 1000 <= nowMs ? 'expired' : 'valid';
  }
}

/**
 * The configured secret, else one generated on first start and kept at `path`
 * (mode 0600), so links survive restarts. Replicas that do not share that file (e.g.
 * several gateways on PostgreSQL) must all be given the same `storage.signingSecret`.
 */
export function loadSigningSecret(configured: string | undefined, path: string): string {
  if (configured) return configured;
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // Written aside, then hard-linked into place: when two processes start at once, the
  // first link wins, and nobody ever reads a half-written file.
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, `${secret}\n`, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(temp, path);
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path, 'utf8').trim();
  } finally {
    unlinkSync(temp);
  }
}
