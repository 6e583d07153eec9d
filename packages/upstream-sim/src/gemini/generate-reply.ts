import { imageDirectives } from '../images/directives.ts';
import { renderImage } from '../images/render.ts';
import { isRecord } from '../json.ts';
import {
  DEFAULT_REPLY_TOKENS,
  NO_TOOL_DIRECTIVE,
  REPLY_TOKENS_DIRECTIVE,
} from '../openai-chat/generate-reply.ts';
import { sampleJson } from '../openai-chat/sample-json.ts';
import { loremTokens } from '../text/lorem.ts';
import { hashText } from '../text/seeded-random.ts';
import { countTokens, truncateToTokens } from '../text/tokens.ts';
import type { ImagePlan } from './image-output.ts';
import { modelTraits } from './models.ts';
import type { ThoughtSigner } from './thought-signature.ts';
import type { FunctionDeclaration, GeneratedCandidate, GenerateRequest, OutputPart } from './types.ts';

/** Thinking tokens per token of thought summary. */
export const THOUGHT_SUMMARY_RATIO = 4;

export interface GenerateOptions {
  /** Fault override; wins over the `[[sim:reply_tokens=N]]` directive. */
  replyTokens: number | undefined;
  signer: ThoughtSigner;
}

/**
 * Deterministic candidates: the same conversation always gets the same text, while candidates
 * of one request differ. Thinking comes first and spends `maxOutputTokens` first (the limit
 * covers thoughts and answer, as upstream); then a function call when one is due, else text.
 * Token counts are exact o200k counts of what is returned.
 */
export function generateCandidates(request: GenerateRequest, options: GenerateOptions): GeneratedCandidate[] {
  const userText = lastUserText(request);
  const directive = userText?.match(REPLY_TOKENS_DIRECTIVE)?.[1];
  const targetTokens = options.replyTokens ?? (directive ? Number(directive) : DEFAULT_REPLY_TOKENS);
  const limit = request.maxOutputTokens ?? modelTraits(request.model).outputTokenLimit;
  const baseSeed = hashText(userText ?? request.model);
  return Array.from({ length: request.candidateCount }, (_, index) =>
    generateCandidate(request, options, { seed: baseSeed + index * 7919, targetTokens, limit }),
  );
}

interface Plan {
  seed: number;
  targetTokens: number;
  limit: number;
}

function generateCandidate(
  request: GenerateRequest,
  options: GenerateOptions,
  plan: Plan,
): GeneratedCandidate {
  const candidate: GeneratedCandidate = {
    parts: [],
    finishReason: 'STOP',
    outputTokens: 0,
    thoughtTokens: 0,
    imageTokens: 0,
  };
  const { thinking } = request;
  if (thinking.tokens > 0) {
    const full = loremTokens(thinking.tokens, plan.seed ^ 0x5bd1e995);
    const fitted = truncateToTokens(full, plan.limit);
    candidate.thoughtTokens = fitted.tokens;
    // Thought summaries condense the thinking: a quarter of it here; all of it is counted.
    const summary = truncateToTokens(fitted.text, Math.ceil(fitted.tokens / THOUGHT_SUMMARY_RATIO)).text;
    if (thinking.includeThoughts && summary !== '') candidate.parts.push({ kind: 'thought', text: summary });
    if (fitted.text !== full) return { ...candidate, finishReason: 'MAX_TOKENS' };
  }
  const budget = plan.limit - candidate.thoughtTokens;
  if (budget <= 0) return { ...candidate, finishReason: 'MAX_TOKENS' };
  if (request.image) return appendImage(candidate, request, request.image, plan.seed, options.signer);
  const declaration = chooseFunction(request);
  if (declaration) return appendCall(candidate, declaration, budget, request, options.signer);
  return appendText(candidate, request, { ...plan, limit: budget }, options.signer);
}

/** Text of the newest user content that has any; it seeds the reply and may carry directives. */
function lastUserText(request: GenerateRequest): string | undefined {
  for (let index = request.contents.length - 1; index >= 0; index -= 1) {
    const content = request.contents[index];
    if (content?.role !== 'user') continue;
    const texts = content.parts.flatMap((part) => (part.kind === 'text' ? [part.text] : []));
    if (texts.length > 0) return texts.join('\n');
  }
  return undefined;
}

/**
 * `AUTO` and `VALIDATED` call a function only in answer to a fresh user turn (not to function
 * responses, nor with `[[sim:no_tool]]`), so agent loops end; `ANY` always calls one; `NONE`
 * never does. The first declared function is called, or the first allowed one.
 * @see https://ai.google.dev/gemini-api/docs/function-calling#function_calling_modes
 */
function chooseFunction(request: GenerateRequest): FunctionDeclaration | undefined {
  const { mode, allowed } = request.calling;
  if (mode === 'NONE') return undefined;
  const callable = request.functions.filter(
    (declaration) => mode === 'AUTO' || !allowed || allowed.includes(declaration.name),
  );
  if (mode === 'ANY') return callable[0];
  const last = request.contents.at(-1);
  if (last?.role !== 'user' || last.parts.some((part) => part.kind === 'functionResponse')) return undefined;
  if (last.parts.some((part) => part.kind === 'text' && part.text.includes(NO_TOOL_DIRECTIVE)))
    return undefined;
  return callable[0];
}

