import type { ChatMessage, ChatRequest, Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { obj } from '../json-fields.ts';
import { signatureField } from '../openai-chat/extra-content.ts';
import { applyGenerationConfig } from './generation-config.ts';
import { type ToolNames, toolNames } from './tool-names.ts';
import { applyTools } from './tools-to-chat.ts';

export interface GeminiToChatOptions {
  stream: boolean;
  /**
   * The upstream's own `reasoning_content` for the turn that made this tool call, if
   * the caller kept it (DeepSeek's thinking mode answers 400 without it; the Gemini
   * client drops thought parts from its history). See `ChatToGeminiOptions.onReasoning`.
   */
  reasoningFor?: (toolCallId: string) => string | undefined;
}

/**
 * Gemini `GenerateContentRequest` → Chat Completions request, for a client speaking
 * Gemini (`@google/genai`, Gemini CLI) in front of a chat-only model. The model comes
 * from the URL path, never the body.
 *
 * Lossy spots, chosen so an agent conversation keeps its meaning:
 * - `thought: true` parts in the history are dropped: thought summaries are not input.
 * - `thoughtSignature`s are kept where Google's OpenAI-compatible endpoint reads them:
 *   a functionCall's on its tool call, a text (or thought) part's on the assistant
 *   message, as `extra_content.google.thought_signature` — at most one per message,
 *   the last. Upstreams other than Google ignore it or need it stripped by their adapter.
 * - Function calls without `id` get `call_<content index>_<call ordinal>`, stable as
 *   the history grows. A `functionResponse` pairs with the previous model turn's call
 *   of the same `id`, else the first unanswered call of the same name; its `response`
 *   object becomes the tool message's JSON text. Its `parts` (media) follow in the
 *   next user message, as chat tool messages are text only.
 * - Consecutive model turns merge, like the anthropic dialect does.
 * - `safetySettings`, `serviceTier`, `labels` and `toolConfig.retrievalConfig` are
 *   dropped: chat upstreams apply their own policies and have no such knobs.
 * - Refused with a 400: `cachedContent` (its context lives in a Gemini cache), media
 *   other than images, wav/mp3 audio and PDF, file URIs other than images, and parts
 *   only Gemini can replay (executableCode, codeExecutionResult, generated media).
 * @see https://ai.google.dev/api/generate-content#method:-models.generatecontent
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function geminiToChat(
  body: Json,
  upstreamModel: string,
  options: GeminiToChatOptions = { stream: false },
): ChatRequest {
  if (body['cachedContent'] !== undefined && body['cachedContent'] !== null) {
    throw refuse(
      'cachedContent',
      'cachedContent needs a Gemini upstream; this model is served through a chat-only API. Send the cached context in contents instead.',
    );
  }
  const context: Context = { messages: [], calls: [], names: toolNames(body), options };
  const system = systemText(body['systemInstruction']);
  if (system.length > 0) context.messages.push({ role: 'system', content: system });
  list(body['contents']).forEach((content, index) => {
    const role = String(content['role'] ?? 'user');
    const handler = roleHandlers[role];
    if (!handler) throw refuse(`contents.${index}.role`, `Unknown role "${role}"; use user or model.`);
    handler(context, content, `contents.${index}`, index);
  });
  const chat: ChatRequest = { model: upstreamModel, messages: context.messages as ChatMessage[] };
  if (options.stream) chat['stream'] = true;
  applyTools(chat, body, context.names);
  applyGenerationConfig(chat, body);
  return chat;
}

interface PendingCall {
  id: string;
  name: string;
  answered: boolean;
}

interface Context {
  messages: Json[];
  /** The latest model turn's calls, in order, to pair function responses with. */
  calls: PendingCall[];
  names: ToolNames;
  options: GeminiToChatOptions;
}

const refuse = (param: string, message: string): GatewayError =>
  new GatewayError('invalid_request', { param, message });

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/**
 * A part holds exactly one data field (its `data` union); the rest is metadata.
 * @see https://ai.google.dev/api/caching#Part
 */
