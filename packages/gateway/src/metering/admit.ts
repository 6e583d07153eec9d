import type { AuthenticatedKey } from '../accounts/index.ts';
import { formatCredits, getBalance } from '../billing/index.ts';
import { keyBudgetOf, loadKeyBudget } from '../billing/key-budget.ts';
import type { SpendingAlerts } from '../billing/spending-alerts.ts';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { CreditLeases } from './credit-lease/credit-leases.ts';
import { LeasedCharge } from './credit-lease/leased-charge.ts';
import type { OpenCharges } from './open-charges.ts';
import { type CallCharge, type ChargedContext, RequestCharge } from './request-charge.ts';

/** What admission needs of the running gateway. */
export interface MeteringServices {
  db: Database;
  spendingAlerts: SpendingAlerts;
  config: { billing: { holdLeaseMs: number } };
  /** This process's unsettled holds, for graceful shutdown. */
  openCharges?: OpenCharges;
  /** This process's credit leases: calls far from the edge are admitted on them in memory. */
  creditLeases?: CreditLeases;
}

const isShortfall = (error: unknown) => {
  const code = (error as { code?: string }).code;
  return code === 'insufficient_credits' || code === 'spending_limit_exceeded';
};

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
 * For a job whose hold is placed in the transaction that creates it (video, GPU): refuses up
 * front when `holdMicro` does not fit the balance or the key's cap — the key's 403, or a 402
 * naming `costs` ("this sdxl job holds") — and returns the key budget the hold is taken from.
 */
export async function affordJobHold(
  services: MeteringServices,
  principal: AuthenticatedKey,
  holdMicro: number,
  costs: string,
): Promise<Awaited<ReturnType<typeof loadKeyBudget>>> {
  try {
    return await affordJobHoldOnce(services, principal, holdMicro, costs);
  } catch (error) {
    // Credit leases may hold part of the wallet: they give it back before a refusal stands.
    const leases = services.creditLeases;
    if (!isShortfall(error) || !leases || !(await leases.reclaim(principal.userId, principal.orgId)))
      throw error;
    return affordJobHoldOnce(services, principal, holdMicro, costs);
  }
}

async function affordJobHoldOnce(
  services: MeteringServices,
  principal: AuthenticatedKey,
  holdMicro: number,
  costs: string,
): Promise<Awaited<ReturnType<typeof loadKeyBudget>>> {
  const { availableMicro, refusal, budget } = await affordable(services, principal, 0);
  if (holdMicro > availableMicro) {
    throw (
      refusal?.(holdMicro) ??
      new GatewayError('insufficient_credits', {
        message: `Insufficient credits: ${costs} up to ${formatCredits(holdMicro)} credits and ${formatCredits(availableMicro)} are available.`,
      })
    );
  }
  return budget;
}

/** What a unit's plan holds: up to `holdMicro`, and at least `leastHoldMicro` when less would still do. */
export interface HoldSizing {
  holdMicro: number;
  /** The least the call can run with (default: `holdMicro`); the store holds what fits in between. */
  leastHoldMicro?: number | undefined;
}

/** Re-plans of a refused hold before the refusal stands (the balance moved between read and hold). */
const holdTries = 3;

/**
 * The first step of every metered call, whatever its unit: the endpoint's minimum balance
 * (`minimumMicro`), then the unit's own worst-case plan for what the user and key can afford
 * (tokens capped to fit, images × n, seconds × rate…), then the hold of that worst case.
 * Nothing is sent upstream before this returns; a refusal costs nothing.
 *
 * The common case costs one store step: the plan as if everything were affordable, held with
 * its range (`leastHoldMicro`), which the store sizes to what the balance and the key's cap
 * allow under the same lock as the hold — so holds landing concurrently can shrink a call
 * (capped output, as documented) but never refuse one that fits. Only a refused hold reads
 * the balance and budget, to refuse with the unit's own message (or, when they moved back
 * in between, to try again).
 */
export async function admitCall<P extends HoldSizing>(
  services: MeteringServices,
  principal: AuthenticatedKey,
  context: Omit<ChargedContext, 'userId' | 'keyId' | 'orgId'>,
  minimumMicro: number,
  plan: (affordable: Affordable) => P,
  resized?: (planned: P, heldMicro: number) => P,
): Promise<{ charge: CallCharge; plan: P }> {
  const budget = keyBudgetOf(services.spendingAlerts, principal);
  const charged = { ...context, userId: principal.userId, keyId: principal.keyId, orgId: principal.orgId };
  let planned = plan({ availableMicro: Number.MAX_SAFE_INTEGER, refusal: undefined });
  const leases = services.creditLeases;
  if (leases) {
    // Far from the edge: the whole worst case on this process's slice of the wallet, in memory.
    const admitted = await leases.admit(
      { userId: principal.userId, orgId: principal.orgId, keyId: principal.keyId, budget: budget?.ref },
      {
        requestId: context.requestId,
        endpoint: context.endpoint,
        mostMicro: Math.ceil(planned.holdMicro),
        minimumMicro,
      },
    );
    if (admitted) {
      return {
        charge: new LeasedCharge(leases, admitted, charged, budget, services.openCharges),
        plan: planned,
      };
    }
  }
  let reclaimed = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const charge = await RequestCharge.hold(
        services.db,
        charged,
        {
          amountMicro: planned.holdMicro,
          leastMicro: planned.leastHoldMicro,
          minimumMicro,
          leaseMs: services.config.billing.holdLeaseMs,
        },
        budget,
        services.openCharges,
      );
      const fitted =
        charge.holdMicro < planned.holdMicro && resized ? resized(planned, charge.holdMicro) : planned;
      return { charge, plan: fitted };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const shortfall = isShortfall(error);
      if (shortfall && leases && !reclaimed) {
        // No false 402/403: slices of this wallet (on any replica) give back what their calls
        // do not use before the refusal stands; the hold is then re-planned and tried again.
        reclaimed = true;
        if (await leases.reclaim(principal.userId, principal.orgId)) attempt--;
      } else if (!shortfall || attempt >= holdTries) {
        if (budget && code === 'spending_limit_exceeded') {
          budget.alerts.refused(
            budget.ref.keyId,
            budget.ref.month,
            budget.ref.limitMicro,
            planned.leastHoldMicro,
          );
        }
        throw error;
      }
    }
    // Refused: what is affordable now, planned again — the unit's own 402/403 when it does not fit.
    const { budget: _loaded, ...limits } = await affordable(services, principal, minimumMicro);
    planned = plan(limits);
  }
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
): Promise<{ charge: CallCharge; plan: { holdMicro: number } }> {
  return admitCall(services, principal, context, 0, ({ availableMicro, refusal }) => {
    if (holdMicro > availableMicro && refusal) throw refusal(holdMicro);
    return { holdMicro };
  });
}
