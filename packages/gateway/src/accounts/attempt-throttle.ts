import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';

export interface ThrottleRule {
  scope: string;
  max: number;
  windowMs: number;
}

/**
 * Counts failed attempts (sign-in, code redemption) per subject in the database, so
 * every replica sees the same count. Only failures count: a user who signs in right
 * is never locked out by a success, and an attacker cannot reset the count.
 */
export class AttemptThrottle {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Throws 429 with Retry-After when any subject has used up its window. */
  async check(checks: ReadonlyArray<{ rule: ThrottleRule; subject: string }>): Promise<void> {
    const now = Date.now();
    for (const { rule, subject } of checks) {
      const rows = await this.#db.all<{ created_at: number }>(
        'SELECT created_at FROM auth_failures WHERE scope = ? AND subject = ? AND created_at > ? ORDER BY created_at DESC LIMIT ?',
        [rule.scope, subject, now - rule.windowMs, rule.max],
      );
      if (rows.length < rule.max) continue;
      const oldest = Number(rows[rows.length - 1]!.created_at);
      const retryAfter = Math.max(1, Math.ceil((oldest + rule.windowMs - now) / 1000));
      throw new GatewayError('too_many_attempts', {
        message: `Too many failed attempts. Try again in ${Math.ceil(retryAfter / 60)} minute(s).`,
        headers: { 'retry-after': String(retryAfter) },
      });
    }
  }

  async fail(checks: ReadonlyArray<{ rule: ThrottleRule; subject: string }>): Promise<void> {
    const now = Date.now();
    for (const { rule, subject } of checks) {
      await this.#db.run('INSERT INTO auth_failures (id, scope, subject, created_at) VALUES (?, ?, ?, ?)', [
        newId('af'),
        rule.scope,
        subject,
        now,
      ]);
    }
    // Old rows are useless beyond the longest window; trimming here keeps the table small.
    await this.#db.run('DELETE FROM auth_failures WHERE created_at < ?', [now - 24 * 3600_000]);
  }
}

export const throttleRules = {
  loginPerEmail: { scope: 'login:email', max: 5, windowMs: 15 * 60_000 },
  loginPerIp: { scope: 'login:ip', max: 20, windowMs: 15 * 60_000 },
  redeemPerUser: { scope: 'redeem:user', max: 10, windowMs: 15 * 60_000 },
} as const satisfies Record<string, ThrottleRule>;
