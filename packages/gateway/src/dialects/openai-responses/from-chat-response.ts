import type { Json } from '../../contracts/index.ts';
import { readChatUsage } from '../openai-chat/usage.ts';
import {
  messageItem,
  newItemId,
  reasoningItem,
  responseEnvelope,
  statusOf,
  toolCallItem,
} from './response-envelope.ts';
import { customToolNames } from './to-chat-request.ts';
import { responsesUsageOf } from './usage.ts';

/**
 * A chat.completion → a Response, output items in the order the model produced
 * them: reasoning, text, then tool calls. Only the first choice exists in Responses.
 */
export function chatToResponse(chat: Json, request: Json): Json {
  const choice = ((chat['choices'] as Json[] | undefined) ?? [])[0] ?? {};
  const message = (choice['message'] ?? {}) as Json;
  const custom = customToolNames(request);
  const output: Json[] = [];
  const reasoning = message['reasoning_content'] ?? message['reasoning'];
  if (typeof reasoning === 'string' && reasoning.length > 0)
    output.push(reasoningItem(newItemId('rs'), reasoning));
  const text = [message['content'], message['refusal']].filter((part) => typeof part === 'string').join('');
  if (text.length > 0) output.push(messageItem(newItemId('msg'), text, 'completed'));
  for (const call of (message['tool_calls'] as Json[] | undefined) ?? []) {
    const fn = (call['function'] ?? {}) as Json;
    const name = String(fn['name'] ?? '');
    output.push(
      toolCallItem(
        {
          id: newItemId(custom.has(name) ? 'ctc' : 'fc'),
          callId: String(call['id'] ?? newItemId('call')),
          name,
          arguments: String(fn['arguments'] ?? ''),
          custom: custom.has(name),
        },
        'completed',
      ),
    );
  }
  const usage = readChatUsage(chat['usage']);
  const { status, incompleteReason } = statusOf(choice['finish_reason']);
  return responseEnvelope(request, {
    id: newItemId('resp'),
    model: String(chat['model'] ?? request['model']),
    createdAt: typeof chat['created'] === 'number' ? chat['created'] : Math.floor(Date.now() / 1000),
    status,
    incompleteReason,
    output,
    usage: usage ? responsesUsageOf(usage) : null,
  });
}
