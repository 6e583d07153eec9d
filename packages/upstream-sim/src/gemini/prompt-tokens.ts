import { VOCABULARY } from '../openai-chat/prompt-tokens.ts';
import { hashText } from '../text/seeded-random.ts';
import { tokenize } from '../text/tokens.ts';
import type { FunctionDeclaration, InputContent, InputPart, OutputFormat } from './types.ts';

/**
 * Fixed token cost of an image, PDF page, or media part: the API's price for an image up to
 * 384 px (larger ones are tiled at 258 per tile). The simulator does not decode media.
 * @see https://ai.google.dev/gemini-api/docs/tokens#multimodal-tokens
 */
export const MEDIA_TOKENS = 258;

export type Modality = 'TEXT' | 'IMAGE' | 'AUDIO' | 'VIDEO' | 'DOCUMENT';

export interface PromptCount {
  /** The prompt as tokens, in prefix order, for the implicit cache. */
  tokens: number[];
  byModality: Map<Modality, number>;
}

export interface PromptSource {
  functions: readonly FunctionDeclaration[];
  builtinTools: readonly Record<string, unknown>[];
  system: readonly InputPart[];
  output: OutputFormat | undefined;
  contents: readonly InputContent[];
}

/**
 * The prompt as Gemini counts it, with o200k tokens standing in for Gemini's tokenizer: the
 * text of tool declarations, system instruction, response schema and contents, without
 * per-turn overhead (`countTokens` of a bare text equals its token count). Function calls and
 * responses count as their JSON; thought summaries replayed in model turns are not prompt.
 * @see https://ai.google.dev/gemini-api/docs/tokens
 */
export function promptTokens(source: PromptSource): PromptCount {
  const count: PromptCount = { tokens: [], byModality: new Map() };
  for (const declaration of source.functions) addText(count, declaration.promptText);
  for (const tool of source.builtinTools) addText(count, JSON.stringify(tool));
  for (const part of source.system) addPart(count, part);
  if (source.output?.kind === 'json' && source.output.schema)
    addText(count, JSON.stringify(source.output.schema));
  for (const content of source.contents) {
    for (const part of content.parts) {
      if (part.kind === 'text' && part.thought) continue;
      addPart(count, part);
    }
  }
  return count;
}

function addPart(count: PromptCount, part: InputPart): void {
  if (part.kind !== 'media') {
    addText(count, partText(part));
    return;
  }
  // The filler token comes from the media's identity, so other media break a cached prefix.
  const filler = hashText(part.identity) % VOCABULARY;
  for (let index = 0; index < MEDIA_TOKENS; index += 1) count.tokens.push(filler);
  const modality = mediaModality(part.mimeType);
  count.byModality.set(modality, (count.byModality.get(modality) ?? 0) + MEDIA_TOKENS);
}

function partText(part: Exclude<InputPart, { kind: 'media' }>): string {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'functionCall':
      return `${part.name}${JSON.stringify(part.args)}`;
    case 'functionResponse':
      return `${part.name}${JSON.stringify(part.response)}`;
    case 'other':
      return part.json;
  }
}

function addText(count: PromptCount, text: string): void {
  const tokens = tokenize(text);
  for (const token of tokens) count.tokens.push(token);
  count.byModality.set('TEXT', (count.byModality.get('TEXT') ?? 0) + tokens.length);
}

function mediaModality(mimeType: string): Modality {
  if (mimeType.startsWith('image/')) return 'IMAGE';
  if (mimeType.startsWith('audio/')) return 'AUDIO';
  if (mimeType.startsWith('video/')) return 'VIDEO';
  return 'DOCUMENT';
}

/** `promptTokensDetails` / `cacheTokensDetails`: per-modality counts, text first. */
export function modalityDetails(
  byModality: ReadonlyMap<Modality, number>,
): Array<{ modality: Modality; tokenCount: number }> {
  const order: Modality[] = ['TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'DOCUMENT'];
  return order.flatMap((modality) => {
    const tokenCount = byModality.get(modality) ?? 0;
    return tokenCount > 0 || (modality === 'TEXT' && byModality.size === 0) ? [{ modality, tokenCount }] : [];
  });
}
