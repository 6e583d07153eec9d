import type { FastifyInstance } from 'fastify';
import { generateImages } from '../../images/generate-images.ts';
import { imageServicesOf } from '../../images/wiring.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

/**
 * POST /v1/images/generations (OpenAI's shape, a pinned `model`) and
 * POST /v1/images/generate (the same body, `intent` or `model`), docs/api-contract.md §4 and §11.
 */
export function registerImageRoutes(app: FastifyInstance, services: Services): void {
  const images = imageServicesOf(services);
  for (const path of [...v1Paths('/images/generations'), ...v1Paths('/images/generate')]) {
    app.post(path, (request, reply) => generateImages(services, images, request, reply));
  }
}
