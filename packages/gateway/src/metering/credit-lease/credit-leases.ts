import { walletOf } from '../../billing/index.ts';
import type { KeyBudgetRef } from '../../billing/key-budget.ts';
import type { Database } from '../../db/index.ts';
import { newId } from '../../ids.ts';
import {
  closeLease,
  type LeaseCallMarker,
  type LeaseHold,
  leaseCredit,
  leaseFlags,
  markLeaseCalls,
  pendingLeaseDrains,
  renewLeases,
  requestLeaseDrain,
  shrinkLease,
} from './lease-store.ts';

/**
 * Sizing, argued:
 * - A slice is granted only when it is at most 1/16 of what the wallet (and the key's cap) has
 *   available, and each call admitted on it must fit its whole worst case (and the endpoint's
 *   minimum) in what the slice has free. So a call on a lease never gets its output capped for
 *   lack of slice, and a wallet far from the edge loses at most a sixteenth per slice to leases —
 *   a refusal only ever happens near the edge, where no new slice is granted and calls hold
 *   per call, exactly as without leases (and where the refusal first takes the slices back).
 * - A slice is at least the minimum plus 8 worst cases of the call that opens or grows it (8 calls
 *   per store round trip at worst: real charges are far below the worst case, so in practice a
 *   slice serves many more), and twice what the lease's calls in flight reserve, so a burst of
 *   concurrent calls doubles it instead of growing it call by call.
 */
export const leaseSizing = { fraction: 16, worstCases: 8 } as const;

export interface CreditLeaseOptions {
  /** The hold lease (`billing.holdLeaseMs`): a lease row is renewed every third of it. */
  leaseMs: number;
  /** A lease with no call for this long is returned (default 1 s). */
  idleMs?: number;
  /** A call still running after this long gets its durable marker (default 1 s). */
  markAfterMs?: number;
  /** How often idle leases, markers and drain requests are looked at (default 250 ms). */
  tickMs?: number;
  /** After a refusal that leases may have caused, no lease on that wallet for this long (default 10 s). */
  cooldownMs?: number;
  /** How long a refusal waits for other replicas to shrink their leases (default 1.5 s). */
  drainWaitMs?: number;
}

/** One call admitted on a lease: what it reserved, and whether its marker was written. */
export interface LeaseCall {
  readonly requestId: string;
  readonly reservedMicro: number;
  readonly startedAt: number;
  readonly endpoint: string;
  readonly keyId: string;
  marked: boolean;
}

export interface Lease {
  readonly key: string;
  readonly walletId: string;
  readonly hold: LeaseHold;
  readonly keyId: string;
  /** The key's cap as it was when the lease opened (part of the lease's key). */
  readonly budget: KeyBudgetRef | undefined;
  readonly endpoint: string;
  /** What the lease row reserves that no call in flight holds. */
  freeMicro: number;
  readonly calls: Set<LeaseCall>;
  state: 'active' | 'draining' | 'closed';
  lastUsedAt: number;
  growing: Promise<void> | null;
  closing: Promise<void> | null;
  /** The row says drained (2): a shrink by nothing need not be written again. */
  shrunk: boolean;
}

/** Who is calling, as a lease sees them. */
export interface LeasePrincipal {
  userId: string;
  orgId: string | null;
  keyId: string;
  budget: KeyBudgetRef | undefined;
}

/**
 * This process's credit leases: per wallet + key (+ the key's cap and month), a slice of the
 * wallet's available credit reserved as one hold row, against which calls are admitted in memory
 * — no store round trip before forwarding. Each call still settles on its own, once, before its
 * answer's end is sent (`settleLeasedCall`); its unused reservation returns to the slice here.
 */
export class CreditLeases {
  readonly #db: Database;
  readonly #leaseMs: number;
  readonly #idleMs: number;
  readonly #markAfterMs: number;
  readonly #cooldownMs: number;
  readonly #drainWaitMs: number;
  /** The active lease of each wallet + key. */
  readonly #active = new Map<string, Lease>();
  /** Every lease not closed yet (active and draining). */
  readonly #open = new Set<Lease>();
  readonly #opening = new Map<string, Promise<void>>();
  /** Wallets not to lease for a while (a refusal took their slices back). */
  readonly #cooldown = new Map<string, number>();
  /** Wallet + key found near the edge: calls hold per call until then. */
  readonly #nearEdge = new Map<string, number>();
  readonly #tick: NodeJS.Timeout;
  readonly #renew: NodeJS.Timeout;
  #closed = false;
  #ticking = false;

