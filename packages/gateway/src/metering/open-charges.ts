/** A held request as graceful shutdown sees it: it can be refunded (settled at 0, logged). */
export interface RefundableCharge {
  refund(reason: { status: number; errorCode: string; errorMessage: string }): Promise<unknown>;
}

/**
 * Every hold this process placed and has not settled yet: what graceful shutdown must see
 * finished (or refund) before the database pool closes.
 */
export class OpenCharges {
  readonly #open = new Set<RefundableCharge>();
  readonly #waiters = new Set<() => void>();

  add(charge: RefundableCharge): void {
    this.#open.add(charge);
  }

  delete(charge: RefundableCharge): void {
    this.#open.delete(charge);
    if (this.#open.size > 0) return;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  get size(): number {
    return this.#open.size;
  }

  /** Resolves true once every open charge has settled, false when `timeoutMs` passes first. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.#open.size === 0) return true;
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(this.#open.size === 0);
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  /** Refunds every charge still open (each logged with `reason`); returns how many. */
  async refundAll(reason: { status: number; errorCode: string; errorMessage: string }): Promise<number> {
    const open = [...this.#open];
    await Promise.allSettled(open.map((charge) => charge.refund(reason)));
    return open.length;
  }
}
