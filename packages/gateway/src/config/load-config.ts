import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import * as z from 'zod';
import { creditsToMicro, type TokenPrice, usdPerMillionToMicro } from '../billing/index.ts';
import { imageAdapters } from '../providers/images/index.ts';
import { adapters, nativeWire, type Provider } from '../providers/index.ts';
import { type VideoCredentials, videoAdapters } from '../providers/video/index.ts';
import { Catalog, type ModelEntry, type ModelPattern } from '../routing/catalog.ts';
import type { BreakerPolicy } from '../routing/health.ts';
import { isMediaKind, type MediaModelEntry } from '../routing/media-models.ts';
import { defaultRoutingPolicy, type RoutingPolicy } from '../routing/retry-policy.ts';
import { ConfigError } from './config-error.ts';
import { formatIssues } from './format-issues.ts';
import { buildMediaModel, buildRoutes, checkIntentKinds } from './media-models.ts';
import { buildPaymentsConfig, type PaymentsConfig } from './payments-config.ts';
import {
  type ConfigFile,
  configSchema,
  gpuTierSchema,
  type ModelConfig,
  type PatternConfig,
  type ProviderConfig,
  priceSchema,
} from './schema.ts';

export { ConfigError };

export interface S3StoreConfig {
  bucket: string;
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  /** Unset: the AWS SDK's default credential chain (AWS_ACCESS_KEY_ID…, profiles, instance roles). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Prepended to every object key. */
  prefix: string;
}

export interface StorageConfig {
  backend: 'local' | 's3';
  /** Local backend's directory. */
  dir: string;
  s3: S3StoreConfig | undefined;
  /** Unset: generated once into `secretDir`. */
  signingSecret: string | undefined;
  secretDir: string;
  urlTtlSeconds: number;
  maxFileBytes: number;
  quotaBytes: number | undefined;
}

export interface GatewayConfig {
  server: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    logLevel: string;
    keepaliveMs: number;
    /** Whole request (headers and body) must arrive within this. */
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    /** SIGTERM: admitted requests get this long to finish; the rest are cut (billed for what was generated) or refunded. */
    shutdownGraceMs: number;
  };
  database: { url: string | undefined; sqlitePath: string };
  billing: { minimumBalanceMicro: number; holdLeaseMs: number; creditLeases: boolean };
  /** The usage rollup: run interval (0: off) and the margin after which a UTC day is closed. */
  usage: { rollupIntervalMs: number; rollupMarginMs: number };
  /** Bearer token of the operator API (/admin/…); unset disables it. */
  admin: { token: string | undefined };
  rateLimits: { defaultRpm: number; plans: Readonly<Record<string, number>> };
  upstream: { connectTimeoutMs: number; firstByteTimeoutMs: number; idleTimeoutMs: number };
  routing: RoutingPolicy & { breaker: BreakerPolicy };
  /** Bearer token for /metrics (`HYPEREAL_METRICS_TOKEN`); unset leaves it open. */
  metricsToken: string | undefined;
  /** redis://… shares breaker state (and, later, limits) across replicas; unset keeps it in memory. */
  redisUrl: string | undefined;
  /** Spending alerts go out through this SMTP server; unset logs them instead. */
  mail: { smtpUrl: string | undefined; from: string };
  publicUrl: string | undefined;
  /** Stripe Checkout top-ups; `payments.stripe` unset = off. */
  payments: PaymentsConfig;
  storage: StorageConfig;
  /** Fetches of user-supplied URLs (net/safe-fetch.ts). */
  network: { allowPrivate: readonly string[] };
  providers: ReadonlyMap<string, Provider>;
  /** Provider name → the image API it speaks (`imageApi:`), for image models' routes. */
  imageApis: ReadonlyMap<string, string>;
  /** Provider name → the video API it speaks (`videoApi:`), for video models' routes. */
  videoApis: ReadonlyMap<string, string>;
  /**
   * Provider name → the credentials its video API signs with: the provider's key, plus
   * `<NAME>_ACCESS_KEY` / `<NAME>_SECRET_KEY` from the environment (Kling mints a JWT from them).
   */
  videoCredentials: ReadonlyMap<string, VideoCredentials>;
  /** GPU jobs and deployments: inline waits, GPU tiers, the backends' URLs. */
  gpu: GpuConfig;
  /** The durable job engine (jobs/): worker cadence, leases, output retention. */
  jobs: {
    tickMs: number;
    leaseMs: number;
    concurrency: number;
    outputRetentionMs: number;
    maxPollIntervalMs: number | undefined;
    webhookRetryBaseMs: number;
    webhookMaxAttempts: number;
  };
  /** The self-hosted GPU worker pool: heartbeat interval handed to workers, job-stop long-poll. */
  gpuWorkers: { pingIntervalMs: number; stopLongPollMs: number };
  catalog: Catalog;
  /** Where the config came from, for startup logs. */
  source: string;
}

