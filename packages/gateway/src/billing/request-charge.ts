import type { Database } from '../db/index.ts';
import { insertAttempts, insertRequestLog, type RequestLogEntry } from '../usage/index.ts';
import { type Hold, placeHold, settleHold } from './ledger.ts';
import { type TokenPrice, type TokenUsage, tokenCost } from './token-cost.ts';

export interface ChargeContext {
  requestId: string;
  userId: string;
  keyId: string;
  endpoint: string;
  startedAt: number;
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
  #settled = false;

  private constructor(db: Database, hold: Hold, context: ChargeContext) {
    this.#db = db;
    this.#hold = hold;
    this.#context = context;
  }

  static async hold(
    db: Database,
    context: ChargeContext,
    amountMicro: number,
    minimumMicro: number,
  ): Promise<RequestCharge> {
    const hold = await placeHold(db, {
      userId: context.userId,
      keyId: context.keyId,
      requestId: context.requestId,
      amountMicro,
      minimumMicro,
    });
    return new RequestCharge(db, hold, context);
  }

  get context(): Readonly<ChargeContext> {
    return this.#context;
  }

  get holdMicro(): number {
    return this.#hold.amountMicro;
  }

  /** Charges `usage` at `price` (nothing when usage is null) and logs the outcome and its attempts. Returns the cost. */
  async settle(
    price: TokenPrice,
    usage: TokenUsage | null,
    outcome: ChargeOutcome,
    attempts: Parameters<typeof insertAttempts>[2] = [],
  ): Promise<number> {
    if (this.#settled) return 0;
    this.#settled = true;
    const costMicro = usage ? tokenCost(price, usage) : 0;
    const { requestId, userId, keyId, endpoint, startedAt } = this.#context;
    await settleHold(this.#db, this.#hold, {
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
    return costMicro;
  }
}
