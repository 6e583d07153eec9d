import { randomId } from '../ids.ts';
import { hashText } from '../text/seeded-random.ts';
import type { ChatRequest, GeneratedChoice } from './types.ts';
import type { CompletionUsage } from './usage.ts';

/** Everything both response shapes (JSON and SSE) are rendered from. */
export interface Completion {
  id: string;
  created: number;
  model: string;
  serviceTier: string;
  systemFingerprint: string;
  choices: GeneratedChoice[];
  usage: CompletionUsage;
}

// `auto` (and no tier) runs on the default tier; explicit paid tiers are echoed back.
const ECHOED_TIERS = new Set(['flex', 'priority', 'scale']);

export function createCompletion(
  request: ChatRequest,
  choices: GeneratedChoice[],
  usage: CompletionUsage,
): Completion {
  return {
    id: randomId('chatcmpl-', 29),
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    serviceTier:
      request.serviceTier && ECHOED_TIERS.has(request.serviceTier) ? request.serviceTier : 'default',
    systemFingerprint: systemFingerprint(request.model),
    choices,
    usage,
  };
}

const fingerprints = new Map<string, string>();

/** Stable per model, like a backend build fingerprint. */
function systemFingerprint(model: string): string {
  let fingerprint = fingerprints.get(model);
  if (fingerprint === undefined) {
    fingerprint = `fp_${hashText(model).toString(16).padStart(10, '0')}`;
    // Bounded: model names come from requests.
    if (fingerprints.size >= 1024) fingerprints.clear();
    fingerprints.set(model, fingerprint);
  }
  return fingerprint;
}
