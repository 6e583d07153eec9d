import { expiredHolds, settleHold } from '../billing/index.ts';
import type { Database } from '../db/index.ts';
import { insertRequestLog } from '../usage/index.ts';
import { requestLogRow } from './log-row.ts';

/**
 * Releases, uncharged, the holds of requests that stopped renewing their lease — their
 * process was killed or lost its database — and logs each such request once (status 502,
 * `interrupted`) unless it was logged already. A live request renews its lease, so a long
 * stream is never swept; a hold is closed exactly once (`settleHold`), so a request that
 * settles late finds it closed and charges nothing twice.
 */
export async function releaseExpiredHolds(db: Database, now = Date.now()): Promise<number> {
  let released = 0;
  for (const expired of await expiredHolds(db, now)) {
    const closed = await settleHold(db, expired.hold, {
      chargeMicro: 0,
      description: 'expired hold released',
      requestId: expired.requestId,
      alsoWrite: async (tx) => {
        const logged = await tx.get('SELECT 1 AS found FROM request_logs WHERE id = ?', [expired.requestId]);
        if (logged) return;
        const context = {
          requestId: expired.requestId,
          userId: expired.hold.userId,
          orgId: expired.hold.orgId ?? null,
          keyId: expired.keyId,
          endpoint: expired.endpoint ?? 'unknown',
          startedAt: expired.createdAt,
        };
        const outcome = {
          model: null,
          status: 502,
          errorCode: 'interrupted',
          errorMessage: 'The gateway stopped before this request finished; its hold was released uncharged.',
        };
        await insertRequestLog(tx, requestLogRow(context, outcome, null, 0, now));
      },
    });
    if (closed) released++;
  }
  return released;
}
