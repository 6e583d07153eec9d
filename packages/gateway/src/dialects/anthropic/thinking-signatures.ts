import { createHash } from 'node:crypto';
import type { Json } from '../../contracts/index.ts';
import type { ModelRoute } from '../../routing/model-route.ts';
import type { ParsedCall } from '../dialect.ts';

/**
 * Thinking blocks carry signatures only the issuing API family accepts (Anthropic's
 * API, Bedrock and Vertex each sign differently). The gateway remembers which family
 * signed what it relayed, so a replayed history goes back to that family first.
 */
export class SignatureRegistry {
  readonly #families = new Map<string, string>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  remember(signature: string, family: string): void {
    if (signature.length === 0) return;
    if (this.#families.size >= this.#capacity) {
      const oldest = this.#families.keys().next().value;
      if (oldest !== undefined) this.#families.delete(oldest);
    }
    this.#families.set(digest(signature), family);
  }

  familyOf(signature: string): string | undefined {
    return this.#families.get(digest(signature));
  }
}

const digest = (signature: string) => createHash('sha256').update(signature).digest('base64url').slice(0, 32);

export const signatureFamily = (route: ModelRoute): string => route.provider.signatureFamily;

/** Signatures (and redacted payloads) in the assistant turns of a request, oldest first. */
export function signedThinking(body: Json): string[] {
  const signatures: string[] = [];
  for (const message of (body['messages'] as Json[] | undefined) ?? []) {
    if (message['role'] !== 'assistant' || !Array.isArray(message['content'])) continue;
    for (const block of message['content'] as Json[]) {
      if (block['type'] === 'thinking' && typeof block['signature'] === 'string')
        signatures.push(block['signature']);
      if (block['type'] === 'redacted_thinking' && typeof block['data'] === 'string')
        signatures.push(block['data']);
    }
  }
  return signatures;
}

/**
 * Routes for a call whose history holds signed thinking: the signing family's routes
 * first, unchanged; then other families with the thinking blocks removed — the only
 * way their API accepts the history. Lossy, so last: the model no longer sees its
 * earlier reasoning, and thinking is switched off for a turn that continues a tool
 * call (the API requires that turn to open with a thinking block it can verify).
 */
export function planBySignature(
  call: ParsedCall,
  routes: readonly ModelRoute[],
  registry: SignatureRegistry,
): Array<{ route: ModelRoute; call: ParsedCall }> {
  const signatures = signedThinking(call.body);
  if (signatures.length === 0 || routes.length === 0) return routes.map((route) => ({ route, call }));
  const family =
    signatures.map((signature) => registry.familyOf(signature)).findLast((known) => known !== undefined) ??
    signatureFamily(routes[0]!);
  const same = routes.filter((route) => signatureFamily(route) === family);
  const others = routes.filter((route) => signatureFamily(route) !== family);
  const stripped = others.length > 0 ? { ...call, body: withoutThinking(call.body) } : call;
  return [...same.map((route) => ({ route, call })), ...others.map((route) => ({ route, call: stripped }))];
}

function withoutThinking(body: Json): Json {
  const messages = (body['messages'] as Json[]).flatMap((message) => {
    if (message['role'] !== 'assistant' || !Array.isArray(message['content'])) return [message];
    const content = (message['content'] as Json[]).filter(
      (block) => block['type'] !== 'thinking' && block['type'] !== 'redacted_thinking',
    );
    return content.length > 0 ? [{ ...message, content }] : [];
  });
  const result: Json = { ...body, messages };
  const lastAssistant = messages.findLast((message) => message['role'] === 'assistant');
  const continuesToolCall =
    Array.isArray(lastAssistant?.['content']) &&
    (lastAssistant['content'] as Json[]).some((block) => block['type'] === 'tool_use');
  if (continuesToolCall && result['thinking'] !== undefined) {
    delete result['thinking'];
    delete result['context_management'];
  }
  return result;
}
