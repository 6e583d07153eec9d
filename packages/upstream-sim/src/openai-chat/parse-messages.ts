import { isRecord } from '../json.ts';
import { type ChatMessage, type ImageInput, ROLES, type Role, type ToolCall } from './types.ts';
import {
  expectArray,
  expectObject,
  expectOneOf,
  expectString,
  fail,
  optionalString,
  requireField,
} from './wire-checks.ts';

/**
 * Parses and checks `messages[]` like the API does, including the tool-call pairing rules that
 * catch broken translations (a `tool` message must answer an earlier `tool_calls`, and every call
 * needs an answer).
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 */
export function parseMessages(value: unknown): ChatMessage[] {
  const list = expectArray(value, 'messages');
  if (list.length === 0) {
    fail(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  const messages = list.map((entry, index) => parseMessage(entry, `messages[${index}]`));
  checkToolPairing(messages);
  return messages;
}

const PART_TYPES: Record<Role, readonly string[]> = {
  user: ['text', 'image_url', 'input_audio', 'file'],
  assistant: ['text', 'refusal'],
  system: ['text'],
  developer: ['text'],
  tool: ['text'],
  function: ['text'],
};

function parseMessage(value: unknown, param: string): ChatMessage {
  const body = expectObject(value, param);
  const role = expectOneOf(requireField(body, 'role', `${param}.role`), ROLES, `${param}.role`);
  const toolCalls = role === 'assistant' ? parseToolCalls(body['tool_calls'], `${param}.tool_calls`) : [];
  const contentRequired = role !== 'assistant' || (toolCalls.length === 0 && body['function_call'] == null);
  const content = contentRequired ? requireField(body, 'content', `${param}.content`) : body['content'];
  const { text, images } = parseContent(content, role, `${param}.content`);
  const toolCallId =
    role === 'tool'
      ? expectString(requireField(body, 'tool_call_id', `${param}.tool_call_id`), `${param}.tool_call_id`)
      : undefined;
  return { role, text, images, name: optionalString(body['name'], `${param}.name`), toolCalls, toolCallId };
}

function parseContent(value: unknown, role: Role, param: string): { text: string; images: ImageInput[] } {
  if (value === null || value === undefined) return { text: '', images: [] };
  if (typeof value === 'string') return { text: value, images: [] };
  const parts = expectArray(value, param);
  const texts: string[] = [];
  const images: ImageInput[] = [];
  parts.forEach((entry, index) => {
    const partParam = `${param}[${index}]`;
    const part = expectObject(entry, partParam);
    const type = expectOneOf(
      requireField(part, 'type', `${partParam}.type`),
      PART_TYPES[role],
      `${partParam}.type`,
    );
    if (type === 'text')
      texts.push(expectString(requireField(part, 'text', `${partParam}.text`), `${partParam}.text`));
    if (type === 'refusal') texts.push(expectString(part['refusal'], `${partParam}.refusal`));
    if (type === 'image_url') {
      const image = expectObject(
        requireField(part, 'image_url', `${partParam}.image_url`),
        `${partParam}.image_url`,
      );
      const url = expectString(
        requireField(image, 'url', `${partParam}.image_url.url`),
        `${partParam}.image_url.url`,
      );
      images.push({
        url,
        detail: optionalString(image['detail'], `${partParam}.image_url.detail`) ?? 'auto',
      });
    }
  });
  return { text: texts.join('\n'), images };
}

function parseToolCalls(value: unknown, param: string): ToolCall[] {
  if (value === undefined || value === null) return [];
  return expectArray(value, param).map((entry, index) => {
    const callParam = `${param}[${index}]`;
    const call = expectObject(entry, callParam);
    const id = expectString(requireField(call, 'id', `${callParam}.id`), `${callParam}.id`);
    const fn = isRecord(call['function']) ? call['function'] : {};
    return {
      id,
      name: optionalString(fn['name'], `${callParam}.function.name`) ?? '',
      arguments: optionalString(fn['arguments'], `${callParam}.function.arguments`) ?? '',
    };
  });
}

// Wording (including the API's own "preceeding" typo) follows the real error responses.
function checkToolPairing(messages: ChatMessage[]): void {
  let pending = new Set<string>();
  let pendingFrom = -1;
  messages.forEach((message, index) => {
    if (message.role === 'tool') {
      if (!message.toolCallId || !pending.has(message.toolCallId)) {
        fail(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${index}].role`,
        );
      }
      pending.delete(message.toolCallId);
      return;
    }
    reportUnanswered(pending, pendingFrom);
    pending = new Set(message.toolCalls.map((call) => call.id));
    pendingFrom = index;
  });
  reportUnanswered(pending, pendingFrom);
}

function reportUnanswered(pending: Set<string>, index: number): void {
  if (pending.size === 0) return;
  fail(
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
      `The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
    `messages.[${index}].role`,
  );
}
