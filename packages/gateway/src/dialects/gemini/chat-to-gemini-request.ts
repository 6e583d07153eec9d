import type { ChatRequest, Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { obj } from '../json-fields.ts';
import { signatureOf } from '../openai-chat/extra-content.ts';
import { thoughtSignaturePart } from './thought-signatures.ts';

const refuse = (param: string, message: string): GatewayError =>
  new GatewayError('invalid_request', { param, message });

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/**
 * A Chat Completions request → a Gemini `generateContent` body, for a native Gemini
 * upstream. System and developer messages become
 * `systemInstruction` (one that comes mid-conversation is kept as user text);
 * assistant turns become `model` turns with `functionCall` parts, carrying each call's
 * `thoughtSignature` back from `extra_content` (Gemini 3 rejects a replayed call without
 * it); tool results are `functionResponse` parts, named after the call they answer, all
 * results of a turn in one `user` content. What Gemini cannot express is refused.
 * @see https://ai.google.dev/api/generate-content#request-body
 */
export function chatToGeminiRequest(chat: ChatRequest, upstreamModel: string): Json {
  refuseUnsupported(chat);
  const system: Json[] = [];
  const contents: Json[] = [];
  const callNames = new Map<string, string>();
  const push = (role: 'user' | 'model', parts: Json[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.['role'] === role) (last['parts'] as Json[]).push(...parts);
    else contents.push({ role, parts });
  };

  for (const [index, message] of list(chat['messages']).entries()) {
    const at = `messages[${index}]`;
    const role = message?.['role'];
    if (role === 'system' || role === 'developer') {
      const text = plainText(message['content'], `${at}.content`);
      if (contents.length === 0) system.push({ text });
      else push('user', [{ text }]);
    } else if (role === 'user') {
      push('user', userParts(message['content'], `${at}.content`));
    } else if (role === 'assistant') {
      push('model', modelParts(message, at, callNames));
    } else if (role === 'tool') {
      const id = String(message['tool_call_id'] ?? '');
      const name = callNames.get(id);
      if (!name) {
        throw refuse(
          `${at}.tool_call_id`,
          `No assistant tool call with id "${id}" precedes this tool result; Gemini needs the function's name, taken from that call.`,
        );
      }
      push('user', [
        { functionResponse: { name, response: { output: plainText(message['content'], `${at}.content`) } } },
      ]);
    } else {
      throw refuse(`${at}.role`, `Message role "${String(role)}" cannot be sent to a Gemini model.`);
    }
  }
  if (contents.length === 0) throw refuse('messages', 'At least one user or assistant message is required.');

  const body: Json = { contents };
  if (system.length > 0) body['systemInstruction'] = { parts: system };
  const tools = functionDeclarations(chat['tools']);
  if (tools.length > 0) body['tools'] = [{ functionDeclarations: tools }];
  const toolConfig = functionCallingConfig(chat['tool_choice']);
  if (toolConfig) body['toolConfig'] = { functionCallingConfig: toolConfig };
  const generationConfig = generationConfigOf(chat, upstreamModel);
  if (Object.keys(generationConfig).length > 0) body['generationConfig'] = generationConfig;
  return body;
}

function refuseUnsupported(chat: Json): void {
  if (chat['logit_bias'] !== undefined && chat['logit_bias'] !== null) {
    throw refuse('logit_bias', 'logit_bias is not supported by Gemini models.');
  }
  const modalities = chat['modalities'];
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== 'text')) {
    throw refuse('modalities', 'Only text output is supported for this model through Chat Completions.');
  }
  if (chat['audio'] !== undefined && chat['audio'] !== null) {
    throw refuse('audio', 'Audio output is not supported for this model through Chat Completions.');
  }
}

/** Text of a system/tool message: a string, or text parts joined. */
function plainText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return list(content)
    .map((part, index) => {
      if (part?.['type'] === 'text' && typeof part['text'] === 'string') return part['text'];
      throw refuse(`${param}[${index}]`, 'Only text parts are allowed here.');
    })
    .join('');
}

function userParts(content: unknown, param: string): Json[] {
  if (typeof content === 'string') return [{ text: content }];
  return list(content).map((part, index) => contentPart(part, `${param}[${index}]`));
}

const dataUrl = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;
const audioTypes: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mp3' };

/**
 * One chat content part → a Gemini part.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 * @see https://ai.google.dev/api/caching#Part
 */
function contentPart(part: Json, param: string): Json {
  switch (part?.['type']) {
    case 'text':
      return { text: String(part['text'] ?? '') };
    case 'image_url': {
      const url = String(obj(part['image_url'])['url'] ?? '');
      const inline = dataUrl.exec(url);
      if (inline) return { inlineData: { mimeType: inline[1], data: inline[2] } };
      if (/^https?:\/\//.test(url)) return { fileData: { fileUri: url, mimeType: mimeFromUrl(url) } };
      throw refuse(`${param}.image_url.url`, 'Image URLs must be http(s) or base64 data URLs.');
    }
    case 'input_audio': {
      const audio = obj(part['input_audio']);
      const mimeType = audioTypes[String(audio['format'])];
      if (!mimeType) throw refuse(`${param}.input_audio.format`, 'Audio format must be wav or mp3.');
      return { inlineData: { mimeType, data: String(audio['data'] ?? '') } };
    }
    case 'file': {
      const file = obj(part['file']);
      const inline = dataUrl.exec(String(file['file_data'] ?? ''));
      if (inline) return { inlineData: { mimeType: inline[1], data: inline[2] } };
      if (typeof file['file_data'] === 'string') {
        return { inlineData: { mimeType: 'application/pdf', data: file['file_data'] } };
      }
      throw refuse(
        `${param}.file`,
        'Uploaded OpenAI file ids cannot be read by Gemini; send the file inline.',
      );
    }
    default:
      throw refuse(
        `${param}.type`,
        `Content part type "${String(part?.['type'])}" cannot be sent to a Gemini model.`,
      );
  }
}

const imageTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
};