/** A GPU tier in integer micro-credits per second. */
export interface GpuTier {
  id: string;
  name: string;
  memoryGb: number;
  pricePerSecondMicro: number;
}

export interface GpuConfig {
  serverlessWaitMs: number;
  syncWaitMs: number;
  /** A GPU job's deadline is its maxSeconds plus this much time in the queue. */
  queueTimeoutMs: number;
  /** Pool id (`ADA_24`…) → tier. */
  tiers: ReadonlyMap<string, GpuTier>;
  /** Provider name → the GPU backend it is (`gpuApi:`): `runpod` or `workers`. */
  apis: ReadonlyMap<string, 'runpod' | 'workers'>;
  /** RunPod's management API (REST v2): templates and serverless endpoints. */
  runpodRestBaseUrl: string;
}

/**
 * The package's catalog/ folder, found through the package's own name (Node resolves a package
 * from inside itself: https://nodejs.org/api/packages.html#self-referencing-a-package-using-its-name)
 * rather than from this file's place, which differs in the built bundle (dist/…) and in src/.
 */
const catalogDir = join(
  dirname(createRequire(import.meta.url).resolve('@hypereal/gateway/package.json')),
  'catalog',
);

export interface LoadConfigOptions {
  /** Config file path; else $HYPEREAL_CONFIG, else ./hypereal.yaml|.yml|.json when present. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Already-parsed config (tests), validated like a file. */
  inline?: unknown;
}

