import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/index.ts';
import type { ModelEntry } from '../../routing/catalog.ts';
import { v1Paths } from '../app.ts';
import type { Services } from '../services.ts';

const created = 1_735_689_600; // catalog epoch: a stable `created` for every listed model

function toOpenAiModel(model: ModelEntry) {
  return { id: model.id, object: 'model', created, owned_by: model.routes[0]?.provider.name ?? 'hypereal' };
}

/** OpenAI-shaped model listing (the other dialects' shapes are the catalog issue's). */
export function registerModelRoutes(app: FastifyInstance, services: Services): void {
  const { catalog } = services.config;
  for (const path of v1Paths('/models')) {
    app.get(path, async () => ({
      object: 'list',
      data: catalog.ids().map((id) => toOpenAiModel(catalog.resolve(id)!)),
    }));
    app.get(`${path}/:id`, async (request) => {
      const { id } = request.params as { id: string };
      const model = catalog.resolve(id);
      if (!model) throw new GatewayError('not_found', { message: `No such model: ${id}` });
      return toOpenAiModel(model);
    });
  }
}
