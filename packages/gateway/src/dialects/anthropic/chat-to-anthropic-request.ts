import type { ChatRequest, Json } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';
import {
  assistantBlocks,
  contentBlocks,
  list,
  plainText,
  refuse,
  toolResultBlock,
} from './chat-to-anthropic-content.ts';
import { thinkingOf } from './chat-to-anthropic-thinking.ts';

export interface ChatToAnthropicRequestOptions {
  /** `max_tokens` when the chat request sets no cap (the API requires one): the model's output limit. */
  defaultMaxTokens: number;
  /** Think adaptively (`thinking: {type: "adaptive"}` + `output_config.effort`) instead of by budget. */
  adaptiveThinking?: boolean;
  /**
   * Replay the thinking blocks tool calls carry (default true). False for an upstream of
   * another signature family than the one that signed them (see `carriedSignatures`):
   * it would refuse them; without them, a continued tool turn is answered without thinking.
   */
  replayThinking?: boolean;
}

/**
 * Chat fields that change the answer and have no Messages API slot: refused unless null
 * or at their default, so a client never silently gets something else than it asked for.
 */
const unsupported: Record<string, (value: unknown) => boolean> = {
  n: (value) => value !== 1,
  logprobs: (value) => value !== false,
  top_logprobs: (value) => value !== 0,
  logit_bias: (value) => Object.keys(obj(value)).length > 0,
  presence_penalty: (value) => value !== 0,
  frequency_penalty: (value) => value !== 0,
  audio: () => true,
  modalities: (value) => list(value).some((modality) => String(modality) !== 'text'),
  web_search_options: () => true,
  functions: () => true,
  function_call: () => true,
};

const unsupportedWhy: Record<string, string> = {
  n: 'Claude returns one choice per request; send n: 1.',
  functions: 'Legacy functions are not supported for Claude models; send tools.',
  function_call: 'Legacy function_call is not supported for Claude models; send tool_choice.',
  web_search_options: 'Web search is not available for Claude models through Chat Completions.',
};

/**
 * A Chat Completions request → an Anthropic Messages body, for a Claude upstream.
 *
 * - System and developer messages before the conversation become `system` text blocks;
 *   one that comes later is kept where it was, as user text (as for Gemini).
 * - User and assistant messages become turns; consecutive same-role messages merge, and
 *   `tool` messages become `tool_result` blocks opening the next user turn, so turns
 *   alternate. Images: data URLs → base64 sources, http(s) URLs → url sources; inline
 *   PDFs → documents. `cache_control` on a part is kept (OpenRouter's convention).
 * - Assistant `tool_calls` → `tool_use` blocks, preceded by the thinking blocks their
 *   `extra_content` carries (see thinking-carrier and chat-to-anthropic-thinking).
 * - `tools` → `input_schema` tools; `tool_choice` auto/none/required/named →
 *   auto/none/any/tool, `allowed_tools` → only those tools offered (Anthropic has no
 *   subset choice); `parallel_tool_calls: false` → `disable_parallel_tool_use`.
 * - `max_completion_tokens` / `max_tokens` → `max_tokens` (else `defaultMaxTokens`);
 *   `temperature` (Claude's range is 0–1: above is refused), `top_p`, `top_k` (a vLLM
 *   extension some clients send), `stop` → `stop_sequences`; `safety_identifier` / `user`
 *   → `metadata.user_id`.
 * - `response_format` json_schema → `output_config.format` (structured outputs; always
 *   strict there); `json_object` has no equivalent and is refused.
 * - Dropped, as hints with no effect on the answer's content: `seed`, `store`,
 *   `metadata`, `service_tier`, `stream_options` (Claude always reports usage),
 *   `prediction`, `prompt_cache_key`, `verbosity` and unknown fields (the API rejects
 *   extra fields).
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function chatToAnthropicRequest(
  chat: ChatRequest,
  upstreamModel: string,
  options: ChatToAnthropicRequestOptions,
): Json {
  refuseUnsupported(chat);
  const { system, messages } = conversation(chat['messages'], options.replayThinking !== false);
  const cap = chat['max_completion_tokens'] ?? chat['max_tokens'];
  const maxTokens = typeof cap === 'number' ? cap : options.defaultMaxTokens;
  const body: Json = { model: upstreamModel, max_tokens: maxTokens, messages };
  if (system.length > 0) body['system'] = system;
  Object.assign(body, toolFields(chat));
  Object.assign(body, samplingFields(chat));
  const forcedTool = ['any', 'tool'].includes(String(obj(body['tool_choice'])['type']));
  const { thinking, effort } = thinkingOf(chat, {
    maxTokens,
    adaptive: options.adaptiveThinking === true,
    messages,
    forcedTool,
  });
  if (thinking) body['thinking'] = thinking;
  const format = outputFormat(chat['response_format']);
  if (effort !== undefined || format !== undefined) {
    body['output_config'] = { ...(effort !== undefined ? { effort } : {}), ...(format ? { format } : {}) };
  }
  const user = chat['safety_identifier'] ?? chat['user'];
  if (typeof user === 'string' && user.length > 0) body['metadata'] = { user_id: user };
  if (chat['stream'] === true) body['stream'] = true;
  return body;
}

function refuseUnsupported(chat: Json): void {
  for (const [field, isSet] of Object.entries(unsupported)) {
    const value = chat[field];
    if (value === undefined || value === null || !isSet(value)) continue;
    throw refuse(field, unsupportedWhy[field] ?? `${field} is not supported by Claude models.`);
  }
}

/** Leading system text, then alternating turns (see the function comment above). */
function conversation(input: unknown, replayThinking: boolean): { system: Json[]; messages: Json[] } {
  const system: Json[] = [];
  const messages: Json[] = [];
  const push = (role: 'user' | 'assistant', blocks: Json[]) => {
    if (blocks.length === 0) return;
    const last = messages.at(-1);
    if (last?.['role'] === role) (last['content'] as Json[]).push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const [index, message] of list(input).entries()) {
    const at = `messages[${index}]`;
    const role = message?.['role'];
    if (role === 'system' || role === 'developer') {
      const text = plainText(message['content'], `${at}.content`);
      if (text.length === 0) continue;
      if (messages.length === 0) system.push({ type: 'text', text });
      else push('user', [{ type: 'text', text }]);
    } else if (role === 'user') push('user', contentBlocks(message['content'], `${at}.content`));
    else if (role === 'assistant') push('assistant', assistantBlocks(message, at, replayThinking));
    else if (role === 'tool') pushToolResult(messages, toolResultBlock(message, at));
    else throw refuse(`${at}.role`, `Message role "${String(role)}" cannot be sent to a Claude model.`);
  }
  if (messages.length === 0) throw refuse('messages', 'At least one user or assistant message is required.');
  return { system, messages };
}

