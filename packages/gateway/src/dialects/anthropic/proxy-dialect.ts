import { countTextTokens } from '../../billing/count-tokens.ts';
import type { Json } from '../../contracts/index.ts';
import type { ProxyDialect } from '../dialect.ts';
import { ToolCallStash } from '../tool-call-stash.ts';
import { ChatToAnthropicStream } from './chat-stream-to-anthropic.ts';
import { renderAnthropicError, renderAnthropicStreamError } from './error.ts';
import { chatToAnthropic } from './from-chat-response.ts';
import { parseMessagesRequest } from './request.ts';
import { AnthropicStreamMeter } from './stream-meter.ts';
import { planBySignature, SignatureRegistry, signatureFamily } from './thinking-signatures.ts';
import { anthropicToChat } from './to-chat-request.ts';
import { readAnthropicUsage } from './usage.ts';

const defaultVersion = '2023-06-01';

/** Client headers Anthropic upstreams must see unchanged (Claude Code's features depend on the betas). */
export function anthropicHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const forwarded: Record<string, string> = {};
  const version = headers['anthropic-version'];
  forwarded['anthropic-version'] =
    typeof version === 'string' && version.length > 0 ? version : defaultVersion;
  const beta = headers['anthropic-beta'];
  if (beta !== undefined) forwarded['anthropic-beta'] = Array.isArray(beta) ? beta.join(',') : beta;
  return forwarded;
}

/** `?beta=true` (the SDK's beta client) is kept; our own `?key=` never leaves the gateway. */
export const betaQuery = (query: Record<string, unknown>): string =>
  query['beta'] === 'true' ? '?beta=true' : '';

export function createAnthropicDialect(
  registry = new SignatureRegistry(),
  stash = new ToolCallStash(),
): ProxyDialect {
  const keep = {
    onReasoning: (ids: readonly string[], text: string) => stash.keepReasoning(ids, text),
    onToolCallExtra: (id: string, extra: Record<string, unknown>) => stash.keepExtra(id, extra),
  };
  return {
    id: 'anthropic',
    parse: parseMessagesRequest,

    passThrough(call, route, path, client, clampOutputTokens) {
      const body: Json = { ...call.body, model: route.model };
      if (clampOutputTokens !== undefined) body['max_tokens'] = clampOutputTokens;
      return {
        path: path + betaQuery(client.query),
        headers: anthropicHeaders(client.headers),
        body: JSON.stringify(body),
      };
    },
    toChat: (call, route) =>
      anthropicToChat(call.body, route.model, {
        reasoningFor: (id) => stash.reasoningFor(id),
        extraFor: (id) => stash.extraFor(id),
      }),
    fromChat: (answer, call) => chatToAnthropic(answer, call.body, keep),
    passThroughMeter: (_call, route) =>
      new AnthropicStreamMeter((signature) => registry.remember(signature, signatureFamily(route))),
    chatEncoder: (call) => new ChatToAnthropicStream(call.body, keep),

    onPassThroughAnswer(response, route) {
      for (const block of (response['content'] as Json[] | undefined) ?? []) {
        const signature =
          block['type'] === 'thinking'
            ? block['signature']
            : block['type'] === 'redacted_thinking'
              ? block['data']
              : undefined;
        if (typeof signature === 'string') registry.remember(signature, signatureFamily(route));
      }
    },

    readUsage: (response) => readAnthropicUsage(response['usage']),
    completionText(response) {
      const content = response['content'];
      if (!Array.isArray(content)) return '';
      return (content as Json[])
        .map((block) =>
          String(
            block['text'] ?? block['thinking'] ?? (block['input'] ? JSON.stringify(block['input']) : ''),
          ),
        )
        .join('');
    },
    async countPromptTokens(body) {
      return countTextTokens(
        JSON.stringify([body['system'] ?? '', body['tools'] ?? '', body['messages'] ?? '']),
      );
    },

    planRoutes: (call, routes) => planBySignature(call, routes, registry),
    renderError: (error) => renderAnthropicError(error),
    renderStreamError: renderAnthropicStreamError,
    keepaliveEvent: 'event: ping\ndata: {"type": "ping"}\n\n',
  };
}
