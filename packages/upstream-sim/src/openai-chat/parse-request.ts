import { isRecord } from '../json.ts';
import type { OpenAiErrorBody } from './errors.ts';
import { parseMessages } from './parse-messages.ts';
import {
  type ChatRequest,
  type ChatTool,
  REASONING_EFFORTS,
  type ResponseFormat,
  type ToolChoice,
} from './types.ts';
import {
  expectArray,
  expectObject,
  expectOneOf,
  expectString,
  fail,
  InvalidRequestError,
  optionalBoolean,
  optionalDecimal,
  optionalInteger,
  optionalString,
  requireField,
} from './wire-checks.ts';

export type ParseResult = { ok: true; request: ChatRequest } | { ok: false; error: OpenAiErrorBody };

/**
 * Checks a request body the way the API does and keeps what the simulator needs.
 * Unknown fields pass, as they do upstream for most optional parameters.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function parseChatRequest(value: unknown): ParseResult {
  try {
    return { ok: true, request: parseBody(value) };
  } catch (error) {
    if (error instanceof InvalidRequestError) return { ok: false, error: error.body };
    throw error;
  }
}

function parseBody(value: unknown): ChatRequest {
  const body = expectObject(value, 'body');
  const model = expectString(requireField(body, 'model'), 'model');
  const messages = parseMessages(requireField(body, 'messages'));
  const stream = optionalBoolean(body['stream'], 'stream') ?? false;
  const streamOptions = body['stream_options'];
  if (streamOptions != null && !stream) {
    fail(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
      'invalid_value',
    );
  }
  const options = streamOptions == null ? {} : expectObject(streamOptions, 'stream_options');
  optionalDecimal(body['temperature'], 'temperature', 0, 2);
  optionalDecimal(body['top_p'], 'top_p', 0, 1);
  const maxTokens = optionalInteger(body['max_tokens'], 'max_tokens', 1);
  const tools = parseTools(body['tools']);
  return {
    model,
    messages,
    stream,
    includeUsage: optionalBoolean(options['include_usage'], 'stream_options.include_usage') ?? false,
    includeObfuscation:
      optionalBoolean(options['include_obfuscation'], 'stream_options.include_obfuscation') ?? true,
    maxCompletionTokens:
      optionalInteger(body['max_completion_tokens'], 'max_completion_tokens', 1) ?? maxTokens,
    n: optionalInteger(body['n'], 'n', 1, 128) ?? 1,
    stop: parseStop(body['stop']),
    reasoningEffort:
      body['reasoning_effort'] == null
        ? undefined
        : expectOneOf(body['reasoning_effort'], REASONING_EFFORTS, 'reasoning_effort'),
    tools,
    toolChoice: parseToolChoice(
      body['tool_choice'],
      tools,
      Array.isArray(body['tools']) && body['tools'].length > 0,
    ),
    responseFormat: parseResponseFormat(body['response_format']),
    serviceTier: optionalString(body['service_tier'], 'service_tier'),
  };
}

function parseStop(value: unknown): string[] {
  if (value == null) return [];
  if (typeof value === 'string') return [value];
  const list = expectArray(value, 'stop').map((entry, index) => expectString(entry, `stop[${index}]`));
  if (list.length > 4) {
    fail(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${list.length} instead.`,
      'stop',
      'array_above_max_length',
    );
  }
  return list;
}

function parseTools(value: unknown): ChatTool[] {
  if (value == null) return [];
  return expectArray(value, 'tools').flatMap((entry, index): ChatTool[] => {
    const param = `tools[${index}]`;
    const tool = expectObject(entry, param);
    const type = expectOneOf(
      requireField(tool, 'type', `${param}.type`),
      ['function', 'custom'],
      `${param}.type`,
    );
    // Custom (free-form) tools are accepted but never chosen: the simulator only calls functions.
    if (type === 'custom') return [];
    const fn = expectObject(requireField(tool, 'function', `${param}.function`), `${param}.function`);
    const name = expectString(requireField(fn, 'name', `${param}.function.name`), `${param}.function.name`);
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      fail(
        `Invalid '${param}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        `${param}.function.name`,
        'invalid_value',
      );
    }
    return [
      {
        name,
        description: optionalString(fn['description'], `${param}.function.description`),
        parameters: fn['parameters'],
      },
    ];
  });
}

function parseToolChoice(value: unknown, tools: ChatTool[], anyTools: boolean): ToolChoice {
  if (value == null) return tools.length > 0 ? { kind: 'auto' } : { kind: 'none' };
  if (!anyTools) {
    fail(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
    );
  }
  if (typeof value === 'string') {
    return { kind: expectOneOf(value, ['none', 'auto', 'required'] as const, 'tool_choice') };
  }
  const choice = expectObject(value, 'tool_choice');
  const name = namedChoice(choice);
  if (name === undefined) return { kind: 'auto' };
  if (!tools.some((tool) => tool.name === name)) {
    fail(
      `Invalid value for 'tool_choice': tool '${name}' is not in 'tools'.`,
      'tool_choice',
      'invalid_value',
    );
  }
  return { kind: 'named', name };
}

/** `{type:'function', function:{name}}` names one tool; `allowed_tools` in required mode picks its first. */
function namedChoice(choice: Record<string, unknown>): string | undefined {
  const fn = choice['function'];
  if (isRecord(fn) && typeof fn['name'] === 'string') return fn['name'];
  const allowed = choice['allowed_tools'];
  if (!isRecord(allowed) || !Array.isArray(allowed['tools'])) return undefined;
  const first: unknown = allowed['tools'][0];
  const firstFn = isRecord(first) ? first['function'] : undefined;
  return isRecord(firstFn) && typeof firstFn['name'] === 'string' ? firstFn['name'] : undefined;
}

function parseResponseFormat(value: unknown): ResponseFormat {
  if (value == null) return { type: 'text' };
  const format = expectObject(value, 'response_format');
  const type = expectOneOf(
    requireField(format, 'type', 'response_format.type'),
    ['text', 'json_object', 'json_schema'],
    'response_format.type',
  );
  if (type !== 'json_schema') return { type };
  const jsonSchema = expectObject(
    requireField(format, 'json_schema', 'response_format.json_schema'),
    'response_format.json_schema',
  );
  expectString(
    requireField(jsonSchema, 'name', 'response_format.json_schema.name'),
    'response_format.json_schema.name',
  );
  return { type, schema: jsonSchema['schema'] };
}
