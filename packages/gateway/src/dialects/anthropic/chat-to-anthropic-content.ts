import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { obj } from '../json-fields.ts';
import { toolInput } from './from-chat-response.ts';
import { thinkingBlocksOf } from './thinking-carrier.ts';

export const refuse = (param: string, message: string): GatewayError =>
  new GatewayError('invalid_request', { param, message });

export const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/**
 * Anthropic tool ids match `^[a-zA-Z0-9_-]+$`; ids another upstream minted (`functions.get:0`)
 * are rewritten the same way in the call and its result, so the pair still matches.
 */
export const toolUseId = (id: unknown): string => String(id ?? '').replace(/[^a-zA-Z0-9_-]/g, '_');

const dataUrl = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;
const imageTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** A `cache_control` marker some chat clients put on parts for Claude (OpenRouter's convention). */
const cacheControl = (part: Json): Json =>
  obj(part['cache_control'])['type'] === 'ephemeral' ? { cache_control: part['cache_control'] } : {};

type PartMapper = (part: Json, param: string) => Json | undefined;

/** Chat content parts → Anthropic blocks (empty text is skipped: the API rejects empty text blocks). */
const partMappers: Record<string, PartMapper> = {
  text: (part) => {
    const text = String(part['text'] ?? '');
    return text.length > 0 ? { type: 'text', text, ...cacheControl(part) } : undefined;
  },
  image_url: (part, param) => ({ type: 'image', source: imageSource(part, param), ...cacheControl(part) }),
  file: (part, param) => {
    const file = obj(part['file']);
    const inline = dataUrl.exec(String(file['file_data'] ?? ''));
    if (inline?.[1] !== 'application/pdf') {
      throw refuse(
        `${param}.file`,
        'Only inline PDF files (a base64 data URL) can be sent to a Claude model; uploaded file ids cannot.',
      );
    }
    const title = typeof file['filename'] === 'string' ? { title: file['filename'] } : {};
    return {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: inline[2] },
      ...title,
      ...cacheControl(part),
    };
  },
};

function imageSource(part: Json, param: string): Json {
  const url = String(obj(part['image_url'])['url'] ?? '');
  const inline = dataUrl.exec(url);
  if (inline) {
    if (!imageTypes.has(inline[1] ?? '')) {
      throw refuse(`${param}.image_url.url`, 'Claude reads JPEG, PNG, GIF and WebP images only.');
    }
    return { type: 'base64', media_type: inline[1], data: inline[2] };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw refuse(`${param}.image_url.url`, 'Image URLs must be http(s) or base64 data URLs.');
}

/**
 * A message's content (string or parts) as Anthropic blocks.
 * @see https://docs.anthropic.com/en/api/messages#body-messages-content
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 */
export function contentBlocks(content: unknown, param: string): Json[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : [];
  return list(content).flatMap((part, index): Json[] => {
    const at = `${param}[${index}]`;
    const mapper = partMappers[String(part?.['type'])];
    if (!mapper) {
      throw refuse(
        `${at}.type`,
        `Content part type "${String(part?.['type'])}" cannot be sent to a Claude model.`,
      );
    }
    const block = mapper(part, at);
    return block ? [block] : [];
  });
}

/**
 * Text of a system message: a string, or its text parts joined.
 * @see https://docs.anthropic.com/en/api/messages#body-system
 */
export function plainText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  return list(content)
    .map((part, index) => {
      if (part?.['type'] === 'text') return String(part['text'] ?? '');
      throw refuse(`${param}[${index}]`, 'Only text parts are allowed in a system message.');
    })
    .join('');
}

/**
 * An assistant turn: each call's carried thinking blocks (see thinking-carrier) go before
 * it, so the turn opens with thinking as the API requires; then text, then `tool_use`
 * blocks with `input` parsed from the JSON string (broken JSON from a cut-off call
 * becomes `{}`, as in `chatToAnthropic`, rather than failing the whole conversation).
 * Unsigned `reasoning_content` is dropped: the API accepts only thinking it signed.
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 */
export function assistantBlocks(message: Json, param: string, replayThinking = true): Json[] {
  const calls = list(message['tool_calls']);
  const carried = (carrier: Json | undefined) =>
    replayThinking ? thinkingBlocksOf(carrier?.['extra_content']) : [];
  const blocks: Json[] = [...carried(message), ...carried(calls[0])];
  const content = message['content'];
  const text =
    typeof content === 'string' ? content : list(content).filter((part) => part?.['type'] === 'text');
  blocks.push(...contentBlocks(text, `${param}.content`));
  calls.forEach((call, index) => {
    const at = `${param}.tool_calls[${index}]`;
    if (index > 0) blocks.push(...carried(call));
    if (call?.['type'] !== undefined && call['type'] !== 'function') {
      throw refuse(
        `${at}.type`,
        `Tool call type "${String(call['type'])}" cannot be sent to a Claude model.`,
      );
    }
    const id = toolUseId(call?.['id']);
    if (id.length === 0) throw refuse(`${at}.id`, 'A tool call needs an id.');
    const fn = obj(call['function']);
    const args = fn['arguments'];
    blocks.push({
      type: 'tool_use',
      id,
      name: String(fn['name'] ?? ''),
      input: toolInput(typeof args === 'string' ? args : ''),
    });
  });
  return blocks;
}

/**
 * A `tool` message → one `tool_result` block (its text, or text and image blocks).
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#handling-tool-use-and-tool-result-content-blocks
 */
export function toolResultBlock(message: Json, param: string): Json {
  const content = message['content'];
  return {
    type: 'tool_result',
    tool_use_id: toolUseId(message['tool_call_id']),
    content: typeof content === 'string' ? content : contentBlocks(content, `${param}.content`),
  };
}
