import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/index.ts';

export const sessionCookie = 'hypereal_session';
const lifetimeMs = 7 * 24 * 3600_000;
const idleMs = 12 * 3600_000;
/** last_seen_at is written at most this often, so browsing does not write on every request. */
const touchEveryMs = 60_000;

export interface Session {
  userId: string;
  email: string;
  plan: string;
  csrfToken: string;
  idHash: string;
}

/** Only the hash of a session id is stored: a leaked table cannot be replayed as cookies. */
const hashId = (id: string) => createHash('sha256').update(id).digest('hex');

export async function createSession(
  db: Database,
  userId: string,
): Promise<{ id: string; csrfToken: string }> {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const now = Date.now();
  await db.run(
    'INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    [hashId(id), userId, csrfToken, now, now, now + lifetimeMs],
  );
  return { id, csrfToken };
}

export async function findSession(db: Database, id: string): Promise<Session | null> {
  if (id.length < 40 || id.length > 64) return null;
  const idHash = hashId(id);
  const row = await db.get<{
    user_id: string;
    email: string;
    plan: string;
    csrf_token: string;
    last_seen_at: number;
    expires_at: number;
  }>(
    `SELECT s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, u.email, u.plan
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`,
    [idHash],
  );
  if (!row) return null;
  const now = Date.now();
  if (Number(row.expires_at) <= now || now - Number(row.last_seen_at) > idleMs) {
    await db.run('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
    return null;
  }
  if (now - Number(row.last_seen_at) > touchEveryMs) {
    await db.run('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?', [now, idHash]);
  }
  return { userId: row.user_id, email: row.email, plan: row.plan, csrfToken: row.csrf_token, idHash };
}

export async function deleteSession(db: Database, idHash: string): Promise<void> {
  await db.run('DELETE FROM sessions WHERE id_hash = ?', [idHash]);
}

/** After a password change: every session of the user but the current one ends. */
export async function deleteOtherSessions(
  db: Database,
  userId: string,
  keepIdHash: string | null,
): Promise<void> {
  await db.run('DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?', [userId, keepIdHash ?? '']);
}
