import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';

/** scrypt with N=2^15, r=8: 32 MiB per hash, so a stolen table is slow to attack even on GPUs. */
const params = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const keyLength = 32;
export const minimumPasswordLength = 10;

function derive(password: string, salt: Buffer, options: { N: number; r: number; p: number }) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      { ...options, maxmem: params.maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, params);
  return [
    'scrypt',
    params.N,
    params.r,
    params.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // With no stored hash we still spend the time of one, so timing does not reveal which emails exist.
  const [scheme, n, r, p, salt, hash] = (stored ?? dummyHash).split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return stored !== null && expected.length === actual.length && timingSafeEqual(expected, actual);
}

const dummyHash = `scrypt$${params.N}$${params.r}$${params.p}$${'A'.repeat(22)}$${'A'.repeat(43)}`;

export function checkPasswordStrength(password: string): void {
  if (password.length < minimumPasswordLength) {
    throw new GatewayError('invalid_request', {
      param: 'password',
      message: `Passwords need at least ${minimumPasswordLength} characters.`,
    });
  }
  if (password.length > 1024) {
    throw new GatewayError('invalid_request', { param: 'password', message: 'Password is too long.' });
  }
}

export async function setPassword(db: Database, userId: string, password: string): Promise<void> {
  checkPasswordStrength(password);
  const { changes } = await db.run('UPDATE users SET password_hash = ? WHERE id = ?', [
    await hashPassword(password),
    userId,
  ]);
  if (changes === 0) throw new GatewayError('not_found', { message: `No such user: ${userId}` });
}

/** The user whose email and password match, else null (same time and answer for an unknown email). */
export async function verifyLogin(
  db: Database,
  email: string,
  password: string,
): Promise<{ id: string; email: string; plan: string } | null> {
  const row = await db.get<{ id: string; email: string; plan: string; password_hash: string | null }>(
    'SELECT id, email, plan, password_hash FROM users WHERE email = ?',
    [email.trim().toLowerCase()],
  );
  const ok = await verifyPassword(password, row?.password_hash ?? null);
  return ok && row ? { id: row.id, email: row.email, plan: row.plan } : null;
}

export async function checkCurrentPassword(db: Database, userId: string, password: string): Promise<boolean> {
  const row = await db.get<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE id = ?', [
    userId,
  ]);
  return verifyPassword(password, row?.password_hash ?? null);
}
