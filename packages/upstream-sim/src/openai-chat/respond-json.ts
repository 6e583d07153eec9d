import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import type { Completion } from './completion.ts';
import { responseHeaders } from './headers.ts';

/**
 * `chat.completion` object, fields in the API's order.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function respondJson(exchange: Exchange, completion: Completion): void {
  const body = {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: completion.choices.map((choice, index) => ({
      index,
      message: {
        role: 'assistant',
        content: choice.content,
        refusal: null,
        ...(choice.toolCalls.length > 0
          ? {
              tool_calls: choice.toolCalls.map((call) => ({
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
        annotations: [],
      },
      logprobs: null,
      finish_reason: choice.finishReason,
    })),
    usage: completion.usage,
    service_tier: completion.serviceTier,
    system_fingerprint: completion.systemFingerprint,
  };
  sendJson(exchange.response, 200, body, responseHeaders(exchange));
}
