import * as z from 'zod';
import { wireDialects } from '../contracts/index.ts';
import { isHostOrCidr } from '../net/address-policy.ts';
import { referenceSources } from '../routing/image-rules.ts';
import { mediaKinds, mediaModalities } from '../routing/media-models.ts';
import { videoReferenceFields } from '../routing/video-rules.ts';
import { paymentsSchema } from './payments-schema.ts';

/** USD per million tokens, as operators read price lists. */
export const priceSchema = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cachedInput: z.number().nonnegative().optional(),
    cacheWrite: z.number().nonnegative().optional(),
    reasoning: z.number().nonnegative().optional(),
  })
  .strict();

const credits = z.number().nonnegative();

/**
 * One `price` field for every kind, checked against the model's kind once the config
 * file is merged over the catalog (an override need not repeat `kind`): chat prices
 * are USD per million tokens, media prices are credits (100 = $1) per unit.
 */
const modelPriceSchema = z
  .object({
    ...priceSchema.partial().shape,
    perImage: credits.optional(),
    tiers: z.record(z.string().min(1), credits).optional(),
    perSecond: credits.optional(),
    perClip: credits.optional(),
    perRequest: credits.optional(),
    perCall: credits.optional(),
  })
  .strict();

/** Image models: what a request may ask for (routing/image-rules.ts), checked before any vendor call. */
export const imageRulesSchema = z
  .object({
    maxImages: z.number().int().min(1).max(10).optional(),
    sizes: z
      .array(z.string().regex(/^\d+x\d+$/, 'expected WIDTHxHEIGHT'))
      .min(1)
      .optional(),
    sizeGrid: z
      .object({
        multipleOf: z.number().int().positive(),
        minSide: z.number().int().positive(),
        maxPixels: z.number().int().positive(),
      })
      .strict()
      .optional(),
    sizeTiers: z.record(z.string().regex(/^\d+x\d+$/), z.string().min(1)).optional(),
    aspectRatios: z
      .array(z.string().regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, 'expected W:H'))
      .min(1)
      .optional(),
    resolutions: z.array(z.string().min(1)).min(1).optional(),
    qualities: z.array(z.string().min(1)).min(1).optional(),
    maxReferences: z.number().int().min(0).optional(),
    referenceSources: z.array(z.enum(referenceSources)).min(1).optional(),
    defaultTier: z.string().min(1).optional(),
  })
  .strict();

/** Video models: what a request may ask for (routing/video-rules.ts), checked before any vendor call. */
export const videoRulesSchema = z
  .object({
    durations: z.array(z.number().positive()).min(1).optional(),
    defaultDuration: z.number().positive().optional(),
    aspectRatios: z
      .array(z.string().regex(/^(\d+(\.\d+)?:\d+(\.\d+)?|adaptive)$/, 'expected W:H or adaptive'))
      .min(1)
      .optional(),
    resolutions: z.array(z.string().min(1)).min(1).optional(),
    /** Longest clip per resolution where the vendor limits it (`{ 1080P: 6 }`). */
    maxDurationByResolution: z.record(z.string().min(1), z.number().int().positive()).optional(),
    referenceFields: z.array(z.enum(videoReferenceFields)).optional(),
    maxImages: z.number().int().min(0).max(10).optional(),
    deadlineMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .optional(),
  })
  .strict();

export const routeSchema = z.union([
  z.string().regex(/^[A-Za-z0-9_-]+\/.+$/, 'expected "<provider>/<upstream model id>"'),
  z
    .object({
      provider: z.string().min(1),
      model: z.string().min(1),
      weight: z.number().positive().optional(),
    })
    .strict(),
]);

