import type { FastifyInstance } from 'fastify';
import { mediaPriceInCredits } from '../../billing/media-cost.ts';
import type { Services } from '../services.ts';

/**
 * The dashboard's /gpu-recommend data: GET /api/gpu/models (the serverless GPU catalogue, the
 * shape of GET /v1/gpu/models) and GET /api/gpu/tiers (the GPU tiers deployments run on).
 * PROVISIONAL until gpu-core's catalogue builder is merged: built from the catalog's gpu entries.
 */
export function registerAccountGpuRoutes(app: FastifyInstance, services: Services): void {
  const { catalog } = services.config;
  app.get('/api/gpu/models', async () => ({
    object: 'list',
    data: catalog.mediaIds('gpu').flatMap((id) => {
      const model = catalog.media(id);
      if (model?.price.kind !== 'gpu') return [];
      const { maxSeconds, ...price } = mediaPriceInCredits(model.price) as {
        perCall?: number;
        perSecond?: number;
        maxSeconds: number;
      };
      return [
        {
          slug: model.id,
          object: 'gpu.model',
          name: model.id,
          modalities: model.modalities,
          mode: price.perSecond === undefined ? 'sync' : 'async',
          price,
          maxSeconds,
          inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
        },
      ];
    }),
  }));
  app.get('/api/gpu/tiers', async () => ({ object: 'list', data: [] }));
}
