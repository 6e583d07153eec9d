import { randomBytes } from 'node:crypto';

export interface Template {
  id: string;
  name: string;
  image: string;
  args: string;
  disk: number;
  ports: string[];
  env: Record<string, string>;
  registry: string | null;
  serverless: boolean;
  public: boolean;
  category: string;
  createdAt: string;
  updatedAt: string;
}

export interface GpuConfig {
  pools: string[];
  excludedTypes: string[];
  count: number;
  allowedCudaVersions: string[];
  minCudaVersion: string | null;
}

export interface Endpoint {
  id: string;
  name: string;
  type: 'QUEUE';
  scaling: { type: 'QUEUE_DELAY'; queueDelay: number } | { type: 'REQUEST_COUNT'; requestCount: number };
  gpu: GpuConfig;
  workers: { min: number; max: number; idleTimeout: number };
  /** Default execution timeout of its jobs, ms. */
  timeout: number;
  flashboot: 'OFF' | 'FLASHBOOT' | 'PRIORITY_FLASHBOOT';
  dataCenterIds: string[];
  networkVolumes: string[];
  templateId: string | null;
  /** Inline container settings; each wins over the template's. */
  image: string | null;
  args: string | null;
  disk: number | null;
  ports: string[] | null;
  env: Record<string, string>;
  registry: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A pre-seeded endpoint (catalogue models such as `sdxl` exist from the start). */
export interface SeedEndpoint {
  id: string;
  imageName: string;
  name?: string;
  env?: Record<string, string>;
}

export const DEFAULT_SEEDS: readonly SeedEndpoint[] = [
  { id: 'sdxl', imageName: 'hypereal/gpu-worker:sdxl', name: 'sdxl' },
  { id: 'wan-video', imageName: 'hypereal/gpu-worker:wan-video', name: 'wan-video' },
];

/** First path segments under `/v2/` that belong to the management API, never endpoint ids. */
export const RESERVED_IDS: ReadonlySet<string> = new Set([
  'serverless',
  'templates',
  'catalog',
  'network-volumes',
  'billing',
  'pods',
  '_image',
]);

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Endpoint ids look like `jpnw0v75y3qoql` (14 lowercase alphanumerics); template ids are 10. */
export function resourceId(length: number): string {
  let id = '';
  for (const byte of randomBytes(length)) id += ID_ALPHABET.charAt(byte % ID_ALPHABET.length);
  return id;
}

export class EndpointRegistry {
  readonly endpoints = new Map<string, Endpoint>();
  readonly templates = new Map<string, Template>();
  readonly #seeds: readonly SeedEndpoint[];

  constructor(seeds: readonly SeedEndpoint[]) {
    this.#seeds = seeds;
    this.seed();
  }

  seed(): void {
    this.endpoints.clear();
    this.templates.clear();
    for (const seed of this.#seeds) {
      const now = new Date().toISOString();
      this.endpoints.set(seed.id, {
        ...endpointDefaults(seed.name ?? seed.id, now),
        id: seed.id,
        image: seed.imageName,
        env: { ...(seed.env ?? {}) },
      });
    }
  }

  /** The container image a worker of this endpoint runs: the inline one, else its template's. */
  imageOf(endpoint: Endpoint): string | undefined {
    if (endpoint.image) return endpoint.image;
    return endpoint.templateId ? this.templates.get(endpoint.templateId)?.image : undefined;
  }

  envOf(endpoint: Endpoint): Record<string, string> {
    const template = endpoint.templateId ? this.templates.get(endpoint.templateId) : undefined;
    return { ...(template?.env ?? {}), ...endpoint.env };
  }

  /** Ids of the endpoints an image-matched worker serves. */
  endpointsForImage(image: string): string[] {
    return [...this.endpoints.values()]
      .filter((endpoint) => this.imageOf(endpoint) === image)
      .map((e) => e.id);
  }
}

export function endpointDefaults(name: string, now: string): Omit<Endpoint, 'id'> {
  return {
    name,
    type: 'QUEUE',
    scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
    gpu: { pools: ['ADA_24'], excludedTypes: [], count: 1, allowedCudaVersions: [], minCudaVersion: null },
    workers: { min: 0, max: 3, idleTimeout: 10 },
    timeout: 300_000,
    flashboot: 'OFF',
    dataCenterIds: [],
    networkVolumes: [],
    templateId: null,
    image: null,
    args: null,
    disk: null,
    ports: null,
    env: {},
    registry: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}