export function loadConfig(options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const { file, source } = readConfigFile(options, env, cwd);
  const builtin = readBuiltinCatalog();

  const providerConfigs = { ...builtin.providers, ...mergeProviders(builtin.providers, file.providers) };
  const providers = buildProviders(providerConfigs, env, source);
  const imageApis = new Map(
    Object.entries(providerConfigs).flatMap(([name, provider]) =>
      provider.imageApi ? [[name, provider.imageApi] as const] : [],
    ),
  );
  const videoApis = new Map(
    Object.entries(providerConfigs).flatMap(([name, provider]) =>
      provider.videoApi ? [[name, provider.videoApi] as const] : [],
    ),
  );
  for (const [name, api] of videoApis) {
    if (!videoAdapters[api])
      throw new ConfigError(
        `${source}: providers.${name}.videoApi: unknown video API "${api}" (known: ${Object.keys(videoAdapters).join(', ')})`,
      );
  }
  const videoCredentials = new Map(
    [...videoApis.keys()].map((name) => {
      const prefix = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
      const credentials: VideoCredentials = {
        apiKey: providers.get(name)?.apiKey,
        accessKey: env[`${prefix}_ACCESS_KEY`] || undefined,
        secretKey: env[`${prefix}_SECRET_KEY`] || undefined,
      };
      return [name, credentials] as const;
    }),
  );
  for (const [name, api] of imageApis) {
    if (!imageAdapters[api])
      throw new ConfigError(
        `${source}: providers.${name}.imageApi: unknown image API "${api}" (known: ${Object.keys(imageAdapters).join(', ')})`,
      );
  }
  const modelConfigs: Record<string, ModelConfig> = { ...builtin.models };
  for (const [id, model] of Object.entries(file.models ?? {})) {
    const base = modelConfigs[id];
    modelConfigs[id] = { ...(base ?? {}), ...model };
    // An image model's `rules:` override is merged field by field over the catalog's.
    if (base?.rules && model.rules) modelConfigs[id].rules = { ...base.rules, ...model.rules };
    if (base?.videoRules && model.videoRules)
      modelConfigs[id].videoRules = { ...base.videoRules, ...model.videoRules };
  }
  for (const [intent, bucket] of Object.entries(file.intents ?? {})) {
    for (const id of bucket.models) {
      const model = modelConfigs[id];
      if (!model) throw new ConfigError(`${source}: intents.${intent}.models: unknown model "${id}"`);
      modelConfigs[id] = { ...model, intents: [...new Set([...(model.intents ?? []), intent])] };
    }
  }
  const models: ModelEntry[] = [];
  const media: MediaModelEntry[] = [];
  for (const [id, model] of Object.entries(modelConfigs)) {
    if (model.disabled) continue;
    if (isMediaKind(model.kind)) media.push(buildMediaModel(id, model, providers, source));
    else models.push(buildModel(id, model, builtin.defaults, providers, source));
  }
  checkIntentKinds([...models, ...media], source);
  const aliases = { ...builtin.aliases, ...(file.aliases ?? {}) };
  for (const [alias, target] of Object.entries(aliases)) {
    if (!modelConfigs[target])
      throw new ConfigError(`${source}: aliases.${alias}: unknown target model "${target}"`);
  }

  const dataDir = env['HYPEREAL_DATA_DIR'] ?? join(cwd, 'data');
  return {
    server: {
      host: env['HOST'] ?? file.server?.host ?? '0.0.0.0',
      port: env['PORT'] !== undefined ? Number(env['PORT']) : (file.server?.port ?? 8080),
      bodyLimitBytes: Math.round((file.server?.bodyLimitMb ?? 32) * 1024 * 1024),
      logLevel: env['LOG_LEVEL'] ?? file.server?.logLevel ?? 'info',
      keepaliveMs: file.server?.keepaliveMs ?? 15_000,
      requestTimeoutMs: file.server?.requestTimeoutMs ?? 60_000,
      shutdownGraceMs: file.server?.shutdownGraceMs ?? 10_000,
      // Node wants the headers timeout no longer than the request timeout.
      headersTimeoutMs: Math.min(
        file.server?.headersTimeoutMs ?? 20_000,
        file.server?.requestTimeoutMs ?? 60_000,
      ),
    },
    database: {
      url: env['DATABASE_URL'] || file.database?.url || undefined,
      sqlitePath: resolve(cwd, file.database?.sqlitePath ?? join(dataDir, 'hypereal.db')),
    },
    usage: {
      rollupIntervalMs: (file.usage?.rollupIntervalSeconds ?? 300) * 1000,
      rollupMarginMs: (file.usage?.rollupMarginMinutes ?? 60) * 60_000,
    },
    billing: {
      minimumBalanceMicro: creditsToMicro(file.billing?.minimumBalanceCredits ?? 200),
      // 15 s: a dead process's holds are free within 20 s (lease + one sweep), see holdSweepMs.
      holdLeaseMs: (file.billing?.holdLeaseSeconds ?? 15) * 1000,
      creditLeases:
        (env['HYPEREAL_CREDIT_LEASES'] ?? '') === '0' ? false : (file.billing?.creditLeases ?? true),
    },
    admin: { token: env['HYPEREAL_ADMIN_TOKEN'] || interpolate(file.admin?.token, env) || undefined },
    rateLimits: { defaultRpm: file.rateLimits?.defaultRpm ?? 600, plans: file.rateLimits?.plans ?? {} },
    upstream: {
      connectTimeoutMs: file.upstream?.connectTimeoutMs ?? 10_000,
      firstByteTimeoutMs: file.upstream?.firstByteTimeoutMs ?? 300_000,
      idleTimeoutMs: file.upstream?.idleTimeoutMs ?? 300_000,
    },
    routing: {
      retriesPerTarget: file.routing?.retriesPerTarget ?? defaultRoutingPolicy.retriesPerTarget,
      backoffBaseMs: file.routing?.backoffBaseMs ?? defaultRoutingPolicy.backoffBaseMs,
      backoffMaxMs: file.routing?.backoffMaxMs ?? defaultRoutingPolicy.backoffMaxMs,
      maxRetryAfterMs: file.routing?.maxRetryAfterMs ?? defaultRoutingPolicy.maxRetryAfterMs,
      breaker: {
        failureThreshold: file.routing?.breaker?.failureThreshold ?? 3,
        cooldownMs: file.routing?.breaker?.cooldownMs ?? 30_000,
      },
    },
    redisUrl: env['REDIS_URL'] || file.redis?.url || undefined,
    metricsToken: env['HYPEREAL_METRICS_TOKEN'] || file.metrics?.token || undefined,
    mail: {
      smtpUrl: env['SMTP_URL'] || interpolate(file.mail?.smtpUrl, env) || undefined,
      from: env['HYPEREAL_MAIL_FROM'] || file.mail?.from || 'Hypereal <no-reply@hypereal.localhost>',
    },
    publicUrl: env['HYPEREAL_PUBLIC_URL'] || file.publicUrl || undefined,
    payments: buildPaymentsConfig(file.payments, env, source, interpolate),
    storage: buildStorage(file.storage, env, cwd, dataDir, source),
    network: { allowPrivate: file.network?.allowPrivate ?? [] },
    providers,
    imageApis,
    videoApis,
    videoCredentials,
    gpu: {
      serverlessWaitMs: file.gpu?.serverlessWaitMs ?? 60_000,
      syncWaitMs: file.gpu?.syncWaitMs ?? 240_000,
      queueTimeoutMs: file.gpu?.queueTimeoutMs ?? 600_000,
      tiers: new Map(
        Object.entries({ ...builtin.gpuTiers, ...file.gpu?.tiers }).map(([id, tier]) => [
          id,
          {
            id,
            name: tier.name,
            memoryGb: tier.memoryGb,
            pricePerSecondMicro: creditsToMicro(tier.pricePerSecondCredits),
          },
        ]),
      ),
      apis: new Map(
        Object.entries(providerConfigs).flatMap(([name, provider]) =>
          provider.gpuApi ? [[name, provider.gpuApi] as const] : [],
        ),
      ),
      runpodRestBaseUrl: (
        env['RUNPOD_REST_BASE_URL'] ||
        file.gpu?.runpodRestBaseUrl ||
        'https://api.runpod.io/v2'
      ).replace(/\/+$/, ''),
    },
    jobs: {
      tickMs: file.jobs?.tickMs ?? 500,
      leaseMs: (file.jobs?.leaseSeconds ?? 30) * 1000,
      concurrency: file.jobs?.concurrency ?? 32,
      outputRetentionMs: (file.jobs?.outputRetentionDays ?? 7) * 24 * 60 * 60 * 1000,
      maxPollIntervalMs: file.jobs?.maxPollIntervalMs,
      webhookRetryBaseMs: file.jobs?.webhookRetryBaseMs ?? 30_000,
      webhookMaxAttempts: file.jobs?.webhookMaxAttempts ?? 8,
    },
    gpuWorkers: {
      pingIntervalMs: file.gpuWorkers?.pingIntervalMs ?? 10_000,
      stopLongPollMs: file.gpuWorkers?.stopLongPollMs ?? 20_000,
    },
    catalog: new Catalog(
      models,
      Object.entries(aliases),
      [...(file.patterns ?? []), ...(file.builtinPatterns === false ? [] : builtin.patterns)].map(
        (pattern, index) => buildPattern(pattern, index, builtin.defaults, providers, source),
      ),
      Object.entries(modelConfigs)
        .filter(([, model]) => model.disabled)
        .map(([id]) => id),
      media,
    ),
    source,
  };
}

