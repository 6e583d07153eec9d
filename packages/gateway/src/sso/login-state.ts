import { randomBytes } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { sha256 } from './provider-store.ts';

/** An SP-initiated login is good for this long (the user signs in at the IdP meanwhile). */
export const loginStateTtlMs = 10 * 60_000;

export interface LoginState {
  state: string;
  browserSecret: string;
  codeVerifier: string;
  nonce: string;
}

/**
 * OIDC `state` binds the callback to this browser (a cookie holds `browserSecret`) and to
 * a PKCE verifier and nonce; it is consumed by the first callback that presents it.
 */
export async function createLoginState(
  db: Database,
  providerId: string,
  codeVerifier: string,
  nonce: string,
): Promise<LoginState> {
  const state = randomBytes(32).toString('base64url');
  const browserSecret = randomBytes(32).toString('base64url');
  const now = Date.now();
  await db.run('DELETE FROM sso_login_states WHERE expires_at < ?', [now]);
  await db.run(
    `INSERT INTO sso_login_states (state_hash, provider_id, browser_hash, code_verifier, nonce, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [sha256(state), providerId, sha256(browserSecret), codeVerifier, nonce, now, now + loginStateTtlMs],
  );
  return { state, browserSecret, codeVerifier, nonce };
}

/** Single use: the row is deleted by the one caller that gets it. */
export async function consumeLoginState(
  db: Database,
  providerId: string,
  state: string,
): Promise<{ browserHash: string; codeVerifier: string; nonce: string } | undefined> {
  const stateHash = sha256(state);
  const row = await db.get<{
    provider_id: string;
    browser_hash: string;
    code_verifier: string;
    nonce: string;
    expires_at: number;
  }>(
    'SELECT provider_id, browser_hash, code_verifier, nonce, expires_at FROM sso_login_states WHERE state_hash = ?',
    [stateHash],
  );
  if (!row) return undefined;
  const { changes } = await db.run('DELETE FROM sso_login_states WHERE state_hash = ?', [stateHash]);
  if (changes !== 1) return undefined;
  if (row.provider_id !== providerId || Number(row.expires_at) < Date.now()) return undefined;
  return { browserHash: row.browser_hash, codeVerifier: row.code_verifier, nonce: row.nonce };
}
