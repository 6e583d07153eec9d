import { randomId } from '../ids.ts';
import { type Modality, modalityDetails } from './prompt-tokens.ts';
import type { FinishReason, GeneratedCandidate, OutputPart } from './types.ts';

const RESPONSE_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Everything both response forms (JSON and stream) are rendered from. */
export interface SimResponse {
  responseId: string;
  modelVersion: string;
  candidates: GeneratedCandidate[];
  promptTokens: number;
  promptByModality: ReadonlyMap<Modality, number>;
  cachedTokens: number;
}

export function createResponse(
  model: string,
  candidates: GeneratedCandidate[],
  prompt: { total: number; byModality: ReadonlyMap<Modality, number> },
  cachedTokens: number,
): SimResponse {
  return {
    responseId: randomId('', 23, RESPONSE_ID_ALPHABET),
    modelVersion: model,
    candidates,
    promptTokens: prompt.total,
    promptByModality: prompt.byModality,
    cachedTokens,
  };
}

/** A part as the API returns it; signatures sit beside the data field. */
export function renderPart(part: OutputPart): Record<string, unknown> {
  switch (part.kind) {
    case 'thought':
      return { text: part.text, thought: true };
    case 'text':
      return { text: part.text, ...(part.signature ? { thoughtSignature: part.signature } : {}) };
    case 'functionCall':
      return {
        functionCall: { name: part.name, args: part.args },
        ...(part.signature ? { thoughtSignature: part.signature } : {}),
      };
    case 'image':
      return {
        inlineData: { mimeType: part.mimeType, data: part.data },
        ...(part.signature ? { thoughtSignature: part.signature } : {}),
      };
  }
}

/**
 * One `candidates[]` entry. A candidate without parts (thinking used up `maxOutputTokens`) has
 * a content with only its role, as upstream.
 */
export function renderCandidate(
  parts: Array<Record<string, unknown>>,
  index: number,
  finishReason: FinishReason | undefined,
): Record<string, unknown> {
  return {
    content: { ...(parts.length > 0 ? { parts } : {}), role: 'model' },
    ...(finishReason ? { finishReason } : {}),
    index,
  };
}

export interface UsageTotals {
  candidates: number;
  thoughts: number;
  /** Of `candidates`, image tokens; when above 0 the usage splits candidates by modality. */
  images: number;
}

/**
 * `usageMetadata` in the API's field order. Zero counts are left out, as proto3 JSON does;
 * `promptTokenCount` includes the cached part, and the total adds prompt, candidates and thoughts.
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function usageMetadata(response: SimResponse, totals: UsageTotals): Record<string, unknown> {
  const { promptTokens, cachedTokens } = response;
  return {
    promptTokenCount: promptTokens,
    ...(totals.candidates > 0 ? { candidatesTokenCount: totals.candidates } : {}),
    totalTokenCount: promptTokens + totals.candidates + totals.thoughts,
    ...(cachedTokens > 0 ? { cachedContentTokenCount: cachedTokens } : {}),
    promptTokensDetails: modalityDetails(response.promptByModality),
    ...(cachedTokens > 0 ? { cacheTokensDetails: [{ modality: 'TEXT', tokenCount: cachedTokens }] } : {}),
    ...(totals.thoughts > 0 ? { thoughtsTokenCount: totals.thoughts } : {}),
    ...(totals.images > 0 ? { candidatesTokensDetails: candidateDetails(totals) } : {}),
  };
}

/** `candidatesTokensDetails`: text first, then image, zero counts left out. */
function candidateDetails(totals: UsageTotals): Array<{ modality: string; tokenCount: number }> {
  const text = totals.candidates - totals.images;
  return [
    ...(text > 0 ? [{ modality: 'TEXT', tokenCount: text }] : []),
    { modality: 'IMAGE', tokenCount: totals.images },
  ];
}

export function finalTotals(response: SimResponse): UsageTotals {
  let candidates = 0;
  let thoughts = 0;
  let images = 0;
  for (const candidate of response.candidates) {
    candidates += candidate.outputTokens;
    thoughts += candidate.thoughtTokens;
    images += candidate.imageTokens;
  }
  return { candidates, thoughts, images };
}

/**
 * The `GenerateContentResponse`. Modern models return no `safetyRatings` unless something was
 * blocked, so none are sent.
 * @see https://ai.google.dev/api/generate-content#generatecontentresponse
 */
export function responseBody(response: SimResponse): Record<string, unknown> {
  return {
    candidates: response.candidates.map((candidate, index) =>
      renderCandidate(candidate.parts.map(renderPart), index, candidate.finishReason),
    ),
    usageMetadata: usageMetadata(response, finalTotals(response)),
    modelVersion: response.modelVersion,
    responseId: response.responseId,
  };
}
