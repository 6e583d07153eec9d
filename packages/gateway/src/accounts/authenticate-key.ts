import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { hashesEqual, hashKey, keyPrefix, keyState, touchApiKey } from './api-keys.ts';

export interface AuthenticatedKey {
  keyId: string;
  keyName: string;
  userId: string;
  /** An org key's org: calls spend from the org's wallet. Null for a personal key. */
  orgId: string | null;
  plan: string;
  rateLimitRpm: number | null;
  /** Micro-credits per calendar month (UTC), or null for no cap. */
  spendingLimitMicro: number | null;
}

interface KeyRow {
  id: string;
  name: string;
  key_hash: string;
  user_id: string;
  org_id: string | null;
  org_deleted_at: number | null;
  plan: string;
  rate_limit_rpm: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  spending_limit_micro: number | null;
  disabled_reason: string | null;
  disabled_month: string | null;
}

/**
 * What a change touched: one key, a user's keys (its plan or rate limit), an org's keys. Empty:
 * every key (a change from outside the gateway, e.g. the CLI, or a lost message).
 */
export interface KeyScope {
  keyId?: string | undefined;
  userId?: string | undefined;
  orgId?: string | undefined;
}

const touchesEverything = (scope: KeyScope): boolean =>
  scope.keyId === undefined && scope.userId === undefined && scope.orgId === undefined;

/** Whether a change of `scope` touches a key of this owner. */
export function inScope(
  scope: KeyScope,
  key: { keyId: string; userId: string; orgId: string | null },
): boolean {
  if (touchesEverything(scope)) return true;
  return (
    (scope.keyId !== undefined && scope.keyId === key.keyId) ||
    (scope.userId !== undefined && scope.userId === key.userId) ||
    (scope.orgId !== undefined && scope.orgId === key.orgId)
  );
}

interface CacheEntry {
  row: KeyRow | null;
  fetchedAt: number;
}

export interface KeyAuthenticatorOptions {
  /**
   * How long another process's revocation may take to be seen here when nothing tells this
   * one (no Redis); same-process revocations, and with Redis every replica's, are immediate.
   */
  ttlMs?: number;
  maxEntries?: number;
  touchIntervalMs?: number;
}

/** Resolves `ck_` secrets to their key and owner, with a small in-memory cache. */
export class KeyAuthenticator {
  readonly #db: Database;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #touched = new Map<string, number>();
  #ttlMs: number;
  /** Tells the other replicas (Redis pub/sub, `key-invalidation.ts`) that cached key states are stale. */
  #broadcast: ((scope: KeyScope) => void) | undefined;
  readonly #dropped: Array<(scope: KeyScope) => void> = [];
  readonly #maxEntries: number;
  readonly #touchIntervalMs: number;

  constructor(db: Database, options: KeyAuthenticatorOptions = {}) {
    this.#db = db;
    this.#ttlMs = options.ttlMs ?? 5_000;
    this.#maxEntries = options.maxEntries ?? 50_000;
    this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
  }

  async authenticate(secret: string | undefined): Promise<AuthenticatedKey> {
    if (!secret)
      throw new GatewayError('missing_api_key', {
        message: 'Missing API key: send Authorization: Bearer ck_….',
      });
    if (!secret.startsWith(keyPrefix) || secret.length < keyPrefix.length + 16) {
      throw new GatewayError('invalid_api_key', { message: 'Malformed API key: keys start with ck_.' });
    }
    const keyHash = hashKey(secret);
    const row = await this.#lookup(keyHash);
    if (!row || !hashesEqual(row.key_hash, keyHash)) {
      throw new GatewayError('invalid_api_key', { message: 'Invalid API key.' });
    }
    const now = Date.now();
    const state = row.org_deleted_at !== null ? 'revoked' : keyState(row, now);
    if (state === 'revoked')
      throw new GatewayError('invalid_api_key', { message: 'This API key has been revoked.' });
    if (state === 'expired')
      throw new GatewayError('invalid_api_key', { message: 'This API key has expired.' });
    if (state === 'disabled') {
      throw new GatewayError('invalid_api_key', {
        message: 'This API key is disabled. Re-enable it on /manage-api-keys.',
      });
    }
    if (state === 'capped') {
      throw new GatewayError('key_disabled', {
        message:
          'This API key was disabled on reaching its monthly spending limit. Re-enable it or raise the limit on /manage-api-keys; it resumes on the 1st of next month (UTC).',
      });
    }
    this.#touch(row.id, now);
    return {
      keyId: row.id,
      keyName: row.name,
      userId: row.user_id,
      orgId: row.org_id,
      plan: row.plan,
      rateLimitRpm: row.rate_limit_rpm,
      spendingLimitMicro: row.spending_limit_micro === null ? null : Number(row.spending_limit_micro),
    };
  }

  /**
   * Drops the cached entries a change touched so a revocation or limit change applies to the
   * next request, here and (when connected) on every other replica.
   */
  invalidate(scope: KeyScope = {}): void {
    this.invalidateLocal(scope);
    this.#broadcast?.(scope);
  }

  /** Drops the cached entries a change touched (here or on another replica). */
  invalidateLocal(scope: KeyScope = {}): void {
    if (touchesEverything(scope)) {
      this.#cache.clear();
    } else {
      for (const [hash, entry] of this.#cache) {
        const row = entry.row;
        if (row && inScope(scope, { keyId: row.id, userId: row.user_id, orgId: row.org_id }))
          this.#cache.delete(hash);
      }
    }
    for (const listener of this.#dropped) listener(scope);
  }

  /** Told whenever cached key states are dropped, here or (through the channel) by another replica. */
  onDropped(listener: (scope: KeyScope) => void): void {
    this.#dropped.push(listener);
  }

  /** How long an entry may be served from the cache from now on (a lost invalidation channel shortens it). */
  setTtl(ttlMs: number): void {
    this.#ttlMs = ttlMs;
  }

  onInvalidate(broadcast: ((scope: KeyScope) => void) | undefined): void {
    this.#broadcast = broadcast;
  }

  async #lookup(keyHash: string): Promise<KeyRow | null> {
    const cached = this.#cache.get(keyHash);
    if (cached && Date.now() - cached.fetchedAt < this.#ttlMs) return cached.row;
    const row =
      (await this.#db.get<KeyRow>(
        `SELECT k.id, k.name, k.key_hash, k.user_id, k.expires_at, k.revoked_at, k.spending_limit_micro,
                k.disabled_reason, k.disabled_month, u.plan, u.rate_limit_rpm, k.org_id, o.deleted_at AS org_deleted_at
         FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN orgs o ON o.id = k.org_id WHERE k.key_hash = ?`,
        [keyHash],
      )) ?? null;
    if (this.#cache.size >= this.#maxEntries) this.#cache.clear();
    this.#cache.set(keyHash, { row, fetchedAt: Date.now() });
    return row;
  }

  #touch(keyId: string, now: number): void {
    const last = this.#touched.get(keyId) ?? 0;
    if (now - last < this.#touchIntervalMs) return;
    this.#touched.set(keyId, now);
    // Best effort: last-used is informational and must not slow or fail the request.
    touchApiKey(this.#db, keyId, now).catch(() => undefined);
  }
}