const sevenDays = 7 * 24 * 60 * 60;

function checkSecretLength(secret: string | undefined, source: string): string | undefined {
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError(
      `${source}: storage.signingSecret (or HYPEREAL_STORAGE_SIGNING_SECRET): use at least 32 characters`,
    );
  }
  return secret;
}

function buildStorage(
  storage: ConfigFile['storage'],
  env: NodeJS.ProcessEnv,
  cwd: string,
  dataDir: string,
  source: string,
): StorageConfig {
  const s3 = storage?.s3;
  const accessKeyId = interpolate(s3?.accessKeyId, env);
  const secretAccessKey = interpolate(s3?.secretAccessKey, env);
  return {
    backend: storage?.backend ?? 'local',
    dir: resolve(cwd, storage?.dir ?? join(dataDir, 'files')),
    s3: s3 && {
      bucket: s3.bucket,
      region: s3.region ?? env['AWS_REGION'] ?? 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: s3.forcePathStyle ?? false,
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      prefix: s3.prefix ?? '',
    },
    signingSecret: checkSecretLength(
      env['HYPEREAL_STORAGE_SIGNING_SECRET'] || interpolate(storage?.signingSecret, env) || undefined,
      source,
    ),
    secretDir: resolve(cwd, dataDir),
    urlTtlSeconds: storage?.urlTtlSeconds ?? sevenDays,
    maxFileBytes: storage?.maxFileBytes ?? 100 * 1024 * 1024,
    quotaBytes: storage?.quotaBytes,
  };
}

