import type { AuthenticatedKey } from '../accounts/index.ts';
import { formatCredits, getBalance } from '../billing/index.ts';
import { loadKeyBudget } from '../billing/key-budget.ts';
import type { SpendingAlerts } from '../billing/spending-alerts.ts';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { OpenCharges } from './open-charges.ts';
import { type ChargedContext, RequestCharge } from './request-charge.ts';

/** What admission needs of the running gateway. */
export interface MeteringServices {
  db: Database;
  spendingAlerts: SpendingAlerts;
  config: { billing: { holdLeaseMs: number } };
  /** This process's unsettled holds, for graceful shutdown. */
  openCharges?: OpenCharges;
}

/** How much of the user's credit (and the key's month budget) the call may hold. */
export interface Affordable {
  availableMicro: number;
  /** The error to raise when the call does not fit because of the key's cap, not the balance. */
  refusal: ((neededMicro?: number) => GatewayError) | undefined;
}

/**
 * What a call may hold: the endpoint's minimum checked on the available balance (402), then
 * the lower of that balance and the key's remaining month budget — with the key's 403 as
 * the refusal when it is the budget that binds. Shared by every admission, the job
 * engine's included (which places its hold in the job's own transaction).
 */
export async function affordable(
  services: MeteringServices,
  principal: AuthenticatedKey,
  minimumMicro: number,
): Promise<Affordable & { budget: Awaited<ReturnType<typeof loadKeyBudget>> }> {
  const { availableMicro } = await getBalance(services.db, principal.userId, principal.orgId);
  if (availableMicro < minimumMicro) {
    throw new GatewayError('insufficient_credits', {
      message: `Insufficient credits: a balance of at least ${formatCredits(minimumMicro)} credits is required to call this endpoint (available: ${formatCredits(availableMicro)}).`,
    });
  }
  const budget = await loadKeyBudget(services.db, services.spendingAlerts, principal);
  const capped = budget !== undefined && budget.remainingMicro < availableMicro;
  return {
    availableMicro: capped ? budget.remainingMicro : availableMicro,
    refusal: capped ? budget.refusal : undefined,
    budget,
  };
}

/**
 * The first step of every metered call, whatever its unit: the endpoint's minimum balance
 * (`minimumMicro`), then the unit's own worst-case plan for what the user and key can afford
 * (tokens capped to fit, images × n, seconds × rate…), then the hold of that worst case.
 * Nothing is sent upstream before this returns; a refusal costs nothing.
 */
export async function admitCall<P extends { holdMicro: number }>(
  services: MeteringServices,
  principal: AuthenticatedKey,
  context: Omit<ChargedContext, 'userId' | 'keyId' | 'orgId'>,
  minimumMicro: number,
  plan: (affordable: Affordable) => P,
): Promise<{ charge: RequestCharge; plan: P }> {
  const { budget, ...limits } = await affordable(services, principal, minimumMicro);
  const planned = plan(limits);
  const charge = await RequestCharge.hold(
    services.db,
    { ...context, userId: principal.userId, keyId: principal.keyId, orgId: principal.orgId },
    { amountMicro: planned.holdMicro, minimumMicro, leaseMs: services.config.billing.holdLeaseMs },
    budget,
    services.openCharges,
  );
  return { charge, plan: planned };
}

/**
 * Admission of a call priced up front — n images at a tier, one audio request, a clip: that
 * price is both the endpoint's minimum and the whole hold (a key's cap refuses it with 403,
 * the balance with 402), not the chat endpoints' 200-credit floor.
 */
export function admitPricedCall(
  services: MeteringServices,
  principal: AuthenticatedKey,
  context: Omit<ChargedContext, 'userId' | 'keyId'>,
  holdMicro: number,
): Promise<{ charge: RequestCharge; plan: { holdMicro: number } }> {
  return admitCall(services, principal, context, 0, ({ availableMicro, refusal }) => {
    if (holdMicro > availableMicro && refusal) throw refusal(holdMicro);
    return { holdMicro };
  });
}