/** Results open their user turn, after any earlier results (the API wants them first). */
function pushToolResult(messages: Json[], block: Json): void {
  const last = messages.at(-1);
  if (last?.['role'] !== 'user') {
    messages.push({ role: 'user', content: [block] });
    return;
  }
  const content = last['content'] as Json[];
  const after = content.findIndex((existing) => existing['type'] !== 'tool_result');
  content.splice(after === -1 ? content.length : after, 0, block);
}

function toolFields(chat: Json): Json {
  const fields: Json = {};
  let tools = list(chat['tools']).map((tool, index) => {
    if (tool?.['type'] !== 'function') {
      throw refuse(
        `tools[${index}].type`,
        `Tool type "${String(tool?.['type'])}" cannot be sent to a Claude model.`,
      );
    }
    const fn = obj(tool['function']);
    return {
      name: String(fn['name'] ?? ''),
      ...(typeof fn['description'] === 'string' ? { description: fn['description'] } : {}),
      input_schema: fn['parameters'] ?? { type: 'object', properties: {} },
      ...(typeof fn['strict'] === 'boolean' ? { strict: fn['strict'] } : {}),
    };
  });
  let choice = toolChoice(chat['tool_choice']);
  const allowed =
    obj(chat['tool_choice'])['type'] === 'allowed_tools'
      ? obj(obj(chat['tool_choice'])['allowed_tools'])
      : undefined;
  if (allowed) {
    const names = new Set(
      list(allowed['tools']).map((tool) => String(obj(tool['function'])['name'] ?? tool['name'] ?? '')),
    );
    tools = tools.filter((tool) => names.has(tool.name));
  }
  if (tools.length === 0) {
    if (choice?.['type'] === 'any' || choice?.['type'] === 'tool') {
      throw refuse('tool_choice', 'tool_choice requires tools, but no tool was offered.');
    }
    return fields;
  }
  if (chat['parallel_tool_calls'] === false && choice?.['type'] !== 'none') {
    choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  fields['tools'] = tools;
  if (choice) fields['tool_choice'] = choice;
  return fields;
}

function toolChoice(choice: unknown): Json | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  const record = obj(choice);
  if (record['type'] === 'function')
    return { type: 'tool', name: String(obj(record['function'])['name'] ?? '') };
  if (record['type'] === 'allowed_tools') {
    return { type: obj(record['allowed_tools'])['mode'] === 'required' ? 'any' : 'auto' };
  }
  throw refuse('tool_choice', 'Unsupported tool_choice for a Claude model.');
}

function samplingFields(chat: Json): Json {
  const fields: Json = {};
  const temperature = chat['temperature'];
  if (typeof temperature === 'number') {
    if (temperature > 1) throw refuse('temperature', 'Claude accepts a temperature between 0 and 1.');
    fields['temperature'] = temperature;
  }
  // top_p 1 is the default and changes nothing; newer Claude models refuse it next to a temperature.
  if (typeof chat['top_p'] === 'number' && chat['top_p'] !== 1) fields['top_p'] = chat['top_p'];
  if (typeof chat['top_k'] === 'number') fields['top_k'] = chat['top_k'];
  const stop = chat['stop'];
  const sequences = (typeof stop === 'string' ? [stop] : list(stop)).filter(
    (sequence): sequence is string => typeof sequence === 'string' && sequence.length > 0,
  );
  if (sequences.length > 0) fields['stop_sequences'] = sequences;
  return fields;
}

/** @see https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs */
function outputFormat(format: unknown): Json | undefined {
  const record = obj(format);
  if (record['type'] === undefined || record['type'] === 'text') return undefined;
  if (record['type'] === 'json_schema') {
    const schema = obj(record['json_schema'])['schema'];
    if (!schema || typeof schema !== 'object') {
      throw refuse(
        'response_format.json_schema.schema',
        'A JSON schema is required for Claude structured outputs.',
      );
    }
    return { type: 'json_schema', schema };
  }
  if (record['type'] === 'json_object') {
    throw refuse(
      'response_format.type',
      'Claude has no JSON mode without a schema; send response_format {type: "json_schema"} with a schema.',
    );
  }
  throw refuse(
    'response_format.type',
    `response_format "${String(record['type'])}" is not supported by Claude.`,
  );
}
