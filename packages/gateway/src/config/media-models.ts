import { creditsToMicro, type MediaPrice } from '../billing/index.ts';
import type { Provider } from '../providers/index.ts';
import { defaultImageRules, type ImageRules } from '../routing/image-rules.ts';
import { defaultModalities, type MediaKind, type MediaModelEntry } from '../routing/media-models.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { defaultVideoRules, type VideoRules } from '../routing/video-rules.ts';
import { ConfigError } from './config-error.ts';
import { formatIssues } from './format-issues.ts';
import { type MediaModelConfig, mediaModelSchema } from './media-schema.ts';
import type { ModelConfig } from './schema.ts';

/** `route` / `routes` → targets on configured providers (a fallback chain, in order). */
export function buildRoutes(
  field: string,
  config: Pick<ModelConfig, 'route' | 'routes'>,
  providers: ReadonlyMap<string, Provider>,
  source: string,
): ModelRoute[] {
  const routeConfigs = config.routes ?? (config.route ? [config.route] : []);
  if (routeConfigs.length === 0)
    throw new ConfigError(`${source}: ${field}.route: required (e.g. "openai/gpt-5")`);
  return routeConfigs.map((route, index) => {
    const [providerName, model] =
      typeof route === 'string'
        ? [route.slice(0, route.indexOf('/')), route.slice(route.indexOf('/') + 1)]
        : [route.provider, route.model];
    const provider = providers.get(providerName);
    if (!provider) {
      throw new ConfigError(`${source}: ${field}.routes[${index}]: unknown provider "${providerName}"`);
    }
    return typeof route === 'string' || route.weight === undefined
      ? { provider, model }
      : { provider, model, weight: route.weight };
  });
}

/** A merged image/video/audio/gpu entry, checked against its kind's schema; prices credits → micro-credits. */
export function buildMediaModel(
  id: string,
  config: ModelConfig,
  providers: ReadonlyMap<string, Provider>,
  source: string,
): MediaModelEntry {
  const parsed = mediaModelSchema.safeParse(config);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ ...issue, path: ['models', id, ...issue.path] }));
    throw new ConfigError(formatIssues(source, issues));
  }
  const model = parsed.data;
  return {
    id,
    kind: model.kind,
    routes: buildRoutes(`models.${id}`, model, providers, source),
    price: mediaPrice(model),
    modalities: model.modalities ?? defaultModalities[model.kind],
    intents: model.intents ?? [],
    ...(model.kind === 'image' ? { imageRules: imageRules(`models.${id}`, model, source) } : {}),
    ...(model.kind === 'video' ? { videoRules: videoRules(`models.${id}`, model, source) } : {}),
    ...(model.kind === 'gpu'
      ? {
          gpu: {
            name: model.name ?? id,
            mode: model.mode ?? (model.price.perSecond ? 'async' : 'sync'),
            inputSchema: model.inputSchema ?? { type: 'object' },
          },
        }
      : {}),
  };
}

/** The catalog's `rules:` over the defaults; a tier named by a rule must have a price. */
function imageRules(
  field: string,
  model: Extract<MediaModelConfig, { kind: 'image' }>,
  source: string,
): ImageRules {
  const { rules = {} } = model;
  const merged: ImageRules = { ...defaultImageRules };
  for (const [key, value] of Object.entries(rules)) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  const priced = new Set(Object.keys(model.price.tiers ?? {}));
  const named = [
    ...Object.values(merged.sizeTiers ?? {}),
    ...(merged.resolutions ?? []),
    ...(merged.defaultTier ? [merged.defaultTier] : []),
  ];
  if (priced.size > 0) {
    for (const tier of named) {
      if (!priced.has(tier))
        throw new ConfigError(
          `${source}: ${field}.rules: tier "${tier}" has no price (price.tiers has ${[...priced].join(', ')})`,
        );
    }
  }
  for (const size of Object.keys(merged.sizeTiers ?? {})) {
    if (merged.sizes && !merged.sizes.includes(size))
      throw new ConfigError(`${source}: ${field}.rules.sizeTiers: ${size} is not in rules.sizes`);
  }
  return merged;
}

/**
 * The catalog's `videoRules:` over the defaults, field by field; the default duration must be
 * allowed, and a resolution limited by `maxDurationByResolution` must be one of `resolutions`.
 */
function videoRules(
  field: string,
  model: Extract<MediaModelConfig, { kind: 'video' }>,
  source: string,
): VideoRules {
  const rules = model.videoRules ?? {};
  const durations = rules.durations ?? defaultVideoRules.durations;
  const referenceFields = rules.referenceFields ?? defaultVideoRules.referenceFields;
  const merged: VideoRules = {
    durations,
    defaultDuration: rules.defaultDuration ?? durations[0] ?? defaultVideoRules.defaultDuration,
    aspectRatios: rules.aspectRatios,
    resolutions: rules.resolutions,
    maxDurationByResolution: rules.maxDurationByResolution,
    referenceFields,
    maxImages: rules.maxImages ?? (referenceFields.some((field) => field !== 'last_image_url') ? 1 : 0),
    deadlineMinutes: rules.deadlineMinutes ?? defaultVideoRules.deadlineMinutes,
  };
  if (!merged.durations.includes(merged.defaultDuration))
    throw new ConfigError(
      `${source}: ${field}.videoRules.defaultDuration: ${merged.defaultDuration} is not in videoRules.durations`,
    );
  for (const resolution of Object.keys(merged.maxDurationByResolution ?? {})) {
    if (!merged.resolutions?.includes(resolution))
      throw new ConfigError(
        `${source}: ${field}.videoRules.maxDurationByResolution: ${resolution} is not in videoRules.resolutions`,
      );
  }
  return merged;
}

function mediaPrice(model: MediaModelConfig): MediaPrice {
  const micro = (credits: number | undefined) => creditsToMicro(credits ?? 0);
  switch (model.kind) {
    case 'image':
      return {
        kind: 'image',
        perImage: micro(model.price.perImage),
        tiers: Object.fromEntries(
          Object.entries(model.price.tiers ?? {}).map(([tier, c]) => [tier, micro(c)]),
        ),
      };
    case 'video':
      return { kind: 'video', perSecond: micro(model.price.perSecond), perClip: micro(model.price.perClip) };
    case 'audio':
      return { kind: 'audio', perRequest: micro(model.price.perRequest) };
    case 'gpu':
      return {
        kind: 'gpu',
        perCall: micro(model.price.perCall),
        perSecond: micro(model.price.perSecond),
        maxSeconds: model.maxSeconds,
      };
  }
}

/**
 * An intent bucket holds one kind of model, so intent routing on a chat endpoint never
 * picks an image model, nor an image route a chat model.
 */
export function checkIntentKinds(
  models: Iterable<{ id: string; kind: 'chat' | MediaKind; intents: readonly string[] }>,
  source: string,
): void {
  const buckets = new Map<string, Map<string, string>>();
  for (const model of models) {
    for (const intent of model.intents) {
      const kinds = buckets.get(intent) ?? new Map<string, string>();
      if (!kinds.has(model.kind)) kinds.set(model.kind, model.id);
      buckets.set(intent, kinds);
    }
  }
  for (const [intent, kinds] of buckets) {
    if (kinds.size > 1) {
      const members = [...kinds].map(([kind, id]) => `${kind} (${id})`).join(' and ');
      throw new ConfigError(
        `${source}: intents.${intent}: mixes ${members} models; an intent bucket holds one kind of model`,
      );
    }
  }
}
