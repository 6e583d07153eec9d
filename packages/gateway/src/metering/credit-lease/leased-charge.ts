import type { MeteredUsage } from '../../contracts/index.ts';
import type { insertAttempts } from '../../usage/index.ts';
import { type CallOutcome, requestLogRow } from '../log-row.ts';
import type { OpenCharges } from '../open-charges.ts';
import { type ModelPrice, priceOf } from '../pricing.ts';
import { alertAfterCharge, type CallCharge, type ChargedContext, type KeyBudget } from '../request-charge.ts';
import type { CreditLeases, Lease, LeaseCall } from './credit-leases.ts';
import { settleLeasedCall } from './lease-store.ts';

/**
 * A call admitted on a credit lease: it reserved `holdMicro` of the lease in memory (no store
 * write before forwarding), and settles like any call — once, in one grouped statement that
 * charges the ledger against the lease row, writes its log row and attempts — before its
 * answer's end is sent.
 */
export class LeasedCharge implements CallCharge {
  readonly #leases: CreditLeases;
  readonly #lease: Lease;
  readonly #call: LeaseCall;
  readonly #context: ChargedContext;
  readonly #budget: KeyBudget | undefined;
  readonly #open: OpenCharges | undefined;
  #settled = false;

  constructor(
    leases: CreditLeases,
    admitted: { lease: Lease; call: LeaseCall },
    context: ChargedContext,
    budget: KeyBudget | undefined,
    open: OpenCharges | undefined,
  ) {
    this.#leases = leases;
    this.#lease = admitted.lease;
    this.#call = admitted.call;
    this.#context = context;
    this.#budget = budget;
    this.#open = open;
    open?.add(this);
  }

  get context(): Readonly<ChargedContext> {
    return this.#context;
  }

  get holdMicro(): number {
    return this.#call.reservedMicro;
  }

  async settle(
    price: ModelPrice,
    usage: MeteredUsage | null,
    outcome: CallOutcome,
    attempts: Parameters<typeof insertAttempts>[2] = [],
  ): Promise<number> {
    if (this.#settled) return 0;
    this.#settled = true;
    const costMicro = usage ? Math.min(priceOf(price, usage), this.#call.reservedMicro) : 0;
    const charge = Math.max(0, Math.ceil(costMicro));
    const releaseMicro = this.#leases.releaseFor(this.#lease, this.#call, charge);
    let released = 0;
    let result = { open: false, drain: 0 };
    try {
      const settled = await settleLeasedCall(this.#db(), this.#lease.hold, {
        requestId: this.#context.requestId,
        chargeMicro: charge,
        releaseMicro,
        description: `${this.#context.endpoint} ${outcome.model ?? ''}`.trim(),
        log: requestLogRow(this.#context, outcome, usage, charge),
        attempts,
        marked: this.#call.marked,
      });
      result = settled;
      released = settled.open ? releaseMicro : 0;
      alertAfterCharge(this.#budget, settled.keySpentMicro, charge);
      return settled.open ? charge : 0;
    } catch (error) {
      // Unknown whether it committed: the reservation is not offered again (the slice stays
      // conservative); the lease row still holds it, and closing the lease releases what the
      // row holds, read under its lock — exact either way.
      result = { open: true, drain: 0 };
      released = this.#call.reservedMicro;
      throw error;
    } finally {
      this.#leases.finished(this.#lease, this.#call, released, result);
      this.#open?.delete(this);
    }
  }

  /** Graceful shutdown ran out of time for this call: nothing charged, the log row says why. */
  refund(reason: { status: number; errorCode: string; errorMessage: string }): Promise<number> {
    return this.settle({ input: 0, output: 0 }, null, { model: null, ...reason });
  }

  #db() {
    return this.#leases.db;
  }
}
