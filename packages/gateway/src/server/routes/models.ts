import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mediaPriceInCredits } from '../../billing/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { servedOn } from '../../proxy/resolve-model.ts';
import type { ModelEntry } from '../../routing/catalog.ts';
import type { ImageRules } from '../../routing/image-rules.ts';
import { type MediaModelEntry, mediaEndpoint } from '../../routing/media-models.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

/** A stable `created` for every catalog entry (the catalog has no per-model dates). */
const createdAt = 1_735_689_600;

/**
 * Model listings in each client's own shape, since Cursor, OpenCode, LibreChat, the
 * AI SDK and Claude Code list models before use: OpenAI's list, Anthropic's list when
 * the caller sends Anthropic headers, and Google's `v1beta/models`.
 */
const shapes = {
  openai: {
    item: (model: ModelEntry) => ({
      id: model.id,
      object: 'model',
      created: createdAt,
      owned_by: model.routes[0]?.provider.name ?? 'hypereal',
      kind: model.kind,
    }),
    /** Media models, only in OpenAI's list: their kind, endpoint and price per unit in credits. */
    media: (model: MediaModelEntry) => ({
      id: model.id,
      object: 'model',
      created: createdAt,
      owned_by: model.routes[0]?.provider.name ?? 'hypereal',
      kind: model.kind,
      endpoint: mediaEndpoint(model),
      modalities: model.modalities,
      pricing: { currency: 'credits', ...mediaPriceInCredits(model.price) },
      // Image models: what a request may ask for (sizes, aspect ratios, references…).
      ...(model.imageRules ? { options: imageOptions(model.imageRules) } : {}),
    }),
    list: (items: unknown[]) => ({ object: 'list', data: items }),
  },
  anthropic: {
    item: (model: ModelEntry) => ({
      type: 'model',
      id: model.id,
      display_name: model.id,
      created_at: new Date(createdAt * 1000).toISOString(),
      max_input_tokens: model.contextWindow,
      max_tokens: model.maxOutputTokens,
    }),
    list: (items: Array<{ id: string }>) => ({
      data: items,
      has_more: false,
      first_id: items[0]?.id ?? null,
      last_id: items.at(-1)?.id ?? null,
    }),
  },
  google: {
    item: (model: ModelEntry) => ({
      name: `models/${model.id}`,
      version: '001',
      displayName: model.id,
      inputTokenLimit: model.contextWindow,
      outputTokenLimit: model.maxOutputTokens,
      supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
    }),
  },
};

const wantsAnthropic = (request: FastifyRequest): boolean =>
  request.headers['anthropic-version'] !== undefined;

export function registerModelRoutes(app: FastifyInstance, services: Services): void {
  const { catalog } = services.config;
  const all = () => catalog.ids().map((id) => catalog.resolve(id)!);
  const media = () => catalog.mediaIds().map((id) => catalog.media(id)!);
  const notFound = (id: string) => new GatewayError('not_found', { message: `No such model: ${id}` });
  const find = (id: string) => {
    const model = catalog.resolve(id.replace(/^models\//, ''));
    if (!model) throw notFound(id);
    return model;
  };
  for (const path of v1Paths('/models')) {
    app.get(path, async (request) =>
      wantsAnthropic(request)
        ? shapes.anthropic.list(
            all()
              .filter((model) => servedOn('anthropic', model))
              .map(shapes.anthropic.item),
          )
        : shapes.openai.list([...all().map(shapes.openai.item), ...media().map(shapes.openai.media)]),
    );
    app.get(`${path}/:id`, async (request) => {
      const { id } = request.params as { id: string };
      // Media models are listed for OpenAI-style callers only: Anthropic clients cannot call them.
      const mediaModel = wantsAnthropic(request) ? undefined : catalog.media(id);
      if (mediaModel) return shapes.openai.media(mediaModel);
      const model = find(id);
      return wantsAnthropic(request) ? shapes.anthropic.item(model) : shapes.openai.item(model);
    });
  }
  const isGemini = (model: ModelEntry) => model.dialect === 'gemini';
  app.get('/v1beta/models', async () => ({ models: all().filter(isGemini).map(shapes.google.item) }));
  app.get('/v1beta/models/:id', async (request) =>
    shapes.google.item(find((request.params as { id: string }).id)),
  );
}

/** An image model's rules in the request's own field names, for clients choosing options. */
function imageOptions(rules: ImageRules): Record<string, unknown> {
  return {
    n: { min: 1, max: rules.maxImages },
    ...(rules.sizes ? { size: rules.sizes } : {}),
    ...(rules.sizeGrid ? { size_grid: rules.sizeGrid } : {}),
    ...(rules.aspectRatios ? { aspect_ratio: rules.aspectRatios } : {}),
    ...(rules.resolutions ? { resolution: rules.resolutions } : {}),
    ...(rules.qualities ? { quality: rules.qualities } : {}),
    reference_images: { max: rules.maxReferences, sources: rules.referenceSources },
  };
}
