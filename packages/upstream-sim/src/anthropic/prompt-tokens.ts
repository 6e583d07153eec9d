import { hashText } from '../text/seeded-random.ts';
import { tokenize } from '../text/tokens.ts';
import { currentTurnStart } from './parse-messages.ts';
import type { CacheTtl, InputRole, MessagesRequest, PromptBlock } from './types.ts';

const VOCABULARY = 199_998;

/**
 * Claude adds a tool-use system prompt whenever tools are given: 346 tokens for `auto`/`none`,
 * 313 for `any`/`tool` (Claude 4 models).
 * @see https://docs.claude.com/en/docs/agents-and-tools/tool-use/overview#pricing
 */
const TOOL_PROMPT_TOKENS = { open: 346, forced: 313 } as const;

const ROLE_MARKERS: Record<InputRole, readonly number[]> = {
  user: tokenize('\n\nHuman: '),
  assistant: tokenize('\n\nAssistant: '),
  system: tokenize('\n\nSystem: '),
};
const REPLY_PRIMER = tokenize('\n\nAssistant:');

/** One block of the prompt, in cache order: its tokens, and its `cache_control` if it is a breakpoint. */
export interface PromptSegment {
  tokens: number[];
  cache: CacheTtl | undefined;
  /** Settings that change the prompt without adding text (tool_choice, thinking): part of the cache key. */
  salt?: string;
}

export interface PromptLayout {
  segments: PromptSegment[];
  total: number;
}

/**
 * The prompt as Claude assembles it — tools, then system, then messages — with o200k tokens
 * standing in for Claude's tokenizer. Thinking blocks of finished turns are dropped, as the API
 * drops them, while those of the turn in progress (a tool loop) count. The cache prefix order
 * and the breakpoints come from the same segments, so counts and caching agree.
 * @see https://docs.claude.com/en/docs/build-with-claude/prompt-caching#how-prompt-caching-works
 */
export function promptLayout(request: MessagesRequest): PromptLayout {
  const segments: PromptSegment[] = [];
  for (const tool of request.tools) segments.push(blockSegment(tool));
  for (const block of request.system) segments.push(blockSegment(block));
  if (request.outputSchema) {
    segments.push({ tokens: [...tokenize(JSON.stringify(request.outputSchema))], cache: undefined });
  }
  // Switching tool_choice or thinking invalidates cached messages but not tools or system.
  segments.push({
    tokens: request.tools.length > 0 ? toolPrompt(request) : [],
    cache: undefined,
    salt: JSON.stringify([request.toolChoice.type, request.thinking]),
  });
  const messageSegments: Array<{ segment: PromptSegment; cacheable: boolean }> = [];
  const turnStart = currentTurnStart(request.messages);
  request.messages.forEach((message, index) => {
    const marker = ROLE_MARKERS[message.role];
    if (message.blocks.length === 0) {
      messageSegments.push({ segment: { tokens: [...marker], cache: undefined }, cacheable: false });
      return;
    }
    message.blocks.forEach((block, blockIndex) => {
      const thinking = block.kind === 'thinking' || block.kind === 'redacted_thinking';
      const dropped = thinking && index < turnStart;
      const segment = dropped ? { tokens: [], cache: undefined } : blockSegment(block);
      if (blockIndex === 0) segment.tokens = [...marker, ...segment.tokens];
      messageSegments.push({ segment, cacheable: !thinking });
    });
  });
  // Top-level cache_control puts a breakpoint on the last block that can carry one.
  const automatic = request.automaticCache;
  const lastCacheable = messageSegments.findLast((entry) => entry.cacheable)?.segment;
  if (automatic && lastCacheable && !lastCacheable.cache) lastCacheable.cache = automatic;
  for (const entry of messageSegments) segments.push(entry.segment);
  if (request.messages.at(-1)?.role !== 'assistant')
    segments.push({ tokens: [...REPLY_PRIMER], cache: undefined });
  let total = 0;
  for (const segment of segments) total += segment.tokens.length;
  return { segments, total };
}

function blockSegment(block: PromptBlock): PromptSegment {
  const tokens = [...tokenize(block.promptText)];
  for (const media of block.media) {
    const filler = hashText(media.identity) % VOCABULARY;
    for (let index = 0; index < media.tokens; index += 1) tokens.push(filler);
  }
  return { tokens, cache: block.cache };
}

function toolPrompt(request: MessagesRequest): number[] {
  const forced = request.toolChoice.type === 'any' || request.toolChoice.type === 'tool';
  const count = forced ? TOOL_PROMPT_TOKENS.forced : TOOL_PROMPT_TOKENS.open;
  return new Array<number>(count).fill(
    hashText(forced ? 'tool-prompt:forced' : 'tool-prompt:open') % VOCABULARY,
  );
}