function mimeFromUrl(url: string): string {
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase() ?? '';
  return imageTypes[extension] ?? 'image/jpeg';
}

/** An assistant turn: its text (with a text answer's signature) and its calls, in order. */
function modelParts(message: Json, at: string, callNames: Map<string, string>): Json[] {
  const parts: Json[] = [];
  const content = message['content'];
  const text =
    typeof content === 'string'
      ? content
      : list(content)
          .map((part) => (typeof part?.['text'] === 'string' ? part['text'] : ''))
          .join('');
  const signature = signatureOf(message);
  if (text.length > 0 || signature !== undefined) parts.push({ text, ...thoughtSignaturePart(signature) });
  for (const [index, call] of list(message['tool_calls']).entries()) {
    const fn = obj(call['function']);
    const name = String(fn['name'] ?? '');
    callNames.set(String(call['id'] ?? ''), name);
    parts.push({
      functionCall: {
        name,
        args: parseArguments(fn['arguments'], `${at}.tool_calls[${index}].function.arguments`),
      },
      ...thoughtSignaturePart(signatureOf(call)),
    });
  }
  return parts;
}

function parseArguments(raw: unknown, param: string): Json {
  if (raw === undefined || raw === null || raw === '') return {};
  try {
    const parsed = JSON.parse(String(raw)) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json;
  } catch {
    // reported below
  }
  throw refuse(param, 'Tool call arguments must be a JSON object for Gemini.');
}

function functionDeclarations(tools: unknown): Json[] {
  return list(tools).map((tool, index) => {
    if (tool?.['type'] !== 'function') {
      throw refuse(
        `tools[${index}].type`,
        `Tool type "${String(tool?.['type'])}" cannot be sent to a Gemini model.`,
      );
    }
    const fn = obj(tool['function']);
    return {
      name: String(fn['name'] ?? ''),
      ...(typeof fn['description'] === 'string' ? { description: fn['description'] } : {}),
      ...(fn['parameters'] ? { parametersJsonSchema: fn['parameters'] } : {}),
    };
  });
}

/**
 * Chat `tool_choice` → Gemini `toolConfig.functionCallingConfig`.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tool_choice
 * @see https://ai.google.dev/api/caching#FunctionCallingConfig
 */
function functionCallingConfig(choice: unknown): Json | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  const record = obj(choice);
  if (record['type'] === 'function') {
    return { mode: 'ANY', allowedFunctionNames: [String(obj(record['function'])['name'] ?? '')] };
  }
  if (record['type'] === 'allowed_tools') {
    const allowed = obj(record['allowed_tools']);
    const names = list(allowed['tools']).map((tool) =>
      String(obj(tool['function'])['name'] ?? tool['name'] ?? ''),
    );
    return { mode: allowed['mode'] === 'required' ? 'ANY' : 'AUTO', allowedFunctionNames: names };
  }
  throw refuse('tool_choice', 'Unsupported tool_choice for a Gemini model.');
}

const renamed: Record<string, string> = {
  temperature: 'temperature',
  top_p: 'topP',
  seed: 'seed',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
  n: 'candidateCount',
  top_logprobs: 'logprobs',
};

/**
 * Gemini 2.x thinks by budget; Gemini 3 by level (enum to enum where there is one).
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
const budgets: Record<string, number> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24_576,
  xhigh: 32_768,
  max: 32_768,
};
const levels: Record<string, string> = {
  minimal: 'MINIMAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  xhigh: 'HIGH',
  max: 'HIGH',
};

function generationConfigOf(chat: Json, upstreamModel: string): Json {
  const config: Json = {};
  for (const [from, to] of Object.entries(renamed)) {
    if (chat[from] !== undefined && chat[from] !== null) config[to] = chat[from];
  }
  const cap = chat['max_completion_tokens'] ?? chat['max_tokens'];
  if (typeof cap === 'number') config['maxOutputTokens'] = cap;
  const stop = chat['stop'];
  if (typeof stop === 'string') config['stopSequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) config['stopSequences'] = stop;
  if (chat['logprobs'] === true) config['responseLogprobs'] = true;

  const format = obj(chat['response_format']);
  if (format['type'] === 'json_object') config['responseMimeType'] = 'application/json';
  else if (format['type'] === 'json_schema') {
    config['responseMimeType'] = 'application/json';
    const schema = obj(format['json_schema'])['schema'];
    if (schema) config['responseJsonSchema'] = schema;
  } else if (format['type'] !== undefined && format['type'] !== 'text') {
    throw refuse(
      'response_format.type',
      `response_format "${String(format['type'])}" is not supported by Gemini.`,
    );
  }

  const effort = chat['reasoning_effort'];
  if (typeof effort === 'string') {
    if (effort === 'none') config['thinkingConfig'] = { thinkingBudget: 0 };
    else if (!(effort in levels)) throw refuse('reasoning_effort', `Unknown reasoning_effort "${effort}".`);
    else if (/^gemini-2\./.test(upstreamModel))
      config['thinkingConfig'] = { thinkingBudget: budgets[effort] };
    else config['thinkingConfig'] = { thinkingLevel: levels[effort] };
  }
  return config;
}
