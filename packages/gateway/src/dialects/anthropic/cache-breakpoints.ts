import type { Json } from '../../contracts/index.ts';

/**
 * Hypereal Cache: when a request carries no `cache_control` at all, mark the prefixes
 * Anthropic recommends caching for repeated context — the tool definitions, the system
 * prompt, the previous user turn (read back this turn) and the latest turn (written
 * for the next) — within the API's limit of 4 breakpoints. A client's own breakpoints
 * are never moved or added to.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
const maxBreakpoints = 4;
const ephemeral = { type: 'ephemeral' } as const;
/** Blocks that may carry cache_control (thinking blocks may not). */
const cacheable = new Set(['text', 'image', 'document', 'tool_use', 'tool_result', 'search_result']);

export function hasCacheControl(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasCacheControl);
  if (!value || typeof value !== 'object') return false;
  const record = value as Json;
  if (record['cache_control'] !== undefined) return true;
  return ['system', 'tools', 'messages', 'content'].some((field) => hasCacheControl(record[field]));
}

/** Adds breakpoints to `body` in place; returns how many. */
export function applyHyperealCache(body: Json): number {
  if (hasCacheControl(body)) return 0;
  let added = 0;
  const mark = (block: Json | undefined): void => {
    if (!block || added >= maxBreakpoints) return;
    block['cache_control'] = ephemeral;
    added++;
  };

  const tools = body['tools'];
  if (Array.isArray(tools) && tools.length > 0) {
    const last = { ...(tools.at(-1) as Json) };
    body['tools'] = [...tools.slice(0, -1), last];
    mark(last);
  }
  const system = body['system'];
  if (typeof system === 'string' && system.length > 0) {
    const block: Json = { type: 'text', text: system };
    body['system'] = [block];
    mark(block);
  } else if (Array.isArray(system) && system.length > 0) {
    const blocks = system.map((block) => ({ ...(block as Json) }));
    body['system'] = blocks;
    mark(lastCacheable(blocks));
  }

  const messages = (body['messages'] as Json[]).map((message) => ({ ...message }));
  body['messages'] = messages;
  const userTurns = messages.flatMap((message, index) => (message['role'] === 'user' ? [index] : []));
  const targets = [userTurns.at(-2), messages.length - 1].filter(
    (index, position, all): index is number => index !== undefined && all.indexOf(index) === position,
  );
  for (const index of targets) mark(lastCacheable(blocksOf(messages[index]!)));
  return added;
}

/** The message's content as blocks we own (a string becomes one text block). */
function blocksOf(message: Json): Json[] {
  const content = message['content'];
  const blocks =
    typeof content === 'string'
      ? content.length > 0
        ? [{ type: 'text', text: content }]
        : []
      : Array.isArray(content)
        ? content.map((block) => ({ ...(block as Json) }))
        : [];
  message['content'] = blocks;
  return blocks;
}

function lastCacheable(blocks: Json[]): Json | undefined {
  for (let index = blocks.length - 1; index >= 0; index--) {
    const block = blocks[index]!;
    if (cacheable.has(String(block['type'])) && !(block['type'] === 'text' && block['text'] === ''))
      return block;
  }
  return undefined;
}
