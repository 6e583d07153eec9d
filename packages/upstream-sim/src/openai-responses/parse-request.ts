import { isRecord } from '../json.ts';
import type { OpenAiErrorBody } from '../openai-chat/errors.ts';
import { REASONING_EFFORTS } from '../openai-chat/types.ts';
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
} from '../openai-chat/wire-checks.ts';
import { parseInput } from './parse-input.ts';
import {
  type CallableTool,
  INCLUDABLE,
  REASONING_SUMMARIES,
  type ResponsesRequest,
  type TextFormat,
  type ToolChoice,
} from './types.ts';

export type ParseResult = { ok: true; request: ResponsesRequest } | { ok: false; error: OpenAiErrorBody };

/**
 * Checks a `POST /v1/responses` body the way the API does and keeps what the simulator needs.
 * Unknown fields and tool types pass: clients such as Codex send new ones before SDKs know them.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */
export function parseResponsesRequest(value: unknown): ParseResult {
  try {
    return { ok: true, request: parseBody(value) };
  } catch (error) {
    if (error instanceof InvalidRequestError) return { ok: false, error: error.body };
    throw error;
  }
}

function parseBody(value: unknown): ResponsesRequest {
  const body = expectObject(value, 'body');
  const model = expectString(requireField(body, 'model'), 'model');
  const input = parseInput(requireField(body, 'input'));
  const streamOptions =
    body['stream_options'] == null ? {} : expectObject(body['stream_options'], 'stream_options');
  optionalDecimal(body['temperature'], 'temperature', 0, 2);
  optionalDecimal(body['top_p'], 'top_p', 0, 1);
  optionalInteger(body['top_logprobs'], 'top_logprobs', 0, 20);
  optionalInteger(body['max_tool_calls'], 'max_tool_calls', 1);
  const tools = parseTools(body['tools']);
  const text = body['text'] == null ? {} : expectObject(body['text'], 'text');
  return {
    model,
    input,
    instructions: optionalString(body['instructions'], 'instructions') ?? '',
    previousResponseId: optionalString(body['previous_response_id'], 'previous_response_id'),
    store: optionalBoolean(body['store'], 'store') ?? true,
    background: optionalBoolean(body['background'], 'background') ?? false,
    stream: optionalBoolean(body['stream'], 'stream') ?? false,
    includeObfuscation:
      optionalBoolean(streamOptions['include_obfuscation'], 'stream_options.include_obfuscation') ?? true,
    maxOutputTokens: optionalInteger(body['max_output_tokens'], 'max_output_tokens', 16),
    reasoning: parseReasoning(body['reasoning']),
    textFormat: parseTextFormat(text['format']),
    verbosity:
      text['verbosity'] == null
        ? 'medium'
        : expectOneOf(text['verbosity'], ['low', 'medium', 'high'], 'text.verbosity'),
    tools,
    toolChoice: parseToolChoice(body['tool_choice'], tools),
    parallelToolCalls: optionalBoolean(body['parallel_tool_calls'], 'parallel_tool_calls') ?? true,
    include: parseInclude(body['include']),
    serviceTier: optionalString(body['service_tier'], 'service_tier'),
  };
}

function parseReasoning(value: unknown): ResponsesRequest['reasoning'] {
  if (value == null) return { effort: null, summary: null };
  const reasoning = expectObject(value, 'reasoning');
  const effort = reasoning['effort'];
  // `generate_summary` is the older spelling of `summary`.
  const summary = reasoning['summary'] ?? reasoning['generate_summary'];
  return {
    effort: effort == null ? null : expectOneOf(effort, REASONING_EFFORTS, 'reasoning.effort'),
    summary: summary == null ? null : expectOneOf(summary, REASONING_SUMMARIES, 'reasoning.summary'),
  };
}

/** `text.format`: the JSON-schema fields sit flat on the format (Chat nests them under `json_schema`). */
function parseTextFormat(value: unknown): TextFormat {
  if (value == null) return { type: 'text' };
  const format = expectObject(value, 'text.format');
  const type = expectOneOf(
    requireField(format, 'type', 'text.format.type'),
    ['text', 'json_object', 'json_schema'],
    'text.format.type',
  );
  if (type !== 'json_schema') return { type };
  const name = expectString(requireField(format, 'name', 'text.format.name'), 'text.format.name');
  const schema = expectObject(requireField(format, 'schema', 'text.format.schema'), 'text.format.schema');
  return {
    type,
    name,
    schema,
    description: optionalString(format['description'], 'text.format.description') ?? null,
    strict: optionalBoolean(format['strict'], 'text.format.strict') ?? false,
  };
}

/**
 * Function tools are flat (`{type, name, parameters}`); custom tools take free-form text. Built-in
 * tools (web search, file search, MCP, shell, …) are accepted and never called.
 */
function parseTools(value: unknown): CallableTool[] {
  if (value == null) return [];
  return expectArray(value, 'tools').flatMap((entry, index): CallableTool[] => {
    const param = `tools[${index}]`;
    const tool = expectObject(entry, param);
    const type = expectString(requireField(tool, 'type', `${param}.type`), `${param}.type`);
    if (type !== 'function' && type !== 'custom') return [];
    const name = expectString(requireField(tool, 'name', `${param}.name`), `${param}.name`);
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      fail(
        `Invalid '${param}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        `${param}.name`,
        'invalid_value',
      );
    }
    if (type === 'function') optionalBoolean(tool['strict'], `${param}.strict`);
    return [
      {
        kind: type,
        name,
        description: optionalString(tool['description'], `${param}.description`),
        parameters: tool['parameters'],
      },
    ];
  });
}

/** The function choice is flat too: `{type: "function", name}`. */
function parseToolChoice(value: unknown, tools: CallableTool[]): ToolChoice {
  if (value == null) return { kind: 'auto' };
  if (typeof value === 'string') {
    return { kind: expectOneOf(value, ['none', 'auto', 'required'] as const, 'tool_choice') };
  }
  const choice = expectObject(value, 'tool_choice');
  const type = expectString(requireField(choice, 'type', 'tool_choice.type'), 'tool_choice.type');
  if (type === 'function' || type === 'custom') {
    const name = expectString(requireField(choice, 'name', 'tool_choice.name'), 'tool_choice.name');
    if (!tools.some((tool) => tool.kind === type && tool.name === name)) {
      fail(
        `Invalid value for 'tool_choice': tool '${name}' is not in 'tools'.`,
        'tool_choice',
        'invalid_value',
      );
    }
    return { kind: 'named', name };
  }
  if (type === 'allowed_tools') {
    const mode = expectOneOf(
      requireField(choice, 'mode', 'tool_choice.mode'),
      ['auto', 'required'] as const,
      'tool_choice.mode',
    );
    const names = expectArray(
      requireField(choice, 'tools', 'tool_choice.tools'),
      'tool_choice.tools',
    ).flatMap((entry) => (isRecord(entry) && typeof entry['name'] === 'string' ? [entry['name']] : []));
    return { kind: 'allowed', mode, names };
  }
  return { kind: 'builtin' };
}

function parseInclude(value: unknown): string[] {
  if (value == null) return [];
  return expectArray(value, 'include').map((entry, index) =>
    expectOneOf(entry, INCLUDABLE, `include[${index}]`),
  );
}