function readConfigFile(
  options: LoadConfigOptions,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { file: ConfigFile; source: string } {
  let raw: unknown = options.inline;
  let source = 'inline config';
  if (raw === undefined) {
    const path = options.path ?? env['HYPEREAL_CONFIG'] ?? findDefaultConfig(cwd);
    if (!path) return { file: {}, source: 'built-in defaults' };
    source = resolve(cwd, path);
    if (!existsSync(source)) throw new ConfigError(`Config file not found: ${source}`);
    try {
      raw = YAML.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new ConfigError(`${source}: not valid YAML/JSON: ${(error as Error).message}`);
    }
  }
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(formatIssues(source, parsed.error.issues));
  return { file: parsed.data, source };
}

function findDefaultConfig(cwd: string): string | undefined {
  return ['hypereal.yaml', 'hypereal.yml', 'hypereal.json'].map((name) => join(cwd, name)).find(existsSync);
}

interface BuiltinCatalog {
  gpuTiers: Record<string, z.infer<typeof gpuTierSchema>>;
  patterns: PatternConfig[];
  providers: Record<string, ProviderConfig>;
  models: Record<string, ModelConfig>;
  aliases: Record<string, string>;
  defaults: { maxOutputTokens: number; contextWindow: number };
}

function readBuiltinCatalog(): BuiltinCatalog {
  const modelsDoc = YAML.parse(readFileSync(join(catalogDir, 'models.yaml'), 'utf8'));
  const providersDoc = YAML.parse(readFileSync(join(catalogDir, 'providers.yaml'), 'utf8'));
  const parsed = configSchema.safeParse({
    providers: providersDoc.providers,
    models: modelsDoc.models,
    aliases: modelsDoc.aliases,
    patterns: modelsDoc.patterns,
  });
  if (!parsed.success) throw new ConfigError(formatIssues('built-in catalog', parsed.error.issues));
  const media = readMediaCatalog(parsed.data.models ?? {});
  return {
    gpuTiers: media.gpuTiers,
    patterns: parsed.data.patterns ?? [],
    // providers.yaml wins over a media provider of the same name.
    providers: { ...media.providers, ...parsed.data.providers },
    models: { ...parsed.data.models, ...media.models },
    aliases: { ...media.aliases, ...parsed.data.aliases },
    defaults: modelsDoc.defaults,
  };
}

/** catalog/media-models.yaml: image, video, audio and GPU models, and the providers only they use. */
function readMediaCatalog(chatModels: Record<string, ModelConfig>): {
  gpuTiers: Record<string, z.infer<typeof gpuTierSchema>>;
  providers: Record<string, ProviderConfig>;
  models: Record<string, ModelConfig>;
  aliases: Record<string, string>;
} {
  const source = 'built-in catalog (media-models.yaml)';
  const doc = YAML.parse(readFileSync(join(catalogDir, 'media-models.yaml'), 'utf8'));
  const parsed = configSchema.safeParse({
    providers: doc.providers,
    models: doc.models,
    aliases: doc.aliases,
  });
  if (!parsed.success) throw new ConfigError(formatIssues(source, parsed.error.issues));
  const models = parsed.data.models ?? {};
  for (const [id, model] of Object.entries(models)) {
    if (!isMediaKind(model.kind))
      throw new ConfigError(`${source}: models.${id}.kind: expected image, video, audio or gpu`);
    if (chatModels[id]) throw new ConfigError(`${source}: models.${id}: also listed in models.yaml`);
  }
  const tiers = z.record(z.string(), gpuTierSchema).safeParse(doc.gpuTiers ?? {});
  if (!tiers.success) throw new ConfigError(formatIssues(`${source} gpuTiers`, tiers.error.issues));
  return {
    gpuTiers: tiers.data,
    providers: parsed.data.providers ?? {},
    models,
    aliases: parsed.data.aliases ?? {},
  };
}

function mergeProviders(
  builtin: Record<string, ProviderConfig>,
  overrides: Record<string, ProviderConfig> | undefined,
): Record<string, ProviderConfig> {
  const merged: Record<string, ProviderConfig> = {};
  for (const [name, override] of Object.entries(overrides ?? {}))
    merged[name] = { ...(builtin[name] ?? {}), ...override };
  return merged;
}

const envName = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');

function interpolate(value: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return value?.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, variable: string) => env[variable] ?? '');
}

