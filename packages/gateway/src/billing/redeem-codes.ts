import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import { appendEntry, type LedgerEntry } from './ledger.ts';
import { formatCredits, minimumTopUpMicro } from './money.ts';

const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** `HR-XXXXX-XXXXX-XXXXX-XXXXX`: 100 random bits, no look-alike characters. */
function newCode(): string {
  const bytes = randomBytes(20);
  const chars = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `HR-${chars.match(/.{5}/g)!.join('-')}`;
}

/** Codes are compared by hash; case, spaces and dashes the user typed do not matter. */
const hashCode = (code: string) =>
  createHash('sha256')
    .update(code.toUpperCase().replace(/[^A-Z0-9]/g, ''))
    .digest('hex');

export async function createRedeemCodes(
  db: Database,
  input: { amountMicro: number; count: number; note?: string; expiresAt?: number | null },
): Promise<string[]> {
  if (!Number.isSafeInteger(input.amountMicro) || input.amountMicro < minimumTopUpMicro) {
    throw new GatewayError('invalid_request', {
      param: 'credits',
      message: `A redeem code is worth at least ${formatCredits(minimumTopUpMicro)} credits (the minimum top-up).`,
    });
  }
  if (!Number.isInteger(input.count) || input.count < 1 || input.count > 1000) {
    throw new GatewayError('invalid_request', { param: 'count', message: 'count must be 1 to 1000.' });
  }
  const codes = Array.from({ length: input.count }, newCode);
  await db.transaction(async (tx) => {
    for (const code of codes) {
      await tx.run(
        'INSERT INTO redeem_codes (id, code_hash, amount_micro, note, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        [
          newId('rc'),
          hashCode(code),
          input.amountMicro,
          input.note ?? '',
          Date.now(),
          input.expiresAt ?? null,
        ],
      );
    }
  });
  return codes;
}

/** Redeems a code once, ever: the claim and the ledger credit commit together. */
/** With `orgId` the credit goes to the org's wallet (`userId` is the member redeeming). */
export function redeemCode(
  db: Database,
  userId: string,
  code: string,
  orgId: string | null = null,
): Promise<LedgerEntry> {
  return db.transaction(async (tx) => {
    const claimed = await tx.get<{ id: string; amount_micro: number }>(
      `UPDATE redeem_codes SET redeemed_by = ?, redeemed_at = ?
       WHERE code_hash = ? AND redeemed_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
       RETURNING id, amount_micro`,
      [userId, Date.now(), hashCode(code), Date.now()],
    );
    if (!claimed) {
      throw new GatewayError('not_found', {
        message: 'This code does not exist, has expired or was already used.',
      });
    }
    return appendEntry(tx, {
      userId,
      amountMicro: Number(claimed.amount_micro),
      kind: 'redeem',
      orgId,
      description: `redeem code ${claimed.id}`,
    });
  });
}
