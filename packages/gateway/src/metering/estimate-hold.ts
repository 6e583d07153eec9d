import { formatCredits, tokenCost } from '../billing/index.ts';
import { emptyUsage } from '../contracts/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { ModelEntry } from '../routing/catalog.ts';

/** Image parts are billed as fixed token blocks by providers, not by their URL's bytes. */
const tokensPerImagePart = 2_000;

export interface HoldPlan {
  /** The worst case: every body byte an input token, the full output allowance. */
  holdMicro: number;
  /** The least the call runs with: its input and one output token per choice (when it may be capped). */
  leastHoldMicro: number;
  /** Output cap to send upstream when the balance cannot cover the model's maximum. */
  clampOutputTokens: number | undefined;
}

export interface HoldPlanInput {
  model: ModelEntry;
  /** Raw request body: its byte length bounds its text tokens (a token is at least one byte). */
  rawBody: string;
  requestedOutputTokens: number | undefined;
  choices: number;
  availableMicro: number;
  /** The body's byte length and image parts, when a scan of it already counted them (else from `rawBody`). */
  rawBytes?: number | undefined;
  imageParts?: number | undefined;
  /** The error when the request does not fit (default: 402 insufficient credits), e.g. a key's cap. */
  refusal?: (neededMicro: number) => GatewayError;
}

/**
 * Worst-case cost of a chat call: every body byte as an input token plus the full
 * output allowance for every choice. When that is more than the user can cover, a
 * client that set no limit gets its output capped to what it can afford (the store
 * sizes the hold between `leastHoldMicro` and `holdMicro`, then `resizeHoldPlan` derives
 * the cap); one that asked for more than it can afford gets a 402 that says how much it
 * could have.
 */
export function planHold(input: HoldPlanInput): HoldPlan {
  const { model, choices } = input;
  const inputTokens =
    (input.rawBytes ?? Buffer.byteLength(input.rawBody)) +
    (input.imageParts ?? countImageParts(input.rawBody)) * tokensPerImagePart;
  const perChoiceOutput = Math.min(
    input.requestedOutputTokens ?? model.maxOutputTokens,
    model.maxOutputTokens,
  );
  const inputMicro = tokenCost(model.price, { ...emptyUsage, inputTokens });
  const worstCase =
    inputMicro + tokenCost(model.price, { ...emptyUsage, outputTokens: perChoiceOutput * choices });
  const outputRate = Math.max(model.price.output, model.price.reasoning ?? 0);
  const cappable = input.requestedOutputTokens === undefined && outputRate > 0;
  const leastHoldMicro = cappable
    ? Math.min(worstCase, inputMicro + tokenCost(model.price, { ...emptyUsage, outputTokens: choices }))
    : worstCase;
  const plan = { holdMicro: worstCase, leastHoldMicro, clampOutputTokens: undefined };
  if (worstCase <= input.availableMicro) return plan;

  const affordable =
    outputRate === 0
      ? perChoiceOutput
      : Math.floor(((input.availableMicro - inputMicro) * 1_000_000) / outputRate / choices);
  if (affordable < 1 || input.requestedOutputTokens !== undefined) {
    // The least this request could run with: its input and one output token per choice.
    if (input.refusal)
      throw input.refusal(inputMicro + tokenCost(model.price, { ...emptyUsage, outputTokens: choices }));
    throw new GatewayError('insufficient_credits', {
      message:
        affordable < 1
          ? `Insufficient credits: this request's input alone may cost up to ${formatCredits(inputMicro)} credits and ${formatCredits(input.availableMicro)} are available.`
          : `Insufficient credits for up to ${perChoiceOutput} output tokens: ${formatCredits(input.availableMicro)} credits available cover at most ${affordable}. Lower max_tokens or top up.`,
    });
  }
  return plan;
}

/** The plan for a hold the store sized below the worst case: output capped to what it covers. */
export function resizeHoldPlan(plan: HoldPlan, heldMicro: number, input: HoldPlanInput): HoldPlan {
  if (heldMicro >= plan.holdMicro) return plan;
  const { model, choices } = input;
  const outputRate = Math.max(model.price.output, model.price.reasoning ?? 0);
  const inputMicro =
    plan.holdMicro -
    tokenCost(model.price, {
      ...emptyUsage,
      outputTokens:
        Math.min(input.requestedOutputTokens ?? model.maxOutputTokens, model.maxOutputTokens) * choices,
    });
  const affordable = Math.floor(((heldMicro - inputMicro) * 1_000_000) / outputRate / choices);
  return { holdMicro: heldMicro, leastHoldMicro: heldMicro, clampOutputTokens: Math.max(1, affordable) };
}

function countImageParts(rawBody: string): number {
  let count = 0;
  for (let at = rawBody.indexOf('"image_url"'); at !== -1; at = rawBody.indexOf('"image_url"', at + 1))
    count++;
  return count;
}