function buildProviders(
  configs: Record<string, ProviderConfig>,
  env: NodeJS.ProcessEnv,
  source: string,
): Map<string, Provider> {
  const providers = new Map<string, Provider>();
  for (const [name, config] of Object.entries(configs)) {
    const adapterId = config.adapter ?? 'openai-compatible';
    const adapter = adapters[adapterId];
    if (!adapter) {
      throw new ConfigError(
        `${source}: providers.${name}.adapter: unknown adapter "${adapterId}" (known: ${Object.keys(adapters).join(', ')})`,
      );
    }
    // The self-hosted GPU pool is the gateway itself: it has no base URL.
    const baseUrl =
      env[`${envName(name)}_BASE_URL`] ||
      interpolate(config.baseUrl, env) ||
      (config.gpuApi === 'workers' ? '' : undefined);
    if (baseUrl === undefined) throw new ConfigError(`${source}: providers.${name}.baseUrl: required`);
    const apiKey = env[`${envName(name)}_API_KEY`] || interpolate(config.apiKey, env) || undefined;
    providers.set(name, {
      name,
      adapter,
      baseUrl: baseUrl.replace(/\/+$/, ''),
      apiKey,
      keyRequired: config.keyRequired ?? true,
      headers: config.headers ?? {},
      signatureFamily: config.signatureFamily ?? adapter.id,
    });
  }
  return providers;
}

