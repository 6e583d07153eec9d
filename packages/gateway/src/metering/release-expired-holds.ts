import { expiredHolds, settleHold } from '../billing/index.ts';
import type { Database } from '../db/index.ts';
import { insertRequestLog } from '../usage/index.ts';
import { requestLogRow } from './log-row.ts';

/**
 * Releases, uncharged, the holds of requests that stopped renewing their lease — their
 * process was killed or lost its database — and logs each such request once (status 502,
 * `interrupted`) unless it was logged already. A live request renews its lease, so a long
 * stream is never swept; a hold is closed exactly once (`settleHold`), so a request that
 * settles late finds it closed and charges nothing twice. A replica's credit lease is released
 * the same way (what it still reserved, read under its lock), and each of its calls that had run
 * long enough to be marked (`lease_calls`) is logged `502 interrupted` once.
 */
export async function releaseExpiredHolds(db: Database, now = Date.now()): Promise<number> {
  let released = 0;
  for (const expired of await expiredHolds(db, now)) {
    const closed = await settleHold(db, expired.hold, {
      chargeMicro: 0,
      description: 'expired hold released',
      requestId: expired.requestId,
      alsoWrite: async (tx) => {
        const outcome = {
          model: null,
          status: 502,
          errorCode: 'interrupted',
          errorMessage: 'The gateway stopped before this request finished; its hold was released uncharged.',
        };
        // A credit lease: its calls that ran long enough to be marked are logged, each once.
        const calls: Array<{
          requestId: string;
          userId: string;
          orgId: string | null;
          keyId: string | null;
          endpoint: string;
          startedAt: number;
        }> = expired.lease
          ? (
              await tx.all<{
                request_id: string;
                user_id: string;
                org_id: string | null;
                key_id: string | null;
                endpoint: string;
                started_at: number;
              }>(
                'SELECT request_id, user_id, org_id, key_id, endpoint, started_at FROM lease_calls WHERE hold_id = ?',
                [expired.hold.id],
              )
            ).map((row) => ({
              requestId: row.request_id,
              userId: row.user_id,
              orgId: row.org_id,
              keyId: row.key_id,
              endpoint: row.endpoint,
              startedAt: Number(row.started_at),
            }))
          : [
              {
                requestId: expired.requestId,
                userId: expired.hold.userId,
                orgId: expired.hold.orgId ?? null,
                keyId: expired.keyId,
                endpoint: expired.endpoint ?? 'unknown',
                startedAt: expired.createdAt,
              },
            ];
        for (const context of calls) {
          const logged = await tx.get('SELECT 1 AS found FROM request_logs WHERE id = ?', [
            context.requestId,
          ]);
          if (!logged) await insertRequestLog(tx, requestLogRow(context, outcome, null, 0, now));
        }
        if (expired.lease) await tx.run('DELETE FROM lease_calls WHERE hold_id = ?', [expired.hold.id]);
      },
    });
    if (closed) released++;
  }
  return released;
}
