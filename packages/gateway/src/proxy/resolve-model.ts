import { GatewayError } from '../errors/index.ts';
import type { WireDialect } from '../providers/index.ts';
import type { Catalog, ModelEntry } from '../routing/catalog.ts';

const endpointFor: Record<WireDialect, string> = {
  'openai-chat': '/v1/chat/completions',
  anthropic: '/v1/messages',
};

/** Catalog lookup with the errors api.md asks for: unknown → list; wrong format → where to go. */
export function resolveModel(catalog: Catalog, id: string, dialect: WireDialect): ModelEntry {
  const model = catalog.resolve(id);
  if (!model) {
    throw new GatewayError('unknown_model', {
      param: 'model',
      message: `Unknown model: ${id}. See available_models for the models this endpoint serves.`,
      details: { available_models: catalog.ids(dialect) },
    });
  }
  if (model.dialect !== dialect) {
    throw new GatewayError('wrong_endpoint', {
      param: 'model',
      message: `Model ${model.id} uses the ${model.dialect === 'anthropic' ? 'Anthropic Messages' : model.dialect} format: call ${endpointFor[model.dialect]} instead.`,
    });
  }
  return model;
}
