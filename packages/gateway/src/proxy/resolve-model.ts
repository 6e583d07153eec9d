import type { WireDialect } from '../contracts/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { Catalog, ModelEntry } from '../routing/catalog.ts';
import { describeKind, mediaEndpoint } from '../routing/media-models.ts';

const endpointFor: Record<WireDialect, string> = {
  'openai-chat': '/v1/chat/completions',
  'openai-responses': '/v1/responses',
  anthropic: '/v1/messages',
  gemini: '/v1beta/models/{model}:generateContent',
};

const formatName: Record<WireDialect, string> = {
  'openai-chat': 'OpenAI Chat Completions',
  'openai-responses': 'OpenAI Responses',
  anthropic: 'Anthropic Messages',
  gemini: 'Gemini',
};

/** Which model families each client endpoint serves: /v1/responses also serves every chat model. */
const serves: Record<WireDialect, ReadonlySet<WireDialect>> = {
  // Gemini models are reached through chat and the Gemini adapter's codec.
  'openai-chat': new Set(['openai-chat', 'gemini']),
  'openai-responses': new Set(['openai-responses', 'openai-chat', 'gemini']),
  // Chat models are translated for Anthropic clients (Claude Code on DeepSeek, GPT, Gemini…).
  anthropic: new Set(['anthropic', 'openai-chat', 'gemini']),
  // Gemini clients pass straight through to Gemini models; other chat models are translated.
  gemini: new Set(['gemini', 'openai-chat']),
};

/** Whether a client endpoint speaking `dialect` can serve `model`. */
export function servedOn(dialect: WireDialect, model: ModelEntry): boolean {
  return serves[dialect].has(model.dialect);
}

/** Catalog lookup with the errors the API contract (docs/api-contract.md) asks for: unknown → list; wrong format → where to go. */
export function resolveModel(catalog: Catalog, id: string, dialect: WireDialect): ModelEntry {
  const model = catalog.resolve(id);
  const media = model ? undefined : catalog.media(id);
  if (media) {
    throw new GatewayError('wrong_endpoint', {
      param: 'model',
      message: `${media.id} is ${describeKind(media.kind)}; use ${mediaEndpoint(media)}.`,
    });
  }
  if (!model) {
    throw new GatewayError('unknown_model', {
      param: 'model',
      message: `Unknown model: ${id}. See available_models for the models this endpoint serves.`,
      details: {
        available_models: catalog
          .ids()
          .filter((known) => serves[dialect].has(catalog.resolve(known)!.dialect)),
      },
    });
  }
  if (!serves[dialect].has(model.dialect)) {
    throw new GatewayError('wrong_endpoint', {
      param: 'model',
      message: `Model ${model.id} uses the ${formatName[model.dialect]} format: call ${endpointFor[model.dialect]} instead.`,
    });
  }
  return model;
}
