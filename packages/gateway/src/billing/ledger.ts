import { type Database, insertRows, type Queryable, type SqlParam } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import { capExceeded, type KeyBudgetRef, reserveKeyBudget, settleKeyBudget } from './key-budget.ts';
import { keyMonthSpend } from './key-month-spend.ts';
import { formatCredits } from './money.ts';

/** `topup` / `topup_refund`: a paid checkout and its (partial) refund, linked by `payment_id`. */
export type LedgerKind = 'grant' | 'charge' | 'redeem' | 'refund' | 'adjustment' | 'topup' | 'topup_refund';

export interface LedgerEntry {
  id: string;
  user_id: string;
  amount_micro: number;
  balance_after_micro: number;
  kind: LedgerKind;
  request_id: string | null;
  hold_id: string | null;
  description: string;
  created_at: number;
  /** The payment a `topup` / `topup_refund` entry belongs to. */
  payment_id: string | null;
  /** Set when the entry moved an org's wallet (then `user_id` is the member who acted). */
  org_id: string | null;
}

/**
 * Which wallet pays: the user's own, or (with `orgId`) the org's. A ledger row always
 * names a user — on an org wallet, the member whose key or action moved the money — so
 * one ledger serves both, and each wallet's balance is the sum of its own rows.
 */
export const walletOf = (userId: string, orgId: string | null | undefined) =>
  orgId
    ? { table: 'orgs' as const, id: orgId, label: 'org' }
    : { table: 'users' as const, id: userId, label: 'user' };

/**
 * A hot statement's text per wallet table, made once: the text is also its prepared-statement
 * cache key (SQLite), hashed again on every use unless it is the very same string.
 */
const perWallet = (make: (table: 'users' | 'orgs') => string) => ({
  users: make('users'),
  orgs: make('orgs'),
});
const moveBalanceSql = perWallet(
  (table) =>
    `UPDATE ${table} SET balance_micro = balance_micro + ?, held_micro = held_micro + ? WHERE id = ? RETURNING balance_micro, held_micro`,
);
const holdSql = perWallet(
  (table) =>
    `UPDATE ${table} SET held_micro = held_micro + ? WHERE id = ? AND balance_micro - held_micro >= ?`,
);
const releaseSql = perWallet((table) => `UPDATE ${table} SET held_micro = held_micro - ? WHERE id = ?`);

export interface Hold {
  id: string;
  userId: string;
  /** The org whose wallet holds (and is charged), or null for the user's own. */
  orgId?: string | null | undefined;
  amountMicro: number;
  /** Set when the hold also reserved a key's monthly budget. */
  keyBudget?: { keyId: string; month: string } | undefined;
}

