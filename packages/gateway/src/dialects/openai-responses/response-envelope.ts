import { randomUUID } from 'node:crypto';
import type { Json } from '../../contracts/index.ts';

export const newItemId = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '')}`;

/** Request fields a Response object echoes back. */
const echoed = [
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'temperature',
  'top_p',
  'text',
  'reasoning',
  'max_output_tokens',
  'metadata',
] as const;

/**
 * A Response object built by the gateway (for answers translated from chat).
 * Not stored anywhere, so `store` is false whatever the client asked.
 * @see https://platform.openai.com/docs/api-reference/responses/object
 */
export function responseEnvelope(
  request: Json,
  fields: {
    id: string;
    model: string;
    createdAt: number;
    status: 'in_progress' | 'completed' | 'incomplete';
    output: Json[];
    usage: Json | null;
    incompleteReason?: string | null;
  },
): Json {
  const envelope: Json = {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt,
    status: fields.status,
    error: null,
    incomplete_details: fields.incompleteReason ? { reason: fields.incompleteReason } : null,
    model: fields.model,
    output: fields.output,
    usage: fields.usage,
    previous_response_id: null,
    store: false,
  };
  for (const field of echoed) envelope[field] = request[field] ?? (field === 'tools' ? [] : null);
  envelope['tool_choice'] ??= 'auto';
  envelope['parallel_tool_calls'] ??= true;
  return envelope;
}

/** Chat `finish_reason` → Response status (and why it is incomplete). */
export function statusOf(finishReason: unknown): {
  status: 'completed' | 'incomplete';
  incompleteReason: string | null;
} {
  if (finishReason === 'length') return { status: 'incomplete', incompleteReason: 'max_output_tokens' };
  if (finishReason === 'content_filter') return { status: 'incomplete', incompleteReason: 'content_filter' };
  return { status: 'completed', incompleteReason: null };
}

export function outputTextPart(text: string): Json {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function messageItem(id: string, text: string, status: 'in_progress' | 'completed'): Json {
  return {
    id,
    type: 'message',
    status,
    role: 'assistant',
    content: status === 'completed' ? [outputTextPart(text)] : [],
  };
}

export function reasoningItem(id: string, text: string): Json {
  return { id, type: 'reasoning', summary: text ? [{ type: 'summary_text', text }] : [] };
}

export function toolCallItem(
  call: { id: string; callId: string; name: string; arguments: string; custom: boolean },
  status: 'in_progress' | 'completed',
): Json {
  if (call.custom) {
    let input = '';
    if (status === 'completed') {
      try {
        input = String((JSON.parse(call.arguments) as Json)['input'] ?? '');
      } catch {
        input = call.arguments;
      }
    }
    return { id: call.id, type: 'custom_tool_call', status, call_id: call.callId, name: call.name, input };
  }
  return {
    id: call.id,
    type: 'function_call',
    status,
    call_id: call.callId,
    name: call.name,
    arguments: status === 'completed' ? call.arguments : '',
  };
}
