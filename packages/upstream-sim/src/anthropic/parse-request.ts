import { fail } from './errors.ts';
import { type BlockContext, parseCacheControl, parseTextBlock } from './parse-blocks.ts';
import { checkThinkingContinuation, parseMessages } from './parse-messages.ts';
import {
  EFFORTS,
  type Effort,
  type MessagesRequest,
  type PromptBlock,
  type ThinkingConfig,
  type ToolChoice,
  type ToolDefinition,
} from './types.ts';
import {
  at,
  expectArray,
  expectInteger,
  expectLiteral,
  expectObject,
  expectString,
  optionalBoolean,
  optionalNumber,
  rejectExtraFields,
  requireField,
} from './wire-checks.ts';

/** Top-level body fields of `POST /v1/messages` (stable and beta, per SDK 1.12). */
const CREATE_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'stream',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
  'metadata',
  'cache_control',
  'service_tier',
  'container',
  'inference_geo',
  'context_management',
  'diagnostics',
  'speed',
  'billing_policy',
  'compaction',
  'fallback_credit_token',
  'fallbacks',
  'mcp_servers',
  'thread',
]);

/** Top-level body fields of `POST /v1/messages/count_tokens`: no `max_tokens`, no `stream`. */
const COUNT_FIELDS = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
  'cache_control',
  'context_management',
  'mcp_servers',
  'speed',
  'billing_policy',
  'compaction',
]);

const TOOL_FIELDS = new Set([
  'type',
  'name',
  'description',
  'input_schema',
  'cache_control',
  'allowed_callers',
  'defer_loading',
  'eager_input_streaming',
  'input_examples',
  'strict',
]);

const MAX_BREAKPOINTS = 4;
const MIN_THINKING_BUDGET = 1024;

export interface ParseOptions {
  mode: 'create' | 'count';
  betas: readonly string[];
  verifySignature(thinking: string, signature: string): boolean;
}

/**
 * Checks a body the way the API does and keeps what the simulator needs. Unknown top-level
 * fields are rejected (`<field>: Extra inputs are not permitted`), as upstream; nested objects the
 * simulator does not interpret (`context_management`, `metadata`, server tools…) pass as they are.
 * Throws `AnthropicRequestError`.
 * @see https://docs.claude.com/en/api/messages
 */
export function parseMessagesRequest(value: unknown, options: ParseOptions): MessagesRequest {
  const body = expectObject(value, 'body');
  const create = options.mode === 'create';
  const model = expectString(requireField(body, 'model', ''), 'model');
  const maxTokens = create ? expectInteger(requireField(body, 'max_tokens', ''), 'max_tokens', 0) : undefined;
  const messagesValue = requireField(body, 'messages', '');
  rejectExtraFields(body, create ? CREATE_FIELDS : COUNT_FIELDS, '');

  const context: BlockContext = { breakpoints: { count: 0 }, verifySignature: options.verifySignature };
  const tools = parseTools(body['tools'], context);
  const system = parseSystem(body['system'], context);
  const messages = parseMessages(messagesValue, options.betas, context);
  const automaticCache = parseCacheControl(body['cache_control'], 'cache_control', context);
  if (context.breakpoints.count > MAX_BREAKPOINTS) {
    fail(
      `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${context.breakpoints.count}.`,
    );
  }
  const temperature = optionalNumber(body['temperature'], 'temperature', 0, 1);
  optionalNumber(body['top_p'], 'top_p', 0, 1);
  if (body['top_k'] != null) expectInteger(body['top_k'], 'top_k', 0);
  if (body['metadata'] != null) {
    const metadata = expectObject(body['metadata'], 'metadata');
    if (metadata['user_id'] != null) expectString(metadata['user_id'], 'metadata.user_id');
  }
  const toolChoice = parseToolChoice(body['tool_choice'], tools);
  const thinking = parseThinking(body['thinking'], maxTokens);
  const output = parseOutput(body['output_config'], body['output_format']);
  if (thinking.type !== 'disabled') {
    if (toolChoice.type === 'any' || toolChoice.type === 'tool') {
      fail('Thinking may not be enabled when tool_choice forces tool use.');
    }
    if (temperature !== undefined && temperature !== 1) {
      fail(
        '`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at ' +
          'https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility',
      );
    }
    checkThinkingContinuation(messages);
  }
  return {
    model,
    maxTokens,
    stream: create ? (optionalBoolean(body['stream'], 'stream') ?? false) : false,
    tools,
    system,
    messages,
    stopSequences: parseStopSequences(body['stop_sequences']),
    toolChoice,
    thinking,
    effort: output.effort,
    outputSchema: output.schema,
    automaticCache,
  };
}

function parseSystem(value: unknown, context: BlockContext): PromptBlock[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return [{ promptText: value, media: [], cache: undefined }];
  return expectArray(value, 'system').map((entry, index) => {
    const path = at('system', index);
    const block = expectObject(entry, path);
    expectLiteral(requireField(block, 'type', path), ['text'], at(path, 'type'));
    return parseTextBlock(block, path, context);
  });
}

/**
 * Client tools (no `type`, or `custom`) need a name and an object `input_schema`; versioned
 * server tools (`web_search_20250305`, `bash_20250124`, …) and MCP toolsets are accepted and
 * count as prompt, but the simulator never calls them.
 * @see https://docs.claude.com/en/docs/agents-and-tools/tool-use/implement-tool-use
 */
