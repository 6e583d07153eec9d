import type { ChatMessage, ChatRequest, ChatTool, ChatToolChoice, Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { copyFields, obj } from '../json-fields.ts';

/**
 * Responses request → Chat Completions request, for upstreams that only speak chat
 * (DeepSeek, Qwen, GLM, Kimi, MiniMax, vLLM…).
 *
 * Lossy spots, chosen so an agent conversation keeps its meaning:
 * - `reasoning` input items are dropped: they are the model's hidden state, opaque
 *   (`encrypted_content`) to any other upstream; the visible conversation is kept.
 * - Hosted tools offered in `tools` (web_search, file_search, local_shell, …) are not
 *   offered: only OpenAI executes them. Items recording such a call in the history
 *   cannot be replayed, so they are refused with a 400.
 * - `custom` (free-form) tools become function tools taking one string, `input`.
 * - `instructions` and `developer` messages become `system` messages.
 * - Server-side state (`previous_response_id`, `conversation`, `background`) needs
 *   a Responses upstream and is refused with a 400.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function responsesToChat(body: Json, upstreamModel: string): ChatRequest {
  for (const field of ['previous_response_id', 'conversation', 'background', 'prompt'] as const) {
    if (body[field] !== undefined && body[field] !== null && body[field] !== false) {
      throw new GatewayError('invalid_request', {
        param: field,
        message: `${field} needs a Responses upstream; ${String(body['model'])} is served through a chat-only API. Send the whole conversation in input instead.`,
      });
    }
  }
  const messages: Json[] = [];
  if (typeof body['instructions'] === 'string' && body['instructions'].length > 0) {
    messages.push({ role: 'system', content: body['instructions'] });
  }
  const input = body['input'];
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else if (Array.isArray(input)) for (const item of input as Json[]) appendItem(messages, item);

  const chat: ChatRequest = { model: upstreamModel, messages: messages as ChatMessage[] };
  const tools = toChatTools(body['tools']);
  if (tools.length > 0) chat['tools'] = tools;
  if (body['tool_choice'] !== undefined && tools.length > 0)
    chat['tool_choice'] = toChatToolChoice(body['tool_choice']);
  if (typeof body['parallel_tool_calls'] === 'boolean' && tools.length > 0)
    chat['parallel_tool_calls'] = body['parallel_tool_calls'];
  copyFields(chat, body, ['temperature', 'top_p', 'user', 'safety_identifier', 'prompt_cache_key', 'stream']);
  if (typeof body['max_output_tokens'] === 'number') chat['max_tokens'] = body['max_output_tokens'];
  const effort = (body['reasoning'] as Json | undefined)?.['effort'];
  if (typeof effort === 'string') chat['reasoning_effort'] = effort;
  const text = (body['text'] ?? {}) as Json;
  const format = toChatResponseFormat(text['format']);
  if (format) chat['response_format'] = format;
  if (typeof text['verbosity'] === 'string') chat['verbosity'] = text['verbosity'];
  return chat;
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? (content as Json[])
          .map((part) =>
            typeof part['text'] === 'string'
              ? part['text']
              : typeof part['refusal'] === 'string'
                ? part['refusal']
                : '',
          )
          .join('')
      : '';

type ItemHandler = (messages: Json[], item: Json) => void;

const toolOutputMessage: ItemHandler = (messages, item) => {
  messages.push({ role: 'tool', tool_call_id: String(item['call_id']), content: toolOutput(item['output']) });
};

/** One handler per input item type; anything else records a hosted tool (see the module comment). */
const itemHandlers: Record<string, ItemHandler> = {
  message: (messages, item) => appendMessage(messages, item),
  function_call: (messages, item) =>
    appendToolCall(messages, String(item['call_id']), String(item['name']), String(item['arguments'] ?? '')),
  custom_tool_call: (messages, item) =>
    appendToolCall(
      messages,
      String(item['call_id']),
      String(item['name']),
      JSON.stringify({ input: item['input'] ?? '' }),
    ),
  function_call_output: toolOutputMessage,
  custom_tool_call_output: toolOutputMessage,
  reasoning: () => undefined,
};

function appendItem(messages: Json[], item: Json): void {
  const type = String(item['type'] ?? (item['role'] !== undefined ? 'message' : ''));
  const handler = itemHandlers[type];
  if (!handler) {
    throw new GatewayError('invalid_request', {
      param: 'input',
      message: `Input items of type "${type}" record a hosted tool that only a Responses upstream can replay; this model is served through a chat-only API.`,
    });
  }
  handler(messages, item);
}

function appendMessage(messages: Json[], item: Json): void {
  const role = item['role'] === 'developer' ? 'system' : String(item['role'] ?? 'user');
  const content = item['content'];
  if (role === 'assistant' || role === 'system' || typeof content === 'string') {
    messages.push({ role, content: textOf(content) });
    return;
  }
  const parts = (Array.isArray(content) ? (content as Json[]) : []).map(toChatPart);
  messages.push({ role, content: parts });
}

function toChatPart(part: Json): Json {
  switch (part['type']) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: String(part['text'] ?? '') };
    case 'input_image':
      if (typeof part['image_url'] !== 'string') break;
      return {
        type: 'image_url',
        image_url: { url: part['image_url'], ...(part['detail'] ? { detail: part['detail'] } : {}) },
      };
    case 'input_file': {
      const file: Json = {};
      for (const field of ['file_id', 'file_data', 'filename'] as const)
        if (part[field] !== undefined) file[field] = part[field];
      if (Object.keys(file).length > 0) return { type: 'file', file };
      break;
    }
  }
  throw new GatewayError('invalid_request', {
    param: 'input',
    message: `Content parts of type "${String(part['type'])}" (or without inline data) cannot be sent to a chat-only upstream.`,
  });
}

