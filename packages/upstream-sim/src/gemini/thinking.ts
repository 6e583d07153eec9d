import { isRecord } from '../json.ts';
import { fail } from './errors.ts';
import type { ModelTraits } from './models.ts';
import { enumField, field, numberField } from './proto-json.ts';
import { THINKING_LEVELS } from './request-shapes.ts';
import type { ThinkingPlan } from './types.ts';

/**
 * Thinking tokens per `thinkingLevel`. Real amounts vary per prompt; fixed values keep tests
 * exact. `MINIMAL` thinks (and signs) but spends nothing.
 */
export const LEVEL_TOKENS = { MINIMAL: 0, LOW: 64, MEDIUM: 128, HIGH: 256 } as const;
type Level = keyof typeof LEVEL_TOKENS;

/** Dynamic thinking (`thinkingBudget: -1` or no config) on 2.5 models. */
export const DYNAMIC_BUDGET_TOKENS = 128;

/**
 * Resolves `generationConfig.thinkingConfig` for a model: how many tokens it thinks, whether
 * thought summaries come back (`includeThoughts`), and whether its parts carry thought
 * signatures (Gemini 3 always, Gemini 2.5 while thinking). A budget caps the default amount.
 * Error wording: "Budget 0 is invalid…" and "The thinking budget (N) is invalid." are the API's;
 * the level/budget conflicts are the documented 400s in approximate words.
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
export function planThinking(config: unknown, traits: ModelTraits): ThinkingPlan {
  const thinking = isRecord(config) ? config : {};
  const includeThoughts = field(thinking, 'includeThoughts') === true;
  const budget = numberField(thinking, 'thinkingBudget');
  const levelName = enumField(thinking, 'thinkingLevel', THINKING_LEVELS);
  const level = levelName !== undefined && levelName in LEVEL_TOKENS ? (levelName as Level) : undefined;
  if (traits.thinking === 'none') return { tokens: 0, includeThoughts: false, signs: false };
  if (level && budget !== undefined) {
    fail('Thinking level and thinking budget cannot be set at the same time. Please set only one of them.');
  }
  if (level && traits.thinking === 'budget') fail('Thinking level is not supported for this model.');
  if (budget !== undefined) checkBudget(budget, traits);

  const defaultTokens = traits.thinking === 'level' ? LEVEL_TOKENS.HIGH : DYNAMIC_BUDGET_TOKENS;
  let tokens: number;
  if (level) tokens = LEVEL_TOKENS[level];
  else if (budget === undefined) tokens = traits.thinksByDefault ? defaultTokens : 0;
  else if (budget === -1) tokens = defaultTokens;
  else tokens = Math.min(budget, defaultTokens);
  const on = traits.thinking === 'level' || tokens > 0;
  return { tokens: on ? tokens : 0, includeThoughts: on && includeThoughts, signs: on };
}

function checkBudget(budget: number, traits: ModelTraits): void {
  if (budget === -1) return;
  if (budget === 0) {
    if (traits.canDisableThinking || traits.budgetRange[0] === 0) return;
    fail('Budget 0 is invalid. This model only works in thinking mode.');
  }
  const [min, max] = traits.budgetRange;
  if (budget < min || budget > max) fail(`The thinking budget (${budget}) is invalid.`);
}
