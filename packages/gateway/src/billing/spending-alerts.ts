import { capApiKey } from '../accounts/index.ts';
import { recordAudit } from '../audit/index.ts';
import type { Database } from '../db/index.ts';
import type { Mailer } from '../notifications/mailer.ts';
import { keyMonthSpend } from './key-month-spend.ts';
import { formatCredits } from './money.ts';

type Threshold = 80 | 100;

export interface SpendingAlertsOptions {
  db: Database;
  mailer: Mailer;
  /** A key was auto-disabled: cached key states must be dropped. */
  onKeyCapped: (keyId: string) => void;
  onError: (error: unknown) => void;
  publicUrl: string | undefined;
}

/**
 * The guard rails around a key's monthly cap: a heads-up email at 80 %, a hard-cap
 * email at 100 % (each claimed once per key and month with a conditional UPDATE, so
 * replicas never send twice), and auto-disable at the cap when the key asks for it.
 * Work runs after the request's own transaction and never delays or fails it.
 */
export class SpendingAlerts {
  readonly #options: SpendingAlertsOptions;
  readonly #pending = new Set<Promise<void>>();

  constructor(options: SpendingAlertsOptions) {
    this.#options = options;
  }

  /** After a charge: the key's month-to-date spend against its limit. */
  afterCharge(keyId: string, month: string, spentMicro: number, limitMicro: number): void {
    if (spentMicro >= limitMicro) this.capReached(keyId, month, limitMicro);
    else if (spentMicro * 100 >= limitMicro * 80)
      this.#track(this.#alert(keyId, month, 80, limitMicro, spentMicro));
  }

  /**
   * A request did not fit in what is left of the month. When the month's settled spend
   * alone leaves less than the smallest form of the request (`neededMicro`: its input and
   * one output token, its fixed price…), that is the cap itself — whatever else is in flight.
   * A refusal that only other requests' holds caused (they may yet be released) is not.
   */
  refused(keyId: string, month: string, limitMicro: number, neededMicro = 1): void {
    this.#track(
      (async () => {
        const spend = await keyMonthSpend(this.#options.db, keyId, month);
        if (spend.spentMicro + Math.max(1, neededMicro) > limitMicro)
          this.capReached(keyId, month, limitMicro);
      })(),
    );
  }

  capReached(keyId: string, month: string, limitMicro: number): void {
    this.#track(
      (async () => {
        if (await capApiKey(this.#options.db, keyId, month)) {
          this.#options.onKeyCapped(keyId);
          await this.#auditCapped(keyId, month, limitMicro);
        }
        // The heads-up is moot once the cap is hit: claim it so it is not sent afterwards.
        await this.#claim(keyId, month, 80);
        await this.#alert(keyId, month, 100, limitMicro, null);
      })(),
    );
  }

  /** The auto-disable is an administrative change too: in the key's org's trail, or its owner's. */
  async #auditCapped(keyId: string, month: string, limitMicro: number): Promise<void> {
    const key = await this.#options.db.get<{ user_id: string; org_id: string | null }>(
      'SELECT user_id, org_id FROM api_keys WHERE id = ?',
      [keyId],
    );
    if (!key) return;
    await recordAudit(this.#options.db, {
      scope: key.org_id ? { orgId: key.org_id } : { userId: key.user_id },
      actorId: null,
      action: 'key.auto_disabled',
      targetType: 'api_key',
      targetId: keyId,
      before: { state: 'active' },
      after: { state: 'capped', month, spendingLimitMicro: limitMicro },
    });
  }

  /** Resolves when every alert started so far has been sent (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch(this.#options.onError).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  async #claim(keyId: string, month: string, threshold: Threshold): Promise<boolean> {
    const column = threshold === 80 ? 'alerted_80' : 'alerted_100';
    const { changes } = await this.#options.db.run(
      `UPDATE key_budgets SET ${column} = 1 WHERE key_id = ? AND month = ? AND ${column} = 0`,
      [keyId, month],
    );
    return changes > 0;
  }

  async #alert(
    keyId: string,
    month: string,
    threshold: Threshold,
    limitMicro: number,
    spentMicro: number | null,
  ): Promise<void> {
    const { db, mailer } = this.#options;
    if (!(await this.#claim(keyId, month, threshold))) return;
    const key = await db.get<{ name: string; prefix: string; auto_disable: number; email: string }>(
      'SELECT k.name, k.prefix, k.auto_disable, u.email FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?',
      [keyId],
    );
    if (!key) return;
    try {
      await mailer.send({ to: key.email, ...this.#compose(key, month, threshold, limitMicro, spentMicro) });
    } catch (error) {
      // Unclaim, so the next charge tries again rather than the alert being lost.
      const column = threshold === 80 ? 'alerted_80' : 'alerted_100';
      await db.run(`UPDATE key_budgets SET ${column} = 0 WHERE key_id = ? AND month = ?`, [keyId, month]);
      throw error;
    }
  }

  #compose(
    key: { name: string; prefix: string; auto_disable: number },
    month: string,
    threshold: Threshold,
    limitMicro: number,
    spentMicro: number | null,
  ): { subject: string; text: string } {
    const label = `"${key.name}" (${key.prefix}…)`;
    const limit = `${formatCredits(limitMicro)} credits`;
    const manage = `${this.#options.publicUrl ?? ''}/manage-api-keys`;
    if (threshold === 80) {
      return {
        subject: `Heads-up: API key ${key.name} has used 80% of its monthly limit`,
        text: `Your API key ${label} has spent ${formatCredits(spentMicro ?? 0)} of its ${limit} limit for ${month} (UTC).\n\nRequests that would go past the limit will be refused. You can raise the limit at ${manage}.\n`,
      };
    }
    const after = key.auto_disable
      ? 'The key has been disabled until you re-enable it or the month rolls over.'
      : 'Requests that would go past the limit are refused until the month rolls over or you raise the limit.';
    return {
      subject: `API key ${key.name} reached its monthly spending limit`,
      text: `Your API key ${label} has reached its ${limit} limit for ${month} (UTC). ${after}\n\nManage it at ${manage}.\n`,
    };
  }
}
