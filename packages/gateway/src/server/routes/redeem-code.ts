import type { FastifyRequest } from 'fastify';
import * as z from 'zod';
import { throttleRules } from '../../accounts/index.ts';
import { microToCredits } from '../../billing/index.ts';
import { redeemCode } from '../../billing/redeem-codes.ts';
import type { auditRequest } from '../audit-context.ts';
import type { Services } from '../services.ts';
import { validateBody } from '../validate-body.ts';

const redeemSchema = z.object({ code: z.string().trim().min(4).max(64) }).strict();

type AuditEntry = Omit<Parameters<typeof auditRequest>[2], 'scope'>;

/**
 * POST …/credits/redeem for a person (`orgId` null) or an org's wallet: the code from the body,
 * guessing throttled per user (a failure counts, a success does not), the redemption audited
 * by `record` in the caller's scope, and `{credits, balance}` back.
 */
export async function redeemForWallet(
  services: Services,
  request: FastifyRequest,
  userId: string,
  orgId: string | null,
  record: (entry: AuditEntry) => Promise<unknown>,
): Promise<{ credits: number; balance: number }> {
  const input = validateBody(redeemSchema, request);
  const subjects = [{ rule: throttleRules.redeemPerUser, subject: userId }];
  await services.throttle.check(subjects);
  try {
    const entry = await redeemCode(services.db, userId, input.code, orgId);
    const after = {
      credits: microToCredits(entry.amount_micro),
      balance: microToCredits(entry.balance_after_micro),
    };
    await record({ action: 'credits.redeemed', targetType: 'ledger_entry', targetId: entry.id, after });
    return after;
  } catch (error) {
    await services.throttle.fail(subjects);
    throw error;
  }
}
