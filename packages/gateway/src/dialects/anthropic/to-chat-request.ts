import type { ChatMessage, ChatRequest, Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { copyFields, num, obj } from '../json-fields.ts';

export interface AnthropicToChatOptions {
  /**
   * The upstream's own `reasoning_content` for the turn that made this tool call, if the
   * caller kept it: DeepSeek's thinking mode answers 400 when a tool-calling turn comes
   * back without it, and the Anthropic client never saw it (see chat-stream-to-anthropic).
   */
  reasoningFor?: (toolCallId: string) => string | undefined;
  /** `extra_content` the upstream attached to this call (e.g. a Gemini thought signature), if kept. */
  extraFor?: (toolCallId: string) => Record<string, unknown> | undefined;
}

/**
 * Anthropic Messages request → Chat Completions request, for a client speaking
 * Anthropic (Claude Code, the SDK) in front of a chat-only model (DeepSeek, Qwen, …).
 *
 * Lossy spots, chosen so an agent conversation keeps its meaning:
 * - `thinking` / `redacted_thinking` blocks in the history are dropped: their signatures
 *   are hidden state only Anthropic can verify; the visible turns are kept.
 * - `cache_control` markers are dropped: chat upstreams cache prefixes automatically.
 * - Server tools offered in `tools` (web_search_*, bash_*, text_editor_*, code_execution_*,
 *   computer_*, memory_*, mcp_toolset, …) are not offered: only Anthropic runs or defines
 *   them. Blocks recording such a call in the history are refused with a 400.
 * - `top_k`, `service_tier`, `inference_geo`, `context_management`, citations and any
 *   field chat has no slot for are dropped (context edits: the upstream sees it all).
 * - `thinking` becomes `reasoning_effort` (no vendor publishes a table:
 *   budget < 4k → low, < 16k → medium, else high; adaptive → medium); an
 *   `output_config.effort` wins, enum to enum. `disabled` sends nothing, as no `thinking`.
 * - A `tool_result` becomes a `tool` message, before the turn's other user content;
 *   `is_error` has no chat flag, so its text is prefixed "Error: ". Chat tool messages
 *   are text only: images and PDFs of a result follow in the next user message.
 * - Consecutive assistant turns merge (Anthropic merges them too), so every tool call
 *   is followed by its results. A trailing assistant turn (prefill) is sent as is:
 *   most chat APIs start a new answer instead of continuing it.
 * - Refused with a 400: `container`, `mcp_servers`, files by `file_id`, documents by URL
 *   or of a type other than PDF and text — none has an inline chat equivalent.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function anthropicToChat(
  body: Json,
  upstreamModel: string,
  options: AnthropicToChatOptions = {},
): ChatRequest {
  for (const field of ['container', 'mcp_servers'] as const) {
    if (body[field] !== undefined && body[field] !== null) {
      throw refuse(
        field,
        `${field} needs an Anthropic upstream; this model is served through a chat-only API.`,
      );
    }
  }
  const messages: Json[] = [];
  const system = textOf(body['system'], '\n\n');
  if (system.length > 0) messages.push({ role: 'system', content: system });
  list(body['messages']).forEach((message, index) => {
    const role = String(message['role']);
    const handler = roleHandlers[role];
    if (!handler) throw refuse(`messages.${index}.role`, `Unknown message role "${role}".`);
    handler(messages, message, `messages.${index}`, options);
  });

  const chat: ChatRequest = { model: upstreamModel, messages: messages as ChatMessage[] };
  applyTools(chat, body);
  if (typeof body['max_tokens'] === 'number') chat['max_tokens'] = body['max_tokens'];
  copyFields(chat, body, ['temperature', 'top_p', 'stream']);
  const stop = body['stop_sequences'];
  if (Array.isArray(stop) && stop.length > 0) chat['stop'] = stop;
  const effort = reasoningEffort(body);
  if (effort) chat['reasoning_effort'] = effort;
  const format = responseFormat(obj(body['output_config'])['format']);
  if (format) chat['response_format'] = format;
  const user = obj(body['metadata'])['user_id'];
  if (typeof user === 'string' && user.length > 0) chat['user'] = user;
  return chat;
}

const refuse = (param: string, message: string): GatewayError =>
  new GatewayError('invalid_request', { param, message });

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** The non-empty strings among `parts`, a blank line apart. */
const paragraphs = (...parts: unknown[]): string =>
  parts.filter((part): part is string => typeof part === 'string' && part.length > 0).join('\n\n');

/** A string, or the text of text blocks (other block types carry no text). */
function textOf(content: unknown, separator: string): string {
  if (typeof content === 'string') return content;
  return list(content)
    .filter((block) => block['type'] === 'text' && typeof block['text'] === 'string')
    .map((block) => block['text'] as string)
    .join(separator);
}

type RoleHandler = (messages: Json[], message: Json, param: string, options: AnthropicToChatOptions) => void;

const roleHandlers: Record<string, RoleHandler> = {
  user: appendUser,
  assistant: appendAssistant,
  // The mid-conversation system role (2026-05): chat places system messages anywhere too.
  system: (messages, message) => {
    messages.push({ role: 'system', content: textOf(message['content'], '\n\n') });
  },
};

function appendUser(messages: Json[], message: Json, param: string): void {
  const content = message['content'];
  if (typeof content === 'string') {
    messages.push({ role: 'user', content });
    return;
  }
  const attachments: Json[] = [];
  const parts: Json[] = [];
  list(content).forEach((block, index) => {
    const at = `${param}.content.${index}`;
    if (block['type'] === 'tool_result') messages.push(toolMessage(block, at, attachments));
    else parts.push(...partsOf(block, at));
  });
  const all = [...attachments, ...parts];
  if (all.length > 0) messages.push({ role: 'user', content: all });
}

/** One tool message per result; what chat tool messages cannot hold goes to `attachments`. */
function toolMessage(block: Json, param: string, attachments: Json[]): Json {
  const id = String(block['tool_use_id'] ?? '');
  const content = block['content'];
  const texts: string[] = typeof content === 'string' ? [content] : [];
  const media: Json[] = [];
  list(content).forEach((inner, index) => {
    for (const part of partsOf(inner, `${param}.content.${index}`)) {
      if (part['type'] === 'text') texts.push(String(part['text']));
      else media.push(part);
    }
  });
  let text = texts.join('\n');
  if (media.length > 0) {
    attachments.push({ type: 'text', text: `Attachments of the result of tool call ${id}:` }, ...media);
    if (text.length === 0) text = 'The result is attached to the next user message.';
  }
  return { role: 'tool', tool_call_id: id, content: block['is_error'] === true ? `Error: ${text}` : text };
}

type PartMapper = (block: Json, param: string) => Json[];

/** User content blocks → chat content parts. */
const userParts: Record<string, PartMapper> = {
  text: (block) => [{ type: 'text', text: String(block['text'] ?? '') }],
  image: (block, param) => [imagePart(block, param)],
  document: documentParts,
  search_result: (block) => [
    { type: 'text', text: paragraphs(block['title'], block['source'], textOf(block['content'], '\n')) },
  ],
};

function partsOf(block: Json, param: string): Json[] {
  const mapper = userParts[String(block['type'])];
  if (!mapper) {
    throw refuse(
      param,
      `Content blocks of type "${String(block['type'])}" cannot be sent to a chat-only upstream.`,
    );
  }
  return mapper(block, param);
}

function imagePart(block: Json, param: string): Json {
  const source = obj(block['source']);
  if (source['type'] === 'base64') {
    const url = `data:${String(source['media_type'])};base64,${String(source['data'])}`;
    return { type: 'image_url', image_url: { url } };
  }
  if (source['type'] === 'url') return { type: 'image_url', image_url: { url: String(source['url']) } };
  throw refuse(
    `${param}.source`,
    `Images with a "${String(source['type'])}" source cannot be sent to a chat-only upstream; send the image as base64 data or a URL.`,
  );
}

/** Chat takes documents only as inline PDF data (`file` part) or as text. */
function documentParts(block: Json, param: string): Json[] {
  const source = obj(block['source']);
  const title = typeof block['title'] === 'string' ? block['title'] : undefined;
  if (source['type'] === 'base64' && source['media_type'] === 'application/pdf') {
    const fileData = `data:application/pdf;base64,${String(source['data'])}`;
    return [{ type: 'file', file: { filename: title ?? 'document.pdf', file_data: fileData } }];
  }
  if (source['type'] === 'text') {
    return [{ type: 'text', text: paragraphs(title, block['context'], source['data']) }];
  }
  if (source['type'] === 'content') {
    return list(source['content']).flatMap((inner, index) =>
      partsOf(inner, `${param}.source.content.${index}`),
    );
  }
  throw refuse(
    `${param}.source`,
    `Documents with a "${String(source['type'])}" source cannot be sent to a chat-only upstream; send a PDF as base64 data, or the text.`,
  );
}

interface AssistantTurn {
  text: string[];
  calls: Json[];
}

/** Assistant blocks; thinking is dropped (see the module comment), server-tool blocks are refused. */
const assistantBlocks: Record<string, (turn: AssistantTurn, block: Json) => void> = {
  text: (turn, block) => turn.text.push(String(block['text'] ?? '')),
  tool_use: (turn, block) =>
    turn.calls.push({
      id: String(block['id']),
      type: 'function',
      function: { name: String(block['name']), arguments: JSON.stringify(block['input'] ?? {}) },
    }),
  thinking: () => undefined,
  redacted_thinking: () => undefined,
};

function appendAssistant(
  messages: Json[],
  message: Json,
  param: string,
  options: AnthropicToChatOptions,
): void {
  const content = message['content'];
  const turn: AssistantTurn = { text: typeof content === 'string' ? [content] : [], calls: [] };
  list(content).forEach((block, index) => {
    const handler = assistantBlocks[String(block['type'])];
    if (!handler) {
      throw refuse(
        `${param}.content.${index}`,
        `Assistant blocks of type "${String(block['type'])}" record a server tool that only an Anthropic upstream can replay; this model is served through a chat-only API.`,
      );
    }
    handler(turn, block);
  });
  const text = turn.text.join('');
  if (text.length === 0 && turn.calls.length === 0) return; // only thinking: nothing visible to keep
  const last = messages.at(-1);
  const chat: Json = last?.['role'] === 'assistant' ? last : { role: 'assistant', content: null };
  if (chat !== last) messages.push(chat);
  const joined = `${typeof chat['content'] === 'string' ? chat['content'] : ''}${text}`;
  chat['content'] = joined.length > 0 ? joined : null;
  if (turn.calls.length === 0) return;
  chat['tool_calls'] = [
    ...list(chat['tool_calls']),
    ...turn.calls.map((call) => {
      const extra = options.extraFor?.(String(call['id']));
      return extra ? { ...call, extra_content: extra } : call;
    }),
  ];
  const reasoning = options.reasoningFor?.(String(turn.calls[0]?.['id']));
  if (reasoning !== undefined) chat['reasoning_content'] = reasoning;
}

/** Custom tools become function tools; server tools are not offered (module comment). */
function applyTools(chat: Json, body: Json): void {
  const tools = list(body['tools']).flatMap((tool): Json[] => {
    if (tool['type'] !== undefined && tool['type'] !== null && tool['type'] !== 'custom') return [];
    const fn: Json = {
      name: tool['name'],
      parameters: tool['input_schema'] ?? { type: 'object', properties: {} },
    };
    if (typeof tool['description'] === 'string') fn['description'] = tool['description'];
    if (typeof tool['strict'] === 'boolean') fn['strict'] = tool['strict'];
    return [{ type: 'function', function: fn }];
  });
  const choice = body['tool_choice'] === undefined ? undefined : obj(body['tool_choice']);
  const names = new Set(tools.map((tool) => String(obj(tool['function'])['name'])));
  if (tools.length === 0) {
    if (choice?.['type'] === 'any' || choice?.['type'] === 'tool') {
      throw refuse('tool_choice', 'tool_choice requires a tool, but no custom tool was offered.');
    }
    return;
  }
  chat['tools'] = tools;
  if (!choice) return;
  const mapper = toolChoices[String(choice['type'])];
  if (!mapper) throw refuse('tool_choice', `Unknown tool_choice type "${String(choice['type'])}".`);
  chat['tool_choice'] = mapper(choice, names);
  if (choice['disable_parallel_tool_use'] === true) chat['parallel_tool_calls'] = false;
}

const toolChoices: Record<string, (choice: Json, names: Set<string>) => unknown> = {
  auto: () => 'auto',
  any: () => 'required',
  none: () => 'none',
  tool: (choice, names) => {
    const name = String(choice['name']);
    if (!names.has(name)) {
      throw refuse(
        'tool_choice',
        `tool_choice names "${name}", which is not a custom tool of this request (server tools need an Anthropic upstream).`,
      );
    }
    return { type: 'function', function: { name } };
  },
};

/**
 * Enum to enum where the client sent one (`output_config.effort`), else a budget policy.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-reasoning_effort
 */
function reasoningEffort(body: Json): string | undefined {
  const thinking = obj(body['thinking']);
  if (thinking['type'] === 'disabled') return undefined;
  const effort = obj(body['output_config'])['effort'];
  if (typeof effort === 'string') return effort;
  if (thinking['type'] === 'adaptive') return 'medium';
  if (thinking['type'] !== 'enabled') return undefined;
  const budget = num(thinking['budget_tokens']);
  return budget < 4096 ? 'low' : budget < 16_384 ? 'medium' : 'high';
}

/** Anthropic's schema has no name or strict flag; chat requires a name. */
function responseFormat(format: unknown): ChatRequest['response_format'] {
  if (format === undefined || format === null) return undefined;
  const record = obj(format);
  if (record['type'] !== 'json_schema') {
    throw refuse('output_config.format', `Unknown output format type "${String(record['type'])}".`);
  }
  return { type: 'json_schema', json_schema: { name: 'response', schema: record['schema'] ?? {} } };
}
