import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { appendEntry, type LedgerEntry } from './ledger.ts';
import { formatCredits, minimumTopUpMicro } from './money.ts';

/**
 * What an operator may do to a balance (CLI `credits grant|adjust`, admin API):
 * - a **grant** is a top-up: at least the minimum top-up (200 credits), ledger kind `grant`;
 * - an **adjustment** is any other correction — a small credit or a negative one — and
 *   must say why (`note`); ledger kind `adjustment`. A negative adjustment may take back
 *   at most the available credit (balance − open holds): it never drives a balance, nor
 *   what requests in flight hold, below zero.
 */
export async function grantTopUp(
  db: Database,
  userId: string,
  amountMicro: number,
  note = 'operator grant',
  /** Grants into this org's wallet (`userId` is then its owner, named on the ledger row). */
  orgId: string | null = null,
): Promise<LedgerEntry> {
  if (!Number.isSafeInteger(amountMicro) || amountMicro < minimumTopUpMicro) {
    throw new GatewayError('invalid_request', {
      param: 'credits',
      message: `A grant is at least ${formatCredits(minimumTopUpMicro)} credits (the minimum top-up); use an adjustment, with a note, for smaller or negative corrections.`,
    });
  }
  return db.transaction((tx) =>
    appendEntry(tx, { userId, amountMicro, kind: 'grant', description: note, orgId }),
  );
}

export async function adjustCredits(
  db: Database,
  userId: string,
  amountMicro: number,
  note: string,
): Promise<LedgerEntry> {
  if (!Number.isSafeInteger(amountMicro) || amountMicro === 0) {
    throw new GatewayError('invalid_request', {
      param: 'credits',
      message: 'An adjustment is a non-zero number of credits.',
    });
  }
  if (note.trim().length === 0) {
    throw new GatewayError('invalid_request', {
      param: 'note',
      message: 'An adjustment needs a note saying why.',
    });
  }
  return db.transaction(async (tx) => {
    if (amountMicro < 0) {
      // A conditional (no-op) update: it locks the row on PostgreSQL, so no hold placed
      // meanwhile can make the check stale.
      const { changes } = await tx.run(
        'UPDATE users SET balance_micro = balance_micro WHERE id = ? AND balance_micro - held_micro + ? >= 0',
        [userId, amountMicro],
      );
      if (changes === 0) {
        throw new GatewayError('invalid_request', {
          param: 'credits',
          message: `A negative adjustment may take back at most the available credit (balance minus held); ${formatCredits(-amountMicro)} is more.`,
        });
      }
    }
    return appendEntry(tx, { userId, amountMicro, kind: 'adjustment', description: note.trim() });
  });
}