const dataFields = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
] as const;
const metadataFields = new Set([
  'thought',
  'thoughtSignature',
  'videoMetadata',
  'mediaResolution',
  'partMetadata',
]);

/** A part's data field; `empty` for a part of metadata only (e.g. a lone signature). */
function kindOf(part: Json): string {
  const known = dataFields.find((field) => part[field] !== undefined && part[field] !== null);
  return known ?? Object.keys(part).find((key) => !metadataFields.has(key)) ?? 'empty';
}

function systemText(instruction: unknown): string {
  if (typeof instruction === 'string') return instruction;
  return list(obj(instruction)['parts'])
    .filter((part) => typeof part['text'] === 'string' && part['thought'] !== true)
    .map((part) => part['text'] as string)
    .join('\n\n');
}

type RoleHandler = (context: Context, content: Json, param: string, turn: number) => void;

const roleHandlers: Record<string, RoleHandler> = {
  user: appendUser,
  model: appendModel,
  // The v1beta role older clients used for function responses.
  function: appendUser,
};

type PartMapper = (part: Json, param: string) => Json[];

/**
 * User parts → chat content parts.
 * @see https://ai.google.dev/api/caching#Part
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 */
const userParts: Record<string, PartMapper> = {
  text: (part) => (part['thought'] === true ? [] : [{ type: 'text', text: String(part['text']) }]),
  empty: () => [],
  inlineData: (part, param) => [inlinePart(obj(part['inlineData']), `${param}.inlineData`)],
  fileData: (part, param) => [filePart(obj(part['fileData']), `${param}.fileData`)],
};

const audioFormats: Record<string, string> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mp3': 'mp3',
  'audio/mpeg': 'mp3',
};

function inlinePart(blob: Json, param: string): Json {
  const mime = String(blob['mimeType'] ?? '');
  const data = String(blob['data'] ?? '');
  if (mime.startsWith('image/'))
    return { type: 'image_url', image_url: { url: `data:${mime};base64,${data}` } };
  const format = audioFormats[mime];
  if (format) return { type: 'input_audio', input_audio: { data, format } };
  if (mime === 'application/pdf') {
    const filename = typeof blob['displayName'] === 'string' ? blob['displayName'] : 'document.pdf';
    return { type: 'file', file: { filename, file_data: `data:${mime};base64,${data}` } };
  }
  throw refuse(
    `${param}.mimeType`,
    `inlineData of type "${mime}" cannot be sent to a chat-only upstream; images, wav/mp3 audio and PDF can.`,
  );
}

function filePart(file: Json, param: string): Json {
  const mime = String(file['mimeType'] ?? '');
  if (mime.startsWith('image/')) return { type: 'image_url', image_url: { url: String(file['fileUri']) } };
  throw refuse(
    `${param}.mimeType`,
    `fileData of type "${mime}" cannot be sent to a chat-only upstream; send images by URI, other media as inlineData.`,
  );
}

function appendUser(context: Context, content: Json, param: string): void {
  const attachments: Json[] = [];
  const parts: Json[] = [];
  list(content['parts']).forEach((part, index) => {
    const at = `${param}.parts.${index}`;
    const kind = kindOf(part);
    if (kind === 'functionResponse') {
      context.messages.push(toolMessage(context, obj(part['functionResponse']), at, attachments));
      return;
    }
    const mapper = userParts[kind];
    if (!mapper) {
      throw refuse(at, `User parts of type "${kind}" cannot be sent to a chat-only upstream.`);
    }
    parts.push(...mapper(part, at));
  });
  const all = [...attachments, ...parts];
  if (all.length === 0) return;
  const [first] = all;
  const single = all.length === 1 && first?.['type'] === 'text';
  context.messages.push({ role: 'user', content: single ? first['text'] : all });
}