export const modelSchema = z
  .object({
    kind: z.enum(['chat', ...mediaKinds]).optional(),
    dialect: z.enum(wireDialects).optional(),
    route: routeSchema.optional(),
    routes: z.array(routeSchema).min(1).optional(),
    price: modelPriceSchema.optional(),
    maxOutputTokens: z.number().int().positive().optional(),
    contextWindow: z.number().int().positive().optional(),
    disabled: z.boolean().optional(),
    /** Capability buckets this model belongs to (intent routing). */
    intents: z.array(z.string().min(1)).optional(),
    tools: z.boolean().optional(),
    vision: z.boolean().optional(),
    /** Media models: what they turn into what (text-to-image, image-to-video…). */
    modalities: z.array(z.enum(mediaModalities)).min(1).optional(),
    /** GPU models: maximum execution time per call, in seconds. */
    maxSeconds: z.number().positive().optional(),
    /** GPU models: the display name in the catalogue. */
    name: z.string().min(1).optional(),
    /** GPU models: `sync` answers POST /v1/gpu/{slug} inline, `async` with 202 and a poll URL. */
    mode: z.enum(['sync', 'async']).optional(),
    /** GPU models: a JSON schema (draft 2020-12 subset Ajv knows) the call's `input` must match. */
    inputSchema: z.record(z.string(), z.unknown()).optional(),
    /** Image models: the request options each accepts (sizes, aspect ratios, references…). */
    rules: imageRulesSchema.optional(),
    /** Video models: durations, aspect ratios, resolutions, reference fields, deadline. */
    videoRules: videoRulesSchema.optional(),
  })
  .strict();

/** A family pattern: ids matching `match` (a glob: `*`, `[0-9]`) go to `route`'s provider under the same id. */
export const patternSchema = z
  .object({
    match: z.string().min(1),
    route: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected a provider name'),
    dialect: z.enum(wireDialects).optional(),
    price: priceSchema,
    maxOutputTokens: z.number().int().positive().optional(),
    contextWindow: z.number().int().positive().optional(),
  })
  .strict();

export const providerSchema = z
  .object({
    adapter: z.string().min(1).optional(),
    baseUrl: z.url().optional(),
    /** Literal key or `${ENV_VAR}`; `<NAME>_API_KEY` in the environment wins. */
    apiKey: z.string().optional(),
    keyRequired: z.boolean().optional(),
    /** Upstreams sharing a family accept each other's thinking signatures; default: the adapter id. */
    signatureFamily: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** The image API this provider speaks (`openai-images`, `gemini-images`, `bfl`, `seedream`), for image models. */
    imageApi: z.string().min(1).optional(),
    /** The video API this provider speaks (`veo`, `seedance`, `kling`, `minimax-hailuo`, `wan`, `vidu`, `grok-video`), for video models. */
    videoApi: z.string().min(1).optional(),
    /** The GPU backend this provider is (`runpod`, or `workers`: the self-hosted pool, no base URL), for GPU models. */
    gpuApi: z.enum(['runpod', 'workers']).optional(),
  })
  .strict();

