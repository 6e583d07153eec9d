import type { MeteredUsage } from '../contracts/index.ts';
import type { Database } from '../db/index.ts';
import { insertAttempts, insertRequestLog } from '../usage/index.ts';
import { type CallContext, type CallOutcome, requestLogRow } from './log-row.ts';
import { settleInOneStatement } from './settle-statement.ts';

/** The context of a call that holds money: always a user's key. */
export type ChargedContext = CallContext & { userId: string; keyId: string };

import { type Hold, placeHold, renewHold, settleHold } from '../billing/index.ts';
import type { KeyBudgetRef } from '../billing/key-budget.ts';
import type { SpendingAlerts } from '../billing/spending-alerts.ts';
import type { OpenCharges, RefundableCharge } from './open-charges.ts';
import { type ModelPrice, priceOf } from './pricing.ts';

/** A capped key's budget for this request, and who to tell when it runs low. */
export interface KeyBudget {
  ref: KeyBudgetRef;
  alerts: SpendingAlerts;
}

/** After a charge on a capped key: its 80 % and cap-reached mail follow the month's settled spend. */
export function alertAfterCharge(
  budget: KeyBudget | undefined,
  keySpentMicro: number | null,
  chargedMicro: number,
): void {
  if (!budget || keySpentMicro == null || chargedMicro <= 0) return;
  budget.alerts.afterCharge(budget.ref.keyId, budget.ref.month, keySpentMicro, budget.ref.limitMicro);
}

/** A metered call's money as its route sees it, whether it holds per call or on a credit lease. */
export interface CallCharge extends RefundableCharge {
  readonly context: Readonly<ChargedContext>;
  /** The most the call may be charged: its reservation. */
  readonly holdMicro: number;
  /** Charges `usage` at `price` (never more than `holdMicro`) and writes the log row and attempts, once. */
  settle(
    price: ModelPrice,
    usage: MeteredUsage | null,
    outcome: CallOutcome,
    attempts?: Parameters<typeof insertAttempts>[2],
  ): Promise<number>;
}

/**
 * One request's money: its hold, and the settlement that charges the metered cost
 * and writes the request log in the same transaction — exactly once.
 */
export class RequestCharge implements CallCharge {
  readonly #db: Database;
  readonly #open: OpenCharges | undefined;
  readonly #hold: Hold;
  readonly #context: ChargedContext;
  readonly #budget: KeyBudget | undefined;
  readonly #lease: NodeJS.Timeout;
  #settled = false;

  private constructor(
    db: Database,
    hold: Hold,
    context: ChargedContext,
    budget: KeyBudget | undefined,
    leaseMs: number,
    open: OpenCharges | undefined,
  ) {
    this.#db = db;
    this.#open = open;
    open?.add(this);
    this.#hold = hold;
    this.#context = context;
    this.#budget = budget;
    // Renewed well before it runs out, while the request lives: only a dead process's holds expire.
    this.#lease = setInterval(() => {
      renewHold(db, hold.id, leaseMs).catch(() => {
        // The next renewal tries again; a lost lease only releases the hold early, uncharged.
      });
    }, leaseMs / 3);
    this.#lease.unref();
  }

  /**
   * Holds up to `amountMicro` (at least `leastMicro`) of the user's credit and, when the key has
   * a cap, of its month's budget.
   */
  static async hold(
    db: Database,
    context: ChargedContext,
    amounts: { amountMicro: number; leastMicro?: number | undefined; minimumMicro: number; leaseMs: number },
    budget?: KeyBudget,
    open?: OpenCharges,
  ): Promise<RequestCharge> {
    const hold = await placeHold(db, {
      userId: context.userId,
      orgId: context.orgId ?? null,
      keyId: context.keyId,
      requestId: context.requestId,
      endpoint: context.endpoint,
      ...amounts,
      keyBudget: budget?.ref,
    });
    return new RequestCharge(db, hold, context, budget, amounts.leaseMs, open);
  }

  get context(): Readonly<ChargedContext> {
    return this.#context;
  }

  get holdMicro(): number {
    return this.#hold.amountMicro;
  }

  /**
   * Charges `usage` at `price` (nothing when usage is null), never more than the hold — the
   * worst case the call was admitted for, so a key's cap and the balance stay hard even when an
   * upstream ignores the output cap (the operator absorbs the difference) — and writes the
   * call's log row and attempts in the same transaction, once, whatever path calls it first.
   * Returns the cost.
   */
  async settle(
    price: ModelPrice,
    usage: MeteredUsage | null,
    outcome: CallOutcome,
    attempts: Parameters<typeof insertAttempts>[2] = [],
  ): Promise<number> {
    if (this.#settled) return 0;
    this.#settled = true;
    clearInterval(this.#lease);
    try {
      return await this.#settle(price, usage, outcome, attempts);
    } finally {
      this.#open?.delete(this);
    }
  }

  /** Graceful shutdown ran out of time for this call: nothing charged, the log row says why. */
  refund(reason: { status: number; errorCode: string; errorMessage: string }): Promise<number> {
    return this.settle({ input: 0, output: 0 }, null, { model: null, ...reason });
  }

  async #settle(
    price: ModelPrice,
    usage: MeteredUsage | null,
    outcome: CallOutcome,
    attempts: Parameters<typeof insertAttempts>[2],
  ): Promise<number> {
    const costMicro = usage ? Math.min(priceOf(price, usage), this.#hold.amountMicro) : 0;
    const settlement = {
      chargeMicro: costMicro,
      requestId: this.#context.requestId,
      description: `${this.#context.endpoint} ${outcome.model ?? ''}`.trim(),
    };
    const row = requestLogRow(this.#context, outcome, usage, costMicro);
    // PostgreSQL: one statement, one round trip. SQLite: one item of the next group commit.
    const settled =
      this.#db.engine === 'postgres'
        ? await settleInOneStatement(this.#db, this.#hold, settlement, row, attempts)
        : await settleHold(this.#db, this.#hold, {
            ...settlement,
            alsoWrite: async (tx) => {
              await insertRequestLog(tx, row);
              await insertAttempts(tx, this.#context.requestId, attempts);
            },
          });
    if (settled) alertAfterCharge(this.#budget, settled.keySpentMicro, settled.chargedMicro);
    return costMicro;
  }
}