function toolMessage(context: Context, response: Json, param: string, attachments: Json[]): Json {
  const id = pairCall(context, response, param);
  const media = list(response['parts']).flatMap((part, index) => {
    const at = `${param}.functionResponse.parts.${index}`;
    const mapper = userParts[kindOf(part)];
    if (!mapper) throw refuse(at, `Function response parts of type "${kindOf(part)}" cannot be sent.`);
    return mapper(part, at);
  });
  if (media.length > 0) {
    attachments.push({ type: 'text', text: `Attachments of the result of tool call ${id}:` }, ...media);
  }
  return { role: 'tool', tool_call_id: id, content: JSON.stringify(response['response'] ?? {}) };
}

/**
 * By id when the call had one, else by name and order.
 * @see https://ai.google.dev/api/caching#FunctionResponse
 */
function pairCall(context: Context, response: Json, param: string): string {
  const name = String(response['name'] ?? '');
  const open = context.calls.filter((call) => !call.answered);
  const call =
    open.find((candidate) => typeof response['id'] === 'string' && candidate.id === response['id']) ??
    open.find((candidate) => candidate.name === name);
  if (!call) {
    throw refuse(
      `${param}.functionResponse`,
      `functionResponse "${name}" answers no unanswered functionCall of the previous model turn.`,
    );
  }
  call.answered = true;
  return call.id;
}

interface ModelTurn {
  text: string[];
  calls: Json[];
  signature: unknown;
}

type ModelPartHandler = (turn: ModelTurn, part: Json, id: string, context: Context) => void;

/** Model parts; thoughts leave only their signature, anything else is refused. */
const modelParts: Record<string, ModelPartHandler> = {
  text: (turn, part) => {
    if (part['thought'] !== true) turn.text.push(String(part['text']));
    turn.signature = part['thoughtSignature'] ?? turn.signature;
  },
  empty: (turn, part) => {
    turn.signature = part['thoughtSignature'] ?? turn.signature;
  },
  functionCall: (turn, part, id, context) => {
    const call = obj(part['functionCall']);
    const name = String(call['name'] ?? '');
    context.calls.push({ id, name, answered: false });
    turn.calls.push({
      id,
      type: 'function',
      function: { name: context.names.toChat(name), arguments: JSON.stringify(call['args'] ?? {}) },
      ...signatureField(part['thoughtSignature']),
    });
  },
};

function appendModel(context: Context, content: Json, param: string, turnIndex: number): void {
  const last = context.messages.at(-1);
  if (last?.['role'] !== 'assistant') context.calls = [];
  const turn: ModelTurn = { text: [], calls: [], signature: undefined };
  list(content['parts']).forEach((part, index) => {
    const kind = kindOf(part);
    const handler = modelParts[kind];
    if (!handler) {
      throw refuse(
        `${param}.parts.${index}`,
        `Model parts of type "${kind}" can only be replayed to a Gemini upstream; this model is served through a chat-only API.`,
      );
    }
    const given = obj(part['functionCall'])['id'];
    const id =
      typeof given === 'string' && given.length > 0 ? given : `call_${turnIndex}_${turn.calls.length}`;
    handler(turn, part, id, context);
  });
  const text = turn.text.join('');
  if (text.length === 0 && turn.calls.length === 0) return; // only thoughts: nothing visible to keep
  const chat: Json = last?.['role'] === 'assistant' ? last : { role: 'assistant', content: null };
  if (chat !== last) context.messages.push(chat);
  const joined = `${typeof chat['content'] === 'string' ? chat['content'] : ''}${text}`;
  chat['content'] = joined.length > 0 ? joined : null;
  Object.assign(chat, signatureField(turn.signature));
  if (turn.calls.length === 0) return;
  chat['tool_calls'] = [...list(chat['tool_calls']), ...turn.calls];
  const reasoning = context.options.reasoningFor?.(String(turn.calls[0]?.['id']));
  if (reasoning !== undefined) chat['reasoning_content'] = reasoning;
}