/** One GPU tier (a RunPod pool id such as `ADA_24`): what deployments on it cost per second. */
export const gpuTierSchema = z
  .object({
    name: z.string().min(1),
    memoryGb: z.number().positive(),
    pricePerSecondCredits: z.number().nonnegative(),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().optional(),
        port: z.number().int().min(0).max(65535).optional(),
        bodyLimitMb: z.number().positive().optional(),
        /** Idle time after which a stream gets a keepalive event (Anthropic `ping`, SSE comment). */
        keepaliveMs: z.number().int().positive().optional(),
        /** Longest a client may take to send a whole request (headers and body). */
        requestTimeoutMs: z.number().int().positive().optional(),
        /** Longest a client may take to send the request headers. */
        headersTimeoutMs: z.number().int().positive().optional(),
        /** On SIGTERM: how long admitted requests may take to finish before they are cut and refunded. */
        shutdownGraceMs: z.number().int().min(0).optional(),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
      })
      .strict()
      .optional(),
    database: z.object({ url: z.string().optional(), sqlitePath: z.string().optional() }).strict().optional(),
    jobs: z
      .object({
        /** How often each gateway process looks for due jobs. */
        tickMs: z.number().int().min(10).max(60_000).optional(),
        /** How long a worker owns a claimed job before another may take it over. */
        leaseSeconds: z.number().min(1).max(3600).optional(),
        /** Most jobs one process advances at once. */
        concurrency: z.number().int().min(1).max(1000).optional(),
        /** How long a job's outputs stay downloadable (their signed links' lifetime too). */
        outputRetentionDays: z.number().positive().optional(),
        /** Caps every vendor's poll interval (the simulator demo and tests poll faster). */
        maxPollIntervalMs: z.number().int().min(10).optional(),
        /** Webhook deliveries: first retry after this long, doubling; at most this many attempts. */
        webhookRetryBaseMs: z.number().int().min(10).optional(),
        webhookMaxAttempts: z.number().int().min(1).max(20).optional(),
      })
      .strict()
      .optional(),
    /** The self-hosted GPU worker pool (gpu/self-hosted): heartbeat cadence and the stop channel's long-poll. */
    gpuWorkers: z
      .object({
        /** RUNPOD_PING_INTERVAL handed to workers; one silent for 3 intervals is dead. */
        pingIntervalMs: z.number().int().min(50).max(600_000).optional(),
        /** How long a worker's job-stop request is held open when there is nothing to stop. */
        stopLongPollMs: z.number().int().min(10).max(120_000).optional(),
      })
      .strict()
      .optional(),
    /** The usage rollup (usage/rollup-build.ts) that keeps the dashboard's totals fast. */
    usage: z
      .object({
        /** How often each replica brings the rollup up to the last closed day; 0 turns it off (300). */
        rollupIntervalSeconds: z.number().min(0).max(86_400).optional(),
        /** A UTC day is closed this long after it ends and after the oldest open hold or job started (60). */
        rollupMarginMinutes: z.number().min(1).max(10_080).optional(),
      })
      .strict()
      .optional(),
    billing: z
      .object({
        minimumBalanceCredits: z.number().nonnegative().optional(),
        /** A running request renews its hold; one not renewed for this long is released. */
        holdLeaseSeconds: z.number().min(1).max(3600).optional(),
        /** Per-replica credit leases: calls far from the edge admitted in memory (default true). */
        creditLeases: z.boolean().optional(),
      })
      .strict()
      .optional(),
    admin: z
      .object({ token: z.string().min(16, 'use at least 16 characters').optional() })
      .strict()
      .optional(),
    rateLimits: z
      .object({
        defaultRpm: z.number().int().positive().optional(),
        plans: z.record(z.string(), z.number().int().positive()).optional(),
      })
      .strict()
      .optional(),
    routing: z
      .object({
        retriesPerTarget: z.number().int().min(0).max(5).optional(),
        backoffBaseMs: z.number().int().min(0).optional(),
        backoffMaxMs: z.number().int().min(0).optional(),
        maxRetryAfterMs: z.number().int().min(0).optional(),
        breaker: z
          .object({
            failureThreshold: z.number().int().positive().optional(),
            cooldownMs: z.number().int().positive().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    redis: z.object({ url: z.string().optional() }).strict().optional(),
    upstream: z
      .object({
        connectTimeoutMs: z.number().int().positive().optional(),
        firstByteTimeoutMs: z.number().int().positive().optional(),
        idleTimeoutMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    providers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), providerSchema).optional(),
    models: z.record(z.string().min(1), modelSchema).optional(),
    aliases: z.record(z.string().min(1), z.string().min(1)).optional(),
    /** Operator family patterns, tried before the built-in ones. */
    patterns: z.array(patternSchema).optional(),
    /** The built-in claude-* / gemini-* / gpt-* / o* patterns (default on). */
    builtinPatterns: z.boolean().optional(),
    /** Extra members of intent buckets, by model id (on top of the models' own `intents`). */
    intents: z
      .record(z.string().min(1), z.object({ models: z.array(z.string().min(1)) }).strict())
      .optional(),
    metrics: z
      .object({ token: z.string().min(16).optional() })
      .strict()
      .optional(),
    /** Outgoing mail (spending alerts): an SMTP URL such as smtp://user:pass@host:587. */
    mail: z
      .object({ smtpUrl: z.string().optional(), from: z.string().min(3).optional() })
      .strict()
      .optional(),
    /** Where uploaded and generated files live, and how their links are signed. */
    storage: z
      .object({
        backend: z.enum(['local', 's3']).optional(),
        /** Local backend: the directory (default: <data dir>/files). */
        dir: z.string().min(1).optional(),
        s3: z
          .object({
            bucket: z.string().min(3, 'S3 bucket names have 3 to 63 characters').max(63),
            region: z.string().min(1).optional(),
            /** An S3-compatible server (MinIO, R2, …); unset: AWS. */
            endpoint: z.url().optional(),
            forcePathStyle: z.boolean().optional(),
            /** Literal or `${ENV_VAR}`; unset: the AWS SDK's default chain (AWS_ACCESS_KEY_ID, …). */
            accessKeyId: z.string().min(1).optional(),
            secretAccessKey: z.string().min(1).optional(),
            /** Key prefix inside the bucket, e.g. `hypereal/`. */
            prefix: z.string().optional(),
          })
          .strict()
          .optional(),
        /** HMAC key of signed file links; unset: generated once and kept in the data dir. */
        signingSecret: z
          .string()
          .refine((value) => value.length >= 32 || /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value), {
            message: `use at least 32 characters (or \${ENV_VAR})`,
          })
          .optional(),
        urlTtlSeconds: z.number().int().positive().optional(),
        maxFileBytes: z.number().int().positive().optional(),
        /** Bytes of live files each user may keep; unset: no quota. */
        quotaBytes: z.number().int().positive().optional(),
      })
      .strict()
      .refine((storage) => storage.backend !== 's3' || storage.s3 !== undefined, {
        path: ['s3'],
        message: 'required when backend is s3 (at least s3.bucket)',
      })
      .optional(),
    /** GPU jobs and deployments (docs/api-contract.md §10). */
    gpu: z
      .object({
        /** How long POST /v1/gpu/{slug} waits inline for a `sync` model before answering 202. */
        serverlessWaitMs: z.number().int().min(0).max(600_000).optional(),
        /** How long POST /v1/gpu/run/{slug} with `"sync": true` waits before answering with the queued job. */
        syncWaitMs: z.number().int().min(0).max(600_000).optional(),
        /** How long a GPU job may wait for a worker before it expires (on top of its maxSeconds). */
        queueTimeoutMs: z.number().int().min(1000).optional(),
        /** RunPod's management API (REST v2); `RUNPOD_REST_BASE_URL` wins. */
        runpodRestBaseUrl: z.url().optional(),
        /** GPU tiers by pool id, merged over the built-in table (catalog/media-models.yaml `gpuTiers`). */
        tiers: z
          .record(z.string().regex(/^[A-Z0-9_]+$/, 'expected a pool id like ADA_24'), gpuTierSchema)
          .optional(),
      })
      .strict()
      .optional(),
    /** Outgoing fetches of user-supplied URLs (reference images, webhooks). */
    network: z
      .object({
        /** Hosts or CIDRs that may be fetched although private (and over plain http). Empty by default. */
        allowPrivate: z
          .array(z.string().refine(isHostOrCidr, 'expected a host name, an IP address or a CIDR'))
          .optional(),
      })
      .strict()
      .optional(),
    /** Where users reach the gateway, for links in emails and Secure cookies behind HTTPS. */
    publicUrl: z.url().optional(),
    /** Stripe Checkout top-ups (off unless both Stripe secrets are set). */
    payments: paymentsSchema.optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type PatternConfig = z.infer<typeof patternSchema>;