function appendToolCall(messages: Json[], callId: string, name: string, args: string): void {
  const call = { id: callId, type: 'function', function: { name, arguments: args } };
  const last = messages.at(-1);
  // Parallel calls (and a text preamble) belong to one assistant turn in chat.
  if (last?.['role'] === 'assistant') {
    last['tool_calls'] = [...((last['tool_calls'] as Json[] | undefined) ?? []), call];
    if (last['content'] === '') last['content'] = null;
    return;
  }
  messages.push({ role: 'assistant', content: null, tool_calls: [call] });
}

function toolOutput(output: unknown): string {
  return typeof output === 'string' ? output : textOf(output);
}

function toChatTools(tools: unknown): ChatTool[] {
  if (!Array.isArray(tools)) return [];
  return (tools as Json[]).flatMap((tool): ChatTool[] => {
    if (tool['type'] === 'function') {
      const fn: ChatTool['function'] = {
        name: String(tool['name']),
        parameters: obj(tool['parameters'] ?? { type: 'object', properties: {} }),
      };
      if (typeof tool['description'] === 'string') fn.description = tool['description'];
      if (typeof tool['strict'] === 'boolean') fn.strict = tool['strict'];
      return [{ type: 'function', function: fn }];
    }
    if (tool['type'] === 'custom') {
      const grammar = (tool['format'] as Json | undefined)?.['definition'];
      const description = [
        tool['description'],
        grammar ? `Input must follow this grammar:\n${String(grammar)}` : '',
      ]
        .filter((part) => typeof part === 'string' && part.length > 0)
        .join('\n\n');
      return [
        {
          type: 'function',
          function: {
            name: String(tool['name']),
            description,
            parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
          },
        },
      ];
    }
    return []; // hosted tools: see the module comment
  });
}

function toChatToolChoice(choice: unknown): ChatToolChoice {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  const record = obj(choice);
  if (record['type'] === 'function' || record['type'] === 'custom') {
    return { type: 'function', function: { name: String(record['name']) } };
  }
  if (record['type'] === 'allowed_tools') {
    const tools = (Array.isArray(record['tools']) ? (record['tools'] as Json[]) : []).map((tool) => ({
      type: 'function',
      function: { name: tool['name'] },
    }));
    const mode = record['mode'] === 'required' ? 'required' : 'auto';
    return { type: 'allowed_tools', allowed_tools: { mode, tools } };
  }
  throw new GatewayError('invalid_request', {
    param: 'tool_choice',
    message: `tool_choice of type "${String(record['type'])}" names a hosted tool, which a chat-only upstream cannot run.`,
  });
}

function toChatResponseFormat(format: unknown): ChatRequest['response_format'] {
  const record = (format ?? {}) as Json;
  if (record['type'] === 'json_object') return { type: 'json_object' };
  if (record['type'] !== 'json_schema') return undefined;
  const schema: Json = { name: record['name'] ?? 'response', schema: record['schema'] ?? {} };
  if (record['description'] !== undefined) schema['description'] = record['description'];
  if (typeof record['strict'] === 'boolean') schema['strict'] = record['strict'];
  return { type: 'json_schema', json_schema: schema };
}

/** Names of the request's custom tools: their emulated function calls turn back into custom_tool_call items. */
export function customToolNames(body: Json): Set<string> {
  const tools = Array.isArray(body['tools']) ? (body['tools'] as Json[]) : [];
  return new Set(tools.filter((tool) => tool['type'] === 'custom').map((tool) => String(tool['name'])));
}
