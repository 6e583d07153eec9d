import type { TokenUsage } from '../contracts/index.ts';
import type { Database } from '../db/index.ts';
import { insertAttempts, insertRequestLog, type RequestLogEntry } from '../usage/index.ts';
import type { KeyBudgetRef } from './key-budget.ts';
import { type Hold, placeHold, settleHold } from './ledger.ts';
import type { SpendingAlerts } from './spending-alerts.ts';
import { type TokenPrice, tokenCost } from './token-cost.ts';

export interface ChargeContext {
  requestId: string;
  userId: string;
  keyId: string;
  endpoint: string;
  startedAt: number;
}

/** A capped key's budget for this request, and who to tell when it runs low. */
export interface KeyBudget {
  ref: KeyBudgetRef;
  alerts: SpendingAlerts;
}

export type ChargeOutcome = Omit<
  RequestLogEntry,
  'costMicro' | 'id' | 'createdAt' | 'userId' | 'keyId' | 'endpoint'
>;

/**
 * One request's money: its hold, and the settlement that charges the metered cost
 * and writes the request log in the same transaction — exactly once.
 */
export class RequestCharge {
  readonly #db: Database;
  readonly #hold: Hold;
  readonly #context: ChargeContext;
  readonly #budget: KeyBudget | undefined;
  #settled = false;

  private constructor(db: Database, hold: Hold, context: ChargeContext, budget: KeyBudget | undefined) {
    this.#db = db;
    this.#hold = hold;
    this.#context = context;
    this.#budget = budget;
  }

  /** Holds `amountMicro` of the user's credit and, when the key has a cap, of its month's budget. */
  static async hold(
    db: Database,
    context: ChargeContext,
    amounts: { amountMicro: number; minimumMicro: number },
    budget?: KeyBudget,
  ): Promise<RequestCharge> {
    try {
      const hold = await placeHold(db, {
        userId: context.userId,
        keyId: context.keyId,
        requestId: context.requestId,
        ...amounts,
        keyBudget: budget?.ref,
      });
      return new RequestCharge(db, hold, context, budget);
    } catch (error) {
      if (budget && (error as { code?: string }).code === 'spending_limit_exceeded') {
        budget.alerts.refused(budget.ref.keyId, budget.ref.month, budget.ref.limitMicro);
      }
      throw error;
    }
  }

  get context(): Readonly<ChargeContext> {
    return this.#context;
  }

  get holdMicro(): number {
    return this.#hold.amountMicro;
  }

  /** Charges `usage` at `price` (nothing when usage is null) and logs the outcome and its attempts. Returns the cost. */
  settle(
    price: TokenPrice,
    usage: TokenUsage | null,
    outcome: ChargeOutcome,
    attempts: Parameters<typeof insertAttempts>[2] = [],
  ): Promise<number> {
    return this.settleCost(usage ? tokenCost(price, usage) : 0, outcome, attempts);
  }

  /** Charges `costMicro` (any unit, priced by the caller) and logs the outcome and its attempts, once. */
  async settleCost(
    costMicro: number,
    outcome: ChargeOutcome,
    attempts: Parameters<typeof insertAttempts>[2] = [],
  ): Promise<number> {
    if (this.#settled) return 0;
    this.#settled = true;
    const { requestId, userId, keyId, endpoint, startedAt } = this.#context;
    const settled = await settleHold(this.#db, this.#hold, {
      chargeMicro: costMicro,
      requestId,
      description: `${endpoint} ${outcome.model ?? ''}`.trim(),
      alsoWrite: async (tx) => {
        await insertRequestLog(tx, {
          ...outcome,
          id: requestId,
          userId,
          keyId,
          endpoint,
          costMicro,
          createdAt: startedAt,
        });
        await insertAttempts(tx, requestId, attempts);
      },
    });
    const budget = this.#budget;
    if (budget && settled?.keySpentMicro != null && settled.chargedMicro > 0) {
      budget.alerts.afterCharge(
        budget.ref.keyId,
        budget.ref.month,
        settled.keySpentMicro,
        budget.ref.limitMicro,
      );
    }
    return costMicro;
  }
}