  constructor(db: Database, options: CreditLeaseOptions) {
    this.#db = db;
    this.#leaseMs = options.leaseMs;
    this.#idleMs = options.idleMs ?? 1_000;
    this.#markAfterMs = options.markAfterMs ?? 1_000;
    this.#cooldownMs = options.cooldownMs ?? 10_000;
    this.#drainWaitMs = options.drainWaitMs ?? 1_500;
    this.#tick = setInterval(() => {
      this.#onTick().catch(() => undefined);
    }, options.tickMs ?? 250);
    this.#tick.unref();
    this.#renew = setInterval(() => {
      renewLeases(
        this.#db,
        [...this.#open].map((lease) => ({ holdId: lease.hold.id, walletId: lease.walletId })),
        this.#leaseMs,
      ).catch(() => {
        // The next renewal tries again; a lost lease is released by the sweep, uncharged.
      });
    }, this.#leaseMs / 3);
    this.#renew.unref();
  }

  /** The store the leases live in (their calls settle there). */
  get db(): Database {
    return this.#db;
  }

  /** Leases not closed yet (for tests and shutdown). */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Admits a call of worst case `mostMicro` on a lease, opening or growing one when needed, or
   * returns undefined: the wallet is near the edge (or was just refused), and the call holds per
   * call as before. Never refuses.
   */
  async admit(
    who: LeasePrincipal,
    call: { requestId: string; endpoint: string; mostMicro: number; minimumMicro: number },
  ): Promise<{ lease: Lease; call: LeaseCall } | undefined> {
    if (this.#closed || call.mostMicro <= 0) return undefined;
    const walletId = walletOf(who.userId, who.orgId).id;
    const now = Date.now();
    if ((this.#cooldown.get(walletId) ?? 0) > now) return undefined;
    const key = `${who.orgId ? 'org' : 'user'}:${walletId}|${who.keyId}|${who.budget?.month ?? ''}|${who.budget?.limitMicro ?? ''}`;
    const need = Math.max(call.mostMicro, call.minimumMicro);
    for (let attempt = 0; attempt < 4; attempt++) {
      const lease = this.#active.get(key);
      if (lease && lease.state === 'active' && lease.freeMicro >= need) {
        lease.freeMicro -= call.mostMicro;
        lease.lastUsedAt = Date.now();
        const admitted: LeaseCall = {
          requestId: call.requestId,
          reservedMicro: call.mostMicro,
          startedAt: Date.now(),
          endpoint: call.endpoint,
          keyId: who.keyId,
          marked: false,
        };
        lease.calls.add(admitted);
        return { lease, call: admitted };
      }
      if ((this.#nearEdge.get(key) ?? 0) > Date.now()) return undefined;
      if ((this.#cooldown.get(walletId) ?? 0) > Date.now()) return undefined;
      const pending = lease?.growing ?? this.#opening.get(key);
      if (pending) {
        await pending;
        continue;
      }
      const inFlight = lease ? [...lease.calls].reduce((sum, each) => sum + each.reservedMicro, 0) : 0;
      const amount = Math.max(call.minimumMicro + leaseSizing.worstCases * call.mostMicro, 2 * inFlight);
      const step = lease
        ? this.#grow(lease, amount)
        : this.#openLease(key, walletId, who, amount, call.endpoint);
      const granted = await step;
      if (!granted) {
        this.#nearEdge.set(key, Date.now() + 2_000);
        return undefined;
      }
    }
    return undefined;
  }

  #openLease(
    key: string,
    walletId: string,
    who: LeasePrincipal,
    amount: number,
    endpoint: string,
  ): Promise<boolean> {
    const hold: LeaseHold = {
      id: newId('hld'),
      userId: who.userId,
      orgId: who.orgId,
      keyBudget: who.budget && { keyId: who.budget.keyId, month: who.budget.month },
    };
    const step = leaseCredit(this.#db, {
      userId: who.userId,
      orgId: who.orgId,
      keyId: who.keyId,
      amountMicro: amount,
      fraction: leaseSizing.fraction,
      budget: who.budget,
      holdId: hold.id,
      grow: false,
      leaseMs: this.#leaseMs,
      endpoint,
    }).then(
      (result) => {
        if (result !== 'granted') return false;
        const lease: Lease = {
          key,
          walletId,
          hold,
          keyId: who.keyId,
          budget: who.budget,
          endpoint,
          freeMicro: amount,
          calls: new Set(),
          state: 'active',
          lastUsedAt: Date.now(),
          growing: null,
          closing: null,
          shrunk: false,
        };
        this.#open.add(lease);
        // A shutdown or a refusal that came meanwhile: this slice goes straight back.
        if (this.#closed || (this.#cooldown.get(walletId) ?? 0) > Date.now()) {
          lease.state = 'draining';
          this.#giveBackExcess(lease).catch(() => undefined);
          return false;
        }
        this.#active.set(key, lease);
        return true;
      },
      () => false,
    );
    const opening = step.then(() => undefined);
    this.#opening.set(key, opening);
    opening.finally(() => this.#opening.delete(key)).catch(() => undefined);
    return step;
  }

  #grow(lease: Lease, amount: number): Promise<boolean> {
    const step = leaseCredit(this.#db, {
      userId: lease.hold.userId,
      orgId: lease.hold.orgId ?? null,
      keyId: lease.keyId,
      amountMicro: amount,
      fraction: leaseSizing.fraction,
      budget: lease.budget,
      holdId: lease.hold.id,
      grow: true,
      leaseMs: this.#leaseMs,
      endpoint: lease.endpoint,
    }).then(
      (result) => {
        if (result === 'gone') {
          // Asked back, drained or swept: it drains (or is forgotten if closed); the next try opens anew.
          this.#drain(lease, false).catch(() => undefined);
          return true;
        }
        if (result !== 'granted') return false;
        lease.freeMicro += amount;
        if (lease.state !== 'active') this.#giveBackExcess(lease).catch(() => undefined);
        return true;
      },
      () => false,
    );
    lease.growing = step.then(() => undefined);
    lease.growing
      .finally(() => {
        lease.growing = null;
      })
      .catch(() => undefined);
    return step;
  }

  /**
   * A leased call settled: `releasedMicro` (its charge, or its whole reservation on a draining
   * lease) left the lease row; the rest of its reservation is free on the slice again. `drain` is
   * the row's flag as the settle read it; `open` false: the row was closed under us (swept).
   */
  finished(
    lease: Lease,
    call: LeaseCall,
    releasedMicro: number,
    result: { open: boolean; drain: number },
  ): void {
    lease.calls.delete(call);
    lease.lastUsedAt = Date.now();
    if (!result.open) {
      this.#retire(lease);
      return;
    }
    lease.freeMicro += call.reservedMicro - releasedMicro;
    if (lease.state === 'active') {
      if (result.drain === 1) this.#drain(lease, true).catch(() => undefined);
      return;
    }
    this.#giveBackExcess(lease).catch(() => undefined);
  }

  /** What a settling call takes out of its lease row: the charge, or all it reserved if the lease drains. */
  releaseFor(lease: Lease, call: LeaseCall, chargedMicro: number): number {
    return lease.state === 'active' ? chargedMicro : call.reservedMicro;
  }

  /** The lease row is closed (swept) or this process lost it: forget it, the store is already right. */
  #retire(lease: Lease): void {
    lease.state = 'closed';
    lease.freeMicro = 0;
    if (this.#active.get(lease.key) === lease) this.#active.delete(lease.key);
    this.#open.delete(lease);
  }

  /** Stops admitting on the lease and gives back what no call holds (then all of it once its calls end). */
  #drain(lease: Lease, cool: boolean): Promise<void> {
    if (cool) this.#cooldown.set(lease.walletId, Date.now() + this.#cooldownMs);
    if (lease.state !== 'active') return lease.closing ?? Promise.resolve();
    lease.state = 'draining';
    if (this.#active.get(lease.key) === lease) this.#active.delete(lease.key);
    return this.#giveBackExcess(lease);
  }

  /** A draining lease: shrinks the row to its calls in flight, or closes it when none is left. */
  #giveBackExcess(lease: Lease): Promise<void> {
    if (lease.state === 'closed') return Promise.resolve();
    if (lease.calls.size === 0) {
      if (!lease.closing) {
        lease.freeMicro = 0;
        lease.closing = closeLease(this.#db, lease.hold)
          .then(
            () => this.#retire(lease),
            () => {
              // The store is out of reach: the row stops being renewed once retired, and the sweep releases it.
              this.#retire(lease);
            },
          )
          .then(() => undefined);
      }
      return lease.closing;
    }
    const excess = lease.freeMicro;
    if (excess === 0 && lease.shrunk) return Promise.resolve();
    lease.freeMicro = 0;
    lease.shrunk = true;
    return shrinkLease(this.#db, lease.hold, excess).then(
      (open) => {
        if (!open) this.#retire(lease);
      },
      () => {
        lease.freeMicro += excess;
        lease.shrunk = false;
      },
    );
  }

  /**
   * A call on this wallet was refused by the store while leases may hold part of it: this
   * process's leases of the wallet give back what their calls do not use, every other replica's
   * are asked to (their owners shrink them on their next settle or within a tick), and this waits
   * — at most `drainWaitMs` — until they have. True when a lease held part of the wallet: the
   * caller tries the store again, and only then does a refusal stand.
   */
  async reclaim(userId: string, orgId: string | null): Promise<boolean> {
    const walletId = walletOf(userId, orgId).id;
    this.#cooldown.set(walletId, Date.now() + this.#cooldownMs);
    const mine = [...this.#open].filter((lease) => lease.walletId === walletId);
    await Promise.all(mine.map((lease) => this.#drain(lease, true)));
    const asked = await requestLeaseDrain(this.#db, userId, orgId).catch(() => 0);
    if (asked > 0) {
      const deadline = Date.now() + this.#drainWaitMs;
      while (Date.now() < deadline) {
        if ((await pendingLeaseDrains(this.#db, userId, orgId).catch(() => 0)) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    return mine.length > 0 || asked > 0;
  }

  /**
   * A key's limit changed or it was revoked (somewhere): the leases of the keys it touched give
   * back what their calls do not use (`touches` says which; every lease when it is not given).
   */
  drainAll(touches: (lease: Lease) => boolean = () => true): void {
    for (const lease of [...this.#open]) {
      if (touches(lease)) this.#drain(lease, false).catch(() => undefined);
    }
  }

  /** Returns every lease with no call in flight now (what the idle timer does after `idleMs`). */
  async returnIdle(): Promise<void> {
    await Promise.all(
      [...this.#open].filter((lease) => lease.calls.size === 0).map((lease) => this.#drain(lease, false)),
    );
    await Promise.all([...this.#open].map((lease) => lease.closing).filter(Boolean));
  }

  /** Graceful shutdown, after the calls have finished: every lease is returned. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#tick);
    clearInterval(this.#renew);
    await Promise.all([...this.#opening.values()]);
    await Promise.all([...this.#open].map((lease) => this.#drain(lease, false)));
    await Promise.all([...this.#open].map((lease) => lease.closing).filter(Boolean));
  }

  async #onTick(): Promise<void> {
    const now = Date.now();
    for (const [key, until] of this.#nearEdge) if (until <= now) this.#nearEdge.delete(key);
    for (const [wallet, until] of this.#cooldown) if (until <= now) this.#cooldown.delete(wallet);
    if (this.#ticking || this.#open.size === 0) return;
    this.#ticking = true;
    try {
      const markers: LeaseCallMarker[] = [];
      for (const lease of this.#open) {
        if (lease.state === 'active' && lease.calls.size === 0 && now - lease.lastUsedAt >= this.#idleMs) {
          this.#drain(lease, false).catch(() => undefined);
          continue;
        }
        for (const call of lease.calls) {
          if (call.marked || now - call.startedAt < this.#markAfterMs) continue;
          call.marked = true;
          markers.push({
            requestId: call.requestId,
            holdId: lease.hold.id,
            userId: lease.hold.userId,
            orgId: lease.hold.orgId ?? null,
            keyId: call.keyId,
            endpoint: call.endpoint,
            startedAt: call.startedAt,
          });
        }
      }
      await markLeaseCalls(this.#db, markers).catch(() => {
        for (const marker of markers) {
          for (const lease of this.#open)
            for (const call of lease.calls) if (call.requestId === marker.requestId) call.marked = false;
        }
      });
      const watched = [...this.#open].filter((lease) => lease.state === 'active');
      const flags = await leaseFlags(
        this.#db,
        watched.map((lease) => lease.hold.id),
      ).catch(() => undefined);
      if (!flags) return;
      const byId = new Map(flags.map((flag) => [flag.id, flag]));
      for (const lease of watched) {
        const flag = byId.get(lease.hold.id);
        if (flag?.status !== 'open') this.#retire(lease);
        else if (Number(flag.drain) === 1) this.#drain(lease, true).catch(() => undefined);
      }
    } finally {
      this.#ticking = false;
    }
  }
}
