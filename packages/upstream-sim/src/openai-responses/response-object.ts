import type { OutputItem, ResponseBody, ResponseStatus, ResponsesRequest, ResponseUsage } from './types.ts';

// `auto` (and no tier) runs on the default tier; explicit paid tiers are echoed back.
const ECHOED_TIERS = new Set(['flex', 'priority', 'scale']);

export interface ResponseOutcome {
  id: string;
  createdAt: number;
  status: ResponseStatus;
  output: OutputItem[];
  usage: ResponseUsage | null;
  incompleteReason?: string;
}

/**
 * The `response` object in the API's field order: the outcome plus the request parameters it
 * echoes, with the API's defaults filled in.
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
export function responseBody(
  request: ResponsesRequest,
  body: Record<string, unknown>,
  outcome: ResponseOutcome,
): ResponseBody {
  const terminal = outcome.status === 'completed' || outcome.status === 'incomplete';
  const format = request.textFormat;
  return {
    id: outcome.id,
    object: 'response',
    created_at: outcome.createdAt,
    status: outcome.status,
    background: request.background,
    completed_at: terminal ? Math.floor(Date.now() / 1000) : null,
    error: null,
    incomplete_details: outcome.incompleteReason ? { reason: outcome.incompleteReason } : null,
    instructions: body['instructions'] ?? null,
    max_output_tokens: request.maxOutputTokens ?? null,
    max_tool_calls: body['max_tool_calls'] ?? null,
    model: request.model,
    output: outcome.output,
    parallel_tool_calls: request.parallelToolCalls,
    previous_response_id: request.previousResponseId ?? null,
    prompt_cache_key: body['prompt_cache_key'] ?? null,
    prompt_cache_retention: body['prompt_cache_retention'] ?? null,
    reasoning: request.reasoning,
    safety_identifier: body['safety_identifier'] ?? null,
    service_tier:
      request.serviceTier && ECHOED_TIERS.has(request.serviceTier) ? request.serviceTier : 'default',
    store: request.store,
    temperature: body['temperature'] ?? 1,
    text: {
      format:
        format.type === 'json_schema'
          ? {
              type: format.type,
              description: format.description,
              name: format.name,
              schema: format.schema,
              strict: format.strict,
            }
          : { type: format.type },
      verbosity: request.verbosity,
    },
    tool_choice: body['tool_choice'] ?? 'auto',
    tools: body['tools'] ?? [],
    top_logprobs: body['top_logprobs'] ?? 0,
    top_p: body['top_p'] ?? 1,
    truncation: body['truncation'] ?? 'disabled',
    usage: outcome.usage,
    user: body['user'] ?? null,
    metadata: body['metadata'] ?? {},
  };
}

/**
 * The same response before it finished (`response.created`/`in_progress`, a queued background
 * run) or after it was cancelled or failed: no output or usage yet.
 */
export function snapshot(
  body: ResponseBody,
  status: ResponseStatus,
  error: ResponseBody['error'] = null,
): ResponseBody {
  return {
    ...body,
    status,
    completed_at: null,
    error,
    incomplete_details: null,
    output: [],
    usage: null,
  };
}

export function buildUsage(
  inputTokens: number,
  cachedTokens: number,
  outputTokens: number,
  reasoningTokens: number,
): ResponseUsage {
  const output = outputTokens + reasoningTokens;
  return {
    input_tokens: inputTokens,
    // Automatic caching writes for free; cache_write_tokens stays 0 as the API reports it.
    input_tokens_details: { cached_tokens: cachedTokens, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: inputTokens + output,
  };
}
