import { randomHex } from '../ids.ts';
import type { ImageInput } from '../openai-chat/types.ts';
import {
  expectArray,
  expectObject,
  expectOneOf,
  expectString,
  fail,
  optionalString,
  requireField,
} from '../openai-chat/wire-checks.ts';
import {
  type ContextItem,
  MESSAGE_ROLES,
  type MessageRole,
  type ParsedInputItem,
  type WireItem,
} from './types.ts';

/** Item ids look like the API's: a type prefix and 48 hex digits. */
export function itemId(prefix: string): string {
  return randomHex(`${prefix}_`, 48);
}

/**
 * `input`: a string (one user message) or an array of items, checked the way the API checks them.
 * Item types the simulator does not model (built-in tool calls, compaction, …) are kept as they
 * are, since agents such as Codex replay whatever the API gave them.
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-input
 */
export function parseInput(value: unknown): ParsedInputItem[] {
  if (typeof value === 'string') {
    return [messageItem('user', [{ type: 'input_text', text: value }], undefined, undefined)];
  }
  return expectArray(value, 'input').map((entry, index) => parseItem(entry, `input[${index}]`));
}

function parseItem(value: unknown, param: string): ParsedInputItem {
  const item = expectObject(value, param);
  // The easy message form may leave out `type`.
  const type =
    item['type'] === undefined && item['role'] !== undefined
      ? 'message'
      : expectString(requireField(item, 'type', `${param}.type`), `${param}.type`);
  const id = optionalString(item['id'], `${param}.id`);
  switch (type) {
    case 'message':
      return parseMessage(item, param, id);
    case 'function_call': {
      const call = callFields(item, param, 'arguments');
      return {
        type: 'function_call',
        ...call,
        wire: {
          id: id ?? itemId('fc'),
          type,
          status: 'completed',
          arguments: call.arguments,
          call_id: call.callId,
          name: call.name,
        },
      };
    }
    case 'custom_tool_call': {
      const call = callFields(item, param, 'input');
      return {
        type: 'custom_tool_call',
        callId: call.callId,
        name: call.name,
        input: call.arguments,
        wire: { id: id ?? itemId('ctc'), type, call_id: call.callId, input: call.arguments, name: call.name },
      };
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const callId = requiredString(item, 'call_id', param);
      const output = requireField(item, 'output', `${param}.output`);
      const wire: WireItem = {
        id: id ?? itemId(type === 'function_call_output' ? 'fco' : 'ctco'),
        type,
        call_id: callId,
        output,
        status: 'completed',
      };
      return { type, callId, output: outputText(output, `${param}.output`), wire };
    }
    case 'reasoning':
      return parseReasoning(item, param);
    case 'item_reference':
      return { type: 'item_reference', id: requiredString(item, 'id', param), param };
    default:
      return { type: 'other', wire: { ...item } };
  }
}

function requiredString(item: Record<string, unknown>, key: string, param: string): string {
  return expectString(requireField(item, key, `${param}.${key}`), `${param}.${key}`);
}

function callFields(
  item: Record<string, unknown>,
  param: string,
  argumentsKey: 'arguments' | 'input',
): { callId: string; name: string; arguments: string } {
  return {
    callId: requiredString(item, 'call_id', param),
    name: requiredString(item, 'name', param),
    arguments: requiredString(item, argumentsKey, param),
  };
}

const USER_PARTS = ['input_text', 'input_image', 'input_file', 'input_audio'] as const;
const ASSISTANT_PARTS = ['output_text', 'refusal'] as const;

function parseMessage(item: Record<string, unknown>, param: string, id: string | undefined): ContextItem {
  const role = expectOneOf(requireField(item, 'role', `${param}.role`), MESSAGE_ROLES, `${param}.role`);
  const content = requireField(item, 'content', `${param}.content`);
  const status = optionalString(item['status'], `${param}.status`);
  if (typeof content === 'string') {
    const part =
      role === 'assistant'
        ? { type: 'output_text', text: content, annotations: [] }
        : { type: 'input_text', text: content };
    return messageItem(role, [part], id, status);
  }
  const parts = expectArray(content, `${param}.content`).map((entry, index) => {
    const partParam = `${param}.content[${index}]`;
    const part = expectObject(entry, partParam);
    const allowed = role === 'assistant' ? ASSISTANT_PARTS : USER_PARTS;
    const type = expectOneOf(requireField(part, 'type', `${partParam}.type`), allowed, `${partParam}.type`);
    if (type === 'input_text' || type === 'output_text') requiredString(part, 'text', partParam);
    if (type === 'refusal') requiredString(part, 'refusal', partParam);
    return part;
  });
  return messageItem(role, parts, id, status);
}

function messageItem(
  role: MessageRole,
  parts: Record<string, unknown>[],
  id: string | undefined,
  status: string | undefined,
): ContextItem {
  const texts: string[] = [];
  const images: ImageInput[] = [];
  for (const part of parts) {
    const text = part['text'] ?? part['refusal'];
    if (typeof text === 'string') texts.push(text);
    if (part['type'] === 'input_image') {
      const url = part['image_url'] ?? part['file_id'];
      const detail = part['detail'];
      images.push({
        url: typeof url === 'string' ? url : '',
        detail: typeof detail === 'string' ? detail : 'auto',
      });
    }
  }
  const wire: WireItem = {
    id: id ?? itemId('msg'),
    type: 'message',
    role,
    content: parts,
    status: status ?? 'completed',
  };
  return { type: 'message', role, text: texts.join('\n'), images, wire };
}

/** A tool output: a string, or content parts whose text is what the model reads. */
function outputText(value: unknown, param: string): string {
  if (typeof value === 'string') return value;
  return expectArray(value, param)
    .map((entry, index) => {
      const part = expectObject(entry, `${param}[${index}]`);
      return typeof part['text'] === 'string' ? part['text'] : '';
    })
    .join('\n');
}

function parseReasoning(item: Record<string, unknown>, param: string): ParsedInputItem {
  const id = requiredString(item, 'id', param);
  expectArray(requireField(item, 'summary', `${param}.summary`), `${param}.summary`).forEach(
    (entry, index) => {
      const part = expectObject(entry, `${param}.summary[${index}]`);
      expectOneOf(
        requireField(part, 'type', `${param}.summary[${index}].type`),
        ['summary_text'],
        `${param}.summary[${index}].type`,
      );
      requiredString(part, 'text', `${param}.summary[${index}]`);
    },
  );
  const encrypted = item['encrypted_content'];
  return {
    type: 'reasoning_replay',
    id,
    encryptedContent: encrypted == null ? undefined : expectString(encrypted, `${param}.encrypted_content`),
    param,
    wire: { ...item },
  };
}

/**
 * Every tool output must answer a call earlier in the context, and every call needs an output
 * before the model can go on, in the API's words.
 */
export function checkToolPairing(context: readonly ContextItem[]): void {
  const calls = new Set<string>();
  const outputs = new Set<string>();
  for (const item of context) {
    if (item.type === 'function_call' || item.type === 'custom_tool_call') calls.add(item.callId);
    if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      if (!calls.has(item.callId)) {
        const kind = item.type === 'function_call_output' ? 'function call' : 'custom tool call';
        fail(`No tool call found for ${kind} output with call_id ${item.callId}.`, 'input');
      }
      outputs.add(item.callId);
    }
  }
  for (const item of context) {
    if ((item.type === 'function_call' || item.type === 'custom_tool_call') && !outputs.has(item.callId)) {
      const kind = item.type === 'function_call' ? 'function call' : 'custom tool call';
      fail(`No tool output found for ${kind} ${item.callId}.`, 'input');
    }
  }
}