/**
 * A `functionCall` part with arguments sampled from the declaration's schema, signed when the
 * model signs. Arguments that do not fit the remaining tokens end the candidate with
 * MAX_TOKENS and no call. There is no function-call finish reason: a call ends with STOP.
 */
function appendCall(
  candidate: GeneratedCandidate,
  declaration: FunctionDeclaration,
  budget: number,
  request: GenerateRequest,
  signer: ThoughtSigner,
): GeneratedCandidate {
  const sampled = sampleJson(declaration.schema);
  const args = isRecord(sampled) ? sampled : {};
  const tokens = countTokens(JSON.stringify(args));
  if (tokens > budget) return { ...candidate, finishReason: 'MAX_TOKENS', outputTokens: budget };
  const part: OutputPart = { kind: 'functionCall', name: declaration.name, args };
  if (request.thinking.signs) part.signature = signer.signCall(declaration.name, args);
  return { ...candidate, parts: [...candidate.parts, part], outputTokens: tokens };
}

/**
 * Text cut at the earliest stop sequence (finish reason stays STOP) and at the token budget
 * (MAX_TOKENS). Gemini 3 puts a thought signature on the last text part.
 */
function appendText(
  candidate: GeneratedCandidate,
  request: GenerateRequest,
  plan: Plan,
  signer: ThoughtSigner,
): GeneratedCandidate {
  const composed = composeText(request, plan);
  const stopped = applyStopSequences(composed, request.stopSequences);
  const fitted = truncateToTokens(stopped, plan.limit);
  const finishReason = fitted.text === stopped ? 'STOP' : 'MAX_TOKENS';
  if (fitted.text === '') return { ...candidate, finishReason, outputTokens: 0 };
  const part: OutputPart = { kind: 'text', text: fitted.text };
  if (request.thinking.signs && modelTraits(request.model).requiresSignatures) {
    part.signature = signer.signText(fitted.text);
  }
  return { ...candidate, parts: [...candidate.parts, part], finishReason, outputTokens: fitted.tokens };
}

function composeText(request: GenerateRequest, plan: Plan): string {
  const { output } = request;
  if (output.kind === 'json') {
    if (output.schema) return JSON.stringify(sampleJson(output.schema));
    return JSON.stringify({ answer: loremTokens(plan.targetTokens, plan.seed) });
  }
  if (output.kind === 'enum') return output.values[0] ?? '';
  const results = trailingFunctionResponses(request);
  if (results.length === 0) return loremTokens(plan.targetTokens, plan.seed);
  const mention = `The tool returned: ${results.join('; ')}.`;
  const rest = Math.max(0, plan.targetTokens - countTokens(mention));
  return mention + loremTokens(rest, plan.seed, { leadingSpace: true });
}

/**
 * Results in the last user content, shortened so a huge result does not flood the reply. The
 * docs put a result under `output` (and failures under `error`); other shapes are quoted as JSON.
 */
function trailingFunctionResponses(request: GenerateRequest): string[] {
  const last = request.contents.at(-1);
  if (last?.role !== 'user') return [];
  return last.parts.flatMap((part) => {
    if (part.kind !== 'functionResponse') return [];
    const { response } = part;
    const single = response['output'] ?? response['result'] ?? response['error'];
    const raw = typeof single === 'string' ? single : JSON.stringify(single ?? response);
    const text = raw.replace(/\s+/g, ' ').trim();
    return [text.length > 200 ? `${text.slice(0, 200)}…` : text];
  });
}

function applyStopSequences(text: string, sequences: readonly string[]): string {
  let cut = -1;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at !== -1 && (cut === -1 || at < cut)) cut = at;
  }
  return cut === -1 ? text : text.slice(0, cut);
}

/** Tokens of the caption an image model puts before its image when TEXT is also asked for. */
const CAPTION_TOKENS = 12;

/**
 * An image model's answer: a short caption (when TEXT is among the modalities), then the image
 * as an `inlineData` PNG of the planned size, drawn from the conversation's seed. The
 * `[[sim:moderated]]` directive withholds the image with `IMAGE_SAFETY`, as the output filter
 * does. Gemini 3 image models put a `thoughtSignature` on the image part.
 * @see https://ai.google.dev/gemini-api/docs/image-generation
 */
function appendImage(
  candidate: GeneratedCandidate,
  request: GenerateRequest,
  plan: ImagePlan,
  seed: number,
  signer: ThoughtSigner,
): GeneratedCandidate {
  if (imageDirectives(lastUserText(request) ?? '').moderated)
    return { ...candidate, finishReason: 'IMAGE_SAFETY' };
  const parts: OutputPart[] = [...candidate.parts];
  let textTokens = 0;
  if (plan.withText) {
    const caption = loremTokens(CAPTION_TOKENS, seed ^ 0x1b873593);
    textTokens = countTokens(caption);
    parts.push({ kind: 'text', text: caption });
  }
  const image = renderImage({
    width: plan.width,
    height: plan.height,
    seedText: `${request.model}\u0000${seed}`,
  });
  const data = image.bytes.toString('base64');
  // Gemini 3 image models sign their image parts, for multi-turn editing.
  const signature = request.thinking.signs ? signer.signText(data) : undefined;
  parts.push({
    kind: 'image',
    mimeType: image.mimeType,
    data,
    tokens: plan.tokens,
    ...(signature ? { signature } : {}),
  });
  return { ...candidate, parts, outputTokens: textTokens + plan.tokens, imageTokens: plan.tokens };
}