/** Every balance change is one ledger row written in the same transaction as the balance. */
export async function appendEntry(
  tx: Queryable,
  entry: {
    userId: string;
    amountMicro: number;
    kind: LedgerKind;
    requestId?: string | null;
    holdId?: string | null;
    paymentId?: string | null;
    orgId?: string | null;
    description: string;
  },
  balanceHeldDelta = 0,
): Promise<LedgerEntry> {
  const wallet = walletOf(entry.userId, entry.orgId);
  const updated = await tx.get<{ balance_micro: number; held_micro: number }>(moveBalanceSql[wallet.table], [
    entry.amountMicro,
    balanceHeldDelta,
    wallet.id,
  ]);
  if (!updated) throw new GatewayError('not_found', { message: `No such ${wallet.label}: ${wallet.id}` });
  if (
    entry.kind !== 'charge' &&
    entry.amountMicro < 0 &&
    Number(updated.balance_micro) < Number(updated.held_micro)
  ) {
    // Taken back below what is held (a card refund's clawback may go negative): the wallet's
    // credit leases are asked back in the same transaction, so their owners stop admitting
    // calls on slices the balance no longer covers (their next tick), as for a refusal.
    await tx.run(
      `UPDATE holds SET drain = 1 WHERE lease = 1 AND status = 'open' AND drain = 0 AND ${
        entry.orgId ? 'org_id = ?' : 'user_id = ? AND org_id IS NULL'
      }`,
      [entry.orgId ?? entry.userId],
    );
  }
  const row: LedgerEntry = {
    id: newId('led'),
    user_id: entry.userId,
    amount_micro: entry.amountMicro,
    balance_after_micro: Number(updated.balance_micro),
    kind: entry.kind,
    request_id: entry.requestId ?? null,
    hold_id: entry.holdId ?? null,
    description: entry.description,
    created_at: Date.now(),
    payment_id: entry.paymentId ?? null,
    org_id: entry.orgId ?? null,
  };
  await tx.run(
    `INSERT INTO ledger_entries (id, user_id, amount_micro, balance_after_micro, kind, request_id, hold_id, description, created_at, payment_id, org_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      row.id,
      row.user_id,
      row.amount_micro,
      row.balance_after_micro,
      row.kind,
      row.request_id,
      row.hold_id,
      row.description,
      row.created_at,
      row.payment_id,
      row.org_id,
    ],
  );
  return row;
}

export function grantCredits(
  db: Database,
  userId: string,
  amountMicro: number,
  description = 'operator grant',
  kind: LedgerKind = 'grant',
  orgId: string | null = null,
): Promise<LedgerEntry> {
  if (!Number.isSafeInteger(amountMicro) || amountMicro === 0) {
    throw new GatewayError('invalid_request', {
      message: 'Grant amount must be a non-zero whole number of micro-credits.',
    });
  }
  return db.transaction((tx) => appendEntry(tx, { userId, amountMicro, kind, description, orgId }));
}

export interface PlaceHoldInput {
  userId: string;
  /** An org key's org: its wallet is held and charged instead of the user's. */
  orgId?: string | null | undefined;
  keyId: string | null;
  requestId: string;
  /** The most to hold: the call's worst case. */
  amountMicro: number;
  /**
   * The least the call can run with (default: `amountMicro`). When the available credit or
   * the key's remaining budget is below `amountMicro` but not below this, that much is held
   * instead (a chat call without max_tokens gets its output capped to fit) — decided under
   * the same lock as the hold, so concurrent holds can never make it refuse a call that fits.
   */
  leastMicro?: number | undefined;
  /** The endpoint's minimum balance: available credit must reach it before anything is held. */
  minimumMicro: number;
  /** The key's monthly cap, reserved in the same transaction. */
  keyBudget?: KeyBudgetRef | undefined;
  /** How long the hold stays open without a renewal (`renewHold`) before the sweep may release it. */
  leaseMs: number;
  endpoint: string;
  /**
   * A job-owned hold (jobs/): it has no lease, so the request sweep never releases it; the
   * job row owns it and its terminal transition settles it, in the same transaction.
   */
  jobId?: string | undefined;
}

/**
 * Atomically reserves up to `amountMicro` (at least `leastMicro`) of the user's available credit
 * (balance − open holds), and of the key's month budget when it has a cap. The conditional
 * UPDATE is the whole concurrency story: two requests can never both hold the same credit, on
 * one replica or many. On PostgreSQL it is one round trip: the `hypereal_place_hold` function
 * (migration 19) locks the wallet row, then the key's budget row, sizes the hold and writes it.
 */
export async function placeHold(db: Database, input: PlaceHoldInput): Promise<Hold> {
  if (db.engine !== 'postgres' || input.jobId)
    return db.transaction((tx) => placeHoldIn(tx, input), { repeatable: true });
  const { most, least } = holdRange(input);
  const budget = input.keyBudget;
  const id = newId('hld');
  const now = Date.now();
  const row = await db.grouped.get<{
    held: number | null;
    available: number | null;
    key_remaining: number | null;
  }>(
    'SELECT held, available, key_remaining FROM hypereal_place_hold(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      input.userId,
      input.orgId ?? null,
      most,
      least,
      input.minimumMicro,
      budget?.keyId ?? null,
      budget?.month ?? null,
      budget?.limitMicro ?? null,
      id,
      input.keyId,
      input.requestId,
      now,
      now + input.leaseMs,
      input.endpoint,
    ],
    walletOf(input.userId, input.orgId).id,
  );
  if (!row || row.available === null) {
    const wallet = walletOf(input.userId, input.orgId);
    throw new GatewayError('not_found', { message: `No such ${wallet.label}: ${wallet.id}` });
  }
  if (row.held === null) {
    const available = Number(row.available);
    const required = Math.max(least, input.minimumMicro);
    if (available >= required && budget && row.key_remaining !== null) {
      const remaining = Number(row.key_remaining);
      const spend = await keyMonthSpend(db, budget.keyId, budget.month);
      throw capExceeded(budget.limitMicro, remaining, spend.heldMicro);
    }
    throw shortOfCredit(available, required);
  }
  return {
    id,
    userId: input.userId,
    orgId: input.orgId ?? null,
    amountMicro: Number(row.held),
    keyBudget: budget && { keyId: budget.keyId, month: budget.month },
  };
}

function holdRange(input: PlaceHoldInput): { most: number; least: number } {
  const most = Math.max(0, Math.ceil(input.amountMicro));
  const least = Math.min(most, Math.max(0, Math.ceil(input.leastMicro ?? most)));
  return { most, least };
}

function shortOfCredit(availableMicro: number, requiredMicro: number): GatewayError {
  return new GatewayError('insufficient_credits', {
    message: `Insufficient credits: ${formatCredits(availableMicro)} available, this request needs at least ${formatCredits(requiredMicro)}. Top up to continue.`,
  });
}

/**
 * `placeHold` inside the caller's transaction (a job and its hold commit together). On SQLite
 * the transaction is exclusive, so the sizing read and the hold are one atomic step.
 */
export async function placeHoldIn(tx: Queryable, input: PlaceHoldInput): Promise<Hold> {
  const { most, least } = holdRange(input);
  const wallet = walletOf(input.userId, input.orgId);
  const budget = input.keyBudget;
  let amount = most;
  if (least < most) {
    const { availableMicro } = await getBalance(tx, input.userId, input.orgId ?? null);
    let room = availableMicro;
    if (budget) {
      const spend = await keyMonthSpend(tx, budget.keyId, budget.month);
      room = Math.min(room, budget.limitMicro - spend.spentMicro - spend.heldMicro);
    }
    amount = Math.max(least, Math.min(most, room));
  }
  const required = Math.max(amount, input.minimumMicro);
  const { changes } = await tx.run(holdSql[wallet.table], [amount, wallet.id, required]);
  if (changes === 0) {
    const user = await tx.get<{ balance_micro: number; held_micro: number }>(
      `SELECT balance_micro, held_micro FROM ${wallet.table} WHERE id = ?`,
      [wallet.id],
    );
    throw shortOfCredit(user ? Number(user.balance_micro) - Number(user.held_micro) : 0, required);
  }
  if (budget) await reserveKeyBudget(tx, budget, amount);
  const hold: Hold = {
    id: newId('hld'),
    userId: input.userId,
    orgId: input.orgId ?? null,
    amountMicro: amount,
    keyBudget: budget && { keyId: budget.keyId, month: budget.month },
  };
  const now = Date.now();
  await tx.run(
    "INSERT INTO holds (id, user_id, key_id, request_id, amount_micro, status, created_at, key_month, lease_until, endpoint, job_id, org_id) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)",
    [
      hold.id,
      input.userId,
      input.keyId,
      input.requestId,
      amount,
      now,
      budget?.month ?? null,
      input.jobId ? null : now + input.leaseMs,
      input.endpoint,
      input.jobId ?? null,
      input.orgId ?? null,
    ],
  );
  return hold;
}

export interface Settlement {
  chargeMicro: number;
  description: string;
  requestId: string;
  /**
   * Extra writes that must commit with the charge (the request log row): through `tx` only, as
   * the settle may be run again from the start (`TransactionOptions.repeatable`).
   */
  alsoWrite?: (tx: Queryable) => Promise<void>;
}

export interface SettleOutcome {
  chargedMicro: number;
  /** The key's month-to-date spend after this charge, when the hold reserved its budget. */
  keySpentMicro: number | null;
}

/**
 * Closes a hold exactly once: charges the metered cost (0 for a failed call) and
 * releases the rest. A second settle of the same hold is a no-op returning null.
 */
export function settleHold(db: Database, hold: Hold, settlement: Settlement): Promise<SettleOutcome | null> {
  // Repeatable when `alsoWrite` is (it only writes through its tx): see TransactionOptions.
  return db.transaction((tx) => settleHoldIn(tx, hold, settlement), { repeatable: true });
}

/** `settleHold` inside the caller's transaction (a job's terminal transition and its charge). */
export async function settleHoldIn(
  tx: Queryable,
  hold: Hold,
  settlement: Settlement,
): Promise<SettleOutcome | null> {
  const charge = Math.max(0, Math.ceil(settlement.chargeMicro));
  // The amount as the row holds it now, read under its lock: a credit lease's row shrinks as its
  // calls settle, so the caller's copy may be stale (a per-call hold's never changes).
  const closed = await tx.get<{ amount_micro: number }>(
    "UPDATE holds SET status = ?, charged_micro = ?, closed_at = ? WHERE id = ? AND status = 'open' RETURNING amount_micro",
    [charge > 0 ? 'settled' : 'released', charge, Date.now(), hold.id],
  );
  if (!closed) return null;
  const keySpentMicro = await chargeHeld(tx, hold, {
    chargeMicro: charge,
    releaseMicro: Number(closed.amount_micro),
    requestId: settlement.requestId,
    description: settlement.description,
  });
  await settlement.alsoWrite?.(tx);
  return { chargedMicro: charge, keySpentMicro };
}

/**
 * What closing (part of) a hold moves, in the caller's transaction: `releaseMicro` out of the
 * wallet's held, `chargeMicro` (≤ it) out of its balance as a `charge` ledger row naming the
 * hold, and the same two out of the key's month budget (held → spent). A per-call hold releases
 * all it held; a credit lease's call only its own part of the lease. Returns the key's
 * month-to-date spend after it, or null without a key budget.
 */
export async function chargeHeld(
  tx: Queryable,
  hold: Pick<Hold, 'id' | 'userId' | 'orgId' | 'keyBudget'>,
  moved: { chargeMicro: number; releaseMicro: number; requestId: string; description: string },
): Promise<number | null> {
  const { chargeMicro: charge, releaseMicro: release } = moved;
  if (charge > 0) {
    await appendEntry(
      tx,
      {
        userId: hold.userId,
        amountMicro: -charge,
        kind: 'charge',
        requestId: moved.requestId,
        holdId: hold.id,
        orgId: hold.orgId ?? null,
        description: moved.description,
      },
      -release,
    );
  } else if (release > 0) {
    const wallet = walletOf(hold.userId, hold.orgId);
    await tx.run(releaseSql[wallet.table], [release, wallet.id]);
  }
  const budget = hold.keyBudget;
  return budget ? settleKeyBudget(tx, budget.keyId, budget.month, release, charge) : null;
}

/** One call's part of a hold, as `chargeHeldCalls` moves it (`at`: its ledger row's time). */
export interface HeldCall {
  chargeMicro: number;
  releaseMicro: number;
  requestId: string;
  description: string;
  at: number;
}

const ledgerInsertHead =
  'INSERT INTO ledger_entries (id, user_id, amount_micro, balance_after_micro, kind, request_id, hold_id, description, created_at, payment_id, org_id)';

/**
 * `chargeHeld` for several calls on one hold at once, in the caller's transaction — what running
 * it for each call in order does, with the wallet and the key budget updated once by the sums:
 * one `charge` ledger row per call that charged, its `balance_after_micro` what the wallet held
 * after that call (the balance after all of them plus what the calls after it charged). Returns
 * each call's view of the key's month-to-date spend after its own charge (null without a budget).
 */
export async function chargeHeldCalls(
  tx: Queryable,
  hold: Pick<Hold, 'id' | 'userId' | 'orgId' | 'keyBudget'>,
  calls: readonly HeldCall[],
): Promise<Array<number | null>> {
  let charged = 0;
  let released = 0;
  for (const call of calls) {
    charged += call.chargeMicro;
    released += call.releaseMicro;
  }
  const wallet = walletOf(hold.userId, hold.orgId);
  if (charged > 0) {
    const updated = await tx.get<{ balance_micro: number }>(moveBalanceSql[wallet.table], [
      -charged,
      -released,
      wallet.id,
    ]);
    if (!updated) throw new GatewayError('not_found', { message: `No such ${wallet.label}: ${wallet.id}` });
    const rows: SqlParam[][] = [];
    let later = charged;
    for (const call of calls) {
      later -= call.chargeMicro;
      if (call.chargeMicro <= 0) continue;
      rows.push([
        newId('led'),
        hold.userId,
        -call.chargeMicro,
        Number(updated.balance_micro) + later,
        'charge',
        call.requestId,
        hold.id,
        call.description,
        call.at,
        null,
        hold.orgId ?? null,
      ]);
    }
    await insertRows(tx, ledgerInsertHead, 11, rows);
  } else if (released > 0) {
    await tx.run(releaseSql[wallet.table], [released, wallet.id]);
  }
  const budget = hold.keyBudget;
  if (!budget) return calls.map(() => null);
  const spent = await settleKeyBudget(tx, budget.keyId, budget.month, released, charged);
  let later = charged;
  return calls.map((call) => {
    later -= call.chargeMicro;
    return spent - later;
  });
}

/** An open or closed hold by id, as `settleHold` takes it (a job reloads its own). */
export async function loadHold(tx: Queryable, holdId: string): Promise<Hold | undefined> {
  const row = await tx.get<{
    id: string;
    user_id: string;
    key_id: string | null;
    key_month: string | null;
    amount_micro: number;
    org_id: string | null;
  }>('SELECT id, user_id, key_id, key_month, amount_micro, org_id FROM holds WHERE id = ?', [holdId]);
  if (!row) return undefined;
  return {
    id: row.id,
    userId: row.user_id,
    orgId: row.org_id,
    amountMicro: Number(row.amount_micro),
    keyBudget: row.key_id && row.key_month ? { keyId: row.key_id, month: row.key_month } : undefined,
  };
}

/** Extends an open hold's lease: its request is still running. */
export async function renewHold(db: Queryable, holdId: string, leaseMs: number): Promise<void> {
  await db.run("UPDATE holds SET lease_until = ? WHERE id = ? AND status = 'open'", [
    Date.now() + leaseMs,
    holdId,
  ]);
}

/** An open hold whose request stopped renewing it (its process died, or it predates leases). */
export interface ExpiredHold {
  hold: Hold;
  requestId: string;
  keyId: string | null;
  endpoint: string | null;
  createdAt: number;
  /** A replica's credit lease (its calls' markers are in `lease_calls`), not one request's hold. */
  lease: boolean;
}

/** Holds before leases existed are expired an hour after they were placed. */
const legacyHoldMs = 60 * 60 * 1000;

export async function expiredHolds(db: Queryable, now = Date.now()): Promise<ExpiredHold[]> {
  const rows = await db.all<{
    id: string;
    user_id: string;
    org_id: string | null;
    key_id: string | null;
    key_month: string | null;
    amount_micro: number;
    request_id: string;
    endpoint: string | null;
    created_at: number;
    lease: number;
  }>(
    `SELECT id, user_id, org_id, key_id, key_month, amount_micro, request_id, endpoint, created_at, lease FROM holds
     WHERE status = 'open' AND job_id IS NULL AND (lease_until < ? OR (lease_until IS NULL AND created_at < ?))`,
    [now, now - legacyHoldMs],
  );
  return rows.map((row) => ({
    hold: {
      id: row.id,
      userId: row.user_id,
      orgId: row.org_id,
      amountMicro: Number(row.amount_micro),
      keyBudget: row.key_id && row.key_month ? { keyId: row.key_id, month: row.key_month } : undefined,
    },
    requestId: row.request_id,
    keyId: row.key_id,
    endpoint: row.endpoint,
    createdAt: Number(row.created_at),
    lease: Number(row.lease) === 1,
  }));
}

/** The user's own wallet, or with `orgId` the org's. */
export async function getBalance(
  db: Queryable,
  userId: string,
  orgId: string | null = null,
): Promise<{ balanceMicro: number; heldMicro: number; availableMicro: number }> {
  const wallet = walletOf(userId, orgId);
  const row = await db.get<{ balance_micro: number; held_micro: number }>(
    `SELECT balance_micro, held_micro FROM ${wallet.table} WHERE id = ?`,
    [wallet.id],
  );
  if (!row) throw new GatewayError('not_found', { message: `No such ${wallet.label}: ${wallet.id}` });
  const balanceMicro = Number(row.balance_micro);
  const heldMicro = Number(row.held_micro);
  return { balanceMicro, heldMicro, availableMicro: balanceMicro - heldMicro };
}

/** Newest first; ids are time-ordered, so `before` (an entry id) pages back without an offset. */
export function listLedger(
  db: Queryable,
  userId: string,
  limit = 100,
  before?: string,
  orgId: string | null = null,
): Promise<LedgerEntry[]> {
  const [where, id] = orgId ? ['org_id = ?', orgId] : ['user_id = ? AND org_id IS NULL', userId];
  return db.all<LedgerEntry>(
    `SELECT * FROM ledger_entries WHERE ${where}${before ? ' AND id < ?' : ''} ORDER BY id DESC LIMIT ?`,
    [id, ...(before ? [before] : []), limit],
  );
}

/** The invariant every money-moving test checks: the cached balance is the ledger's sum (per wallet). */
export async function ledgerSum(db: Queryable, userId: string, orgId: string | null = null): Promise<number> {
  const [where, id] = orgId ? ['org_id = ?', orgId] : ['user_id = ? AND org_id IS NULL', userId];
  const row = await db.get<{ total: number | null }>(
    `SELECT COALESCE(SUM(amount_micro), 0) AS total FROM ledger_entries WHERE ${where}`,
    [id],
  );
  return Number(row?.total ?? 0);
}