function parseTools(value: unknown, context: BlockContext): ToolDefinition[] {
  if (value === undefined || value === null) return [];
  const names = new Set<string>();
  return expectArray(value, 'tools').map((entry, index) => {
    const path = at('tools', index);
    const tool = expectObject(entry, path);
    const type = tool['type'];
    const parsed =
      type === undefined || type === null || type === 'custom'
        ? parseClientTool(tool, at(path, 'custom'), context)
        : parseServerTool(tool, path, context);
    if (names.has(parsed.name)) fail('tools: Tool names must be unique.');
    names.add(parsed.name);
    return parsed;
  });
}

function parseClientTool(tool: Record<string, unknown>, path: string, context: BlockContext): ToolDefinition {
  rejectExtraFields(tool, TOOL_FIELDS, path);
  const name = expectString(requireField(tool, 'name', path), at(path, 'name'));
  if (!/^[a-zA-Z0-9_-]{1,128}$/.test(name)) {
    fail(`${at(path, 'name')}: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
  }
  const schemaPath = at(path, 'input_schema');
  const inputSchema = expectObject(requireField(tool, 'input_schema', path), schemaPath);
  expectLiteral(requireField(inputSchema, 'type', schemaPath), ['object'], at(schemaPath, 'type'));
  const description =
    tool['description'] == null ? undefined : expectString(tool['description'], at(path, 'description'));
  return {
    name,
    custom: true,
    inputSchema,
    promptText: JSON.stringify({ name, description, input_schema: inputSchema }),
    media: [],
    cache: parseCacheControl(tool['cache_control'], at(path, 'cache_control'), context),
  };
}

function parseServerTool(tool: Record<string, unknown>, path: string, context: BlockContext): ToolDefinition {
  const type = expectString(tool['type'], at(path, 'type'));
  if (!/^[a-z_]+_\d{8}$/.test(type) && type !== 'mcp_toolset') {
    fail(
      `${path}: Input tag '${type}' found using 'type' does not match any of the expected tags: 'custom', ` +
        "'bash_20250124', 'code_execution_20250825', 'memory_20250818', 'text_editor_20250728', " +
        "'web_search_20250305', 'web_fetch_20250910', 'tool_search_tool_regex_20251119', 'mcp_toolset'",
    );
  }
  const name = typeof tool['name'] === 'string' ? tool['name'] : type;
  return {
    name,
    custom: false,
    inputSchema: {},
    promptText: JSON.stringify(tool),
    media: [],
    cache: parseCacheControl(tool['cache_control'], at(at(path, type), 'cache_control'), context),
  };
}

function parseToolChoice(value: unknown, tools: readonly ToolDefinition[]): ToolChoice {
  if (value === undefined || value === null) return { type: 'auto', disableParallel: false };
  const choice = expectObject(value, 'tool_choice');
  const type = expectLiteral(
    requireField(choice, 'type', 'tool_choice'),
    ['auto', 'any', 'tool', 'none'],
    'tool_choice.type',
  );
  const path = at('tool_choice', type);
  if (type === 'none') return { type };
  const disableParallel =
    optionalBoolean(choice['disable_parallel_tool_use'], at(path, 'disable_parallel_tool_use')) ?? false;
  if (type !== 'tool') return { type, disableParallel };
  const name = expectString(requireField(choice, 'name', path), at(path, 'name'));
  if (!tools.some((tool) => tool.name === name))
    fail(`${at(path, 'name')}: Tool '${name}' not found in \`tools\``);
  return { type, name, disableParallel };
}

/**
 * `enabled` needs `budget_tokens` ≥ 1024 and below `max_tokens`; `adaptive` lets the model decide
 * (the effort level sets how much it thinks here).
 * @see https://docs.claude.com/en/docs/build-with-claude/extended-thinking
 */
function parseThinking(value: unknown, maxTokens: number | undefined): ThinkingConfig {
  if (value === undefined || value === null) return { type: 'disabled' };
  const thinking = expectObject(value, 'thinking');
  const type = expectLiteral(
    requireField(thinking, 'type', 'thinking'),
    ['enabled', 'disabled', 'adaptive'],
    'thinking.type',
  );
  if (type === 'disabled') return { type };
  const path = at('thinking', type);
  const display =
    thinking['display'] == null
      ? 'summarized'
      : expectLiteral(thinking['display'], ['summarized', 'omitted'], at(path, 'display'));
  if (type === 'adaptive') return { type, display };
  const budgetTokens = expectInteger(
    requireField(thinking, 'budget_tokens', path),
    at(path, 'budget_tokens'),
    MIN_THINKING_BUDGET,
  );
  if (maxTokens !== undefined && maxTokens <= budgetTokens) {
    fail(
      '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at ' +
        'https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size',
    );
  }
  return { type, budgetTokens, display };
}

function parseOutput(
  outputConfig: unknown,
  outputFormat: unknown,
): { effort: Effort | undefined; schema: Record<string, unknown> | undefined } {
  let effort: Effort | undefined;
  let schema: Record<string, unknown> | undefined;
  if (outputConfig !== undefined && outputConfig !== null) {
    const config = expectObject(outputConfig, 'output_config');
    if (config['effort'] != null) effort = expectLiteral(config['effort'], EFFORTS, 'output_config.effort');
    if (config['format'] != null) schema = parseFormat(config['format'], 'output_config.format');
  }
  if (outputFormat !== undefined && outputFormat !== null)
    schema = parseFormat(outputFormat, 'output_format');
  return { effort, schema };
}

function parseFormat(value: unknown, path: string): Record<string, unknown> {
  const format = expectObject(value, path);
  expectLiteral(requireField(format, 'type', path), ['json_schema'], at(path, 'type'));
  return expectObject(requireField(format, 'schema', path), at(path, 'schema'));
}

function parseStopSequences(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return expectArray(value, 'stop_sequences')
    .map((entry, index) => expectString(entry, at('stop_sequences', index)))
    .filter((sequence) => sequence !== '');
}