function buildModel(
  id: string,
  config: ModelConfig,
  defaults: BuiltinCatalog['defaults'],
  providers: ReadonlyMap<string, Provider>,
  source: string,
): ModelEntry {
  const field = `models.${id}`;
  const routes = buildRoutes(field, config, providers, source);
  if (!config.price) throw new ConfigError(`${source}: ${field}.price: required (USD per million tokens)`);
  for (const mediaField of ['modalities', 'maxSeconds', 'name', 'mode', 'inputSchema'] as const) {
    if (config[mediaField] !== undefined)
      throw new ConfigError(
        `${source}: ${field}.${mediaField}: only for media models (kind: image, video, audio or gpu)`,
      );
  }
  const mediaPriceField = ['perImage', 'perSecond', 'perClip', 'perRequest', 'perCall'].find(
    (key) => key in config.price!,
  );
  if (mediaPriceField) {
    throw new ConfigError(
      `${source}: ${field}.price.${mediaPriceField}: a media price; set kind (image, video, audio or gpu), or give a chat price in USD per million tokens (input, output)`,
    );
  }
  const chatPrice = priceSchema.safeParse(config.price);
  if (!chatPrice.success) {
    const issues = chatPrice.error.issues.map((issue) => ({
      ...issue,
      path: ['models', id, 'price', ...issue.path],
    }));
    throw new ConfigError(formatIssues(source, issues));
  }
  const price: TokenPrice = {
    input: usdPerMillionToMicro(chatPrice.data.input),
    output: usdPerMillionToMicro(chatPrice.data.output),
    cachedInput: optionalPrice(chatPrice.data.cachedInput),
    cacheWrite: optionalPrice(chatPrice.data.cacheWrite),
    reasoning: optionalPrice(chatPrice.data.reasoning),
  };
  return {
    id,
    kind: 'chat',
    dialect: config.dialect ?? nativeWire(routes[0]!.provider.adapter),
    routes,
    price,
    maxOutputTokens: config.maxOutputTokens ?? defaults.maxOutputTokens,
    contextWindow: config.contextWindow ?? defaults.contextWindow,
    capabilities: { tools: config.tools ?? true, vision: config.vision ?? true },
    intents: config.intents ?? [],
  };
}

/** `*` → any run of characters; `[…]` classes kept; everything else literal. */
function globToRegex(glob: string): RegExp {
  const source = glob
    .split(/(\*|\[[^\]]*\])/)
    .map((part) =>
      part === '*' ? '.*' : part.startsWith('[') ? part : part.replace(/[.+?^${}()|\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`);
}

function buildPattern(
  pattern: PatternConfig,
  index: number,
  defaults: BuiltinCatalog['defaults'],
  providers: ReadonlyMap<string, Provider>,
  source: string,
): ModelPattern {
  const provider = providers.get(pattern.route);
  if (!provider)
    throw new ConfigError(`${source}: patterns[${index}].route: unknown provider "${pattern.route}"`);
  const template = buildModel(
    pattern.match,
    { route: `${pattern.route}/${pattern.match}`, price: pattern.price, ...pick(pattern) },
    defaults,
    providers,
    source,
  );
  return {
    glob: pattern.match,
    regex: globToRegex(pattern.match),
    entryFor: (id) => ({ ...template, id, routes: [{ provider, model: id }], intents: [] }),
  };
}

function pick(pattern: PatternConfig): Partial<ModelConfig> {
  const fields: Partial<ModelConfig> = {};
  if (pattern.dialect) fields.dialect = pattern.dialect;
  if (pattern.maxOutputTokens) fields.maxOutputTokens = pattern.maxOutputTokens;
  if (pattern.contextWindow) fields.contextWindow = pattern.contextWindow;
  return fields;
}

function optionalPrice(usd: number | undefined): number | undefined {
  return usd === undefined ? undefined : usdPerMillionToMicro(usd);
}
