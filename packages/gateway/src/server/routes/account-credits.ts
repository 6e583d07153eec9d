import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { getBalance, listLedger, microToCredits } from '../../billing/index.ts';
import { auditRequest } from '../audit-context.ts';
import type { Services } from '../services.ts';
import { validate } from '../validate-body.ts';
import { redeemForWallet } from './redeem-code.ts';

const ledgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().max(64).optional(),
});

/** Balance, ledger history and code redemption of the signed-in user. */
export function registerCreditRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services;
  const userOf = (request: FastifyRequest) => request.hypereal.session!.userId;

  app.get('/api/credits', async (request) => {
    const balance = await getBalance(db, userOf(request));
    return {
      balance: microToCredits(balance.balanceMicro),
      held: microToCredits(balance.heldMicro),
      available: microToCredits(balance.availableMicro),
    };
  });
  app.get('/api/credits/ledger', async (request) => {
    const query = validate(ledgerQuery, request.query);
    const rows = await listLedger(db, userOf(request), query.limit + 1, query.before);
    const page = rows.slice(0, query.limit);
    return {
      data: page.map((row) => ({
        id: row.id,
        amount: microToCredits(Number(row.amount_micro)),
        balanceAfter: microToCredits(Number(row.balance_after_micro)),
        kind: row.kind,
        description: row.description,
        requestId: row.request_id,
        paymentId: row.payment_id ?? null,
        createdAt: Number(row.created_at),
      })),
      nextBefore: rows.length > query.limit ? page[page.length - 1]!.id : null,
    };
  });
  app.post('/api/credits/redeem', (request) =>
    redeemForWallet(services, request, userOf(request), null, (entry) =>
      auditRequest(services, request, { scope: { userId: userOf(request) }, ...entry }),
    ),
  );
}
