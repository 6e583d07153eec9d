import type { TokenPrice } from '../billing/index.ts';
import type { Provider, WireDialect } from '../providers/index.ts';

export interface ModelRoute {
  provider: Provider;
  /** The model id the upstream knows. */
  model: string;
  /** Share of traffic among the model's targets; unset means plain fallback order. */
  weight?: number;
}

export interface ModelEntry {
  id: string;
  kind: 'chat';
  dialect: WireDialect;
  routes: readonly ModelRoute[];
  /** Micro-credits per million tokens. */
  price: TokenPrice;
  maxOutputTokens: number;
  contextWindow: number;
  capabilities: { tools: boolean; vision: boolean };
  /** Intent buckets the model is in. */
  intents: readonly string[];
}

/** Models and aliases after config merging; aliases resolve before pricing. */
export class Catalog {
  readonly #models: ReadonlyMap<string, ModelEntry>;
  readonly #aliases: ReadonlyMap<string, string>;

  constructor(models: Iterable<ModelEntry>, aliases: Iterable<[string, string]>) {
    this.#models = new Map([...models].map((model) => [model.id, model]));
    this.#aliases = new Map(aliases);
  }

  resolve(id: string): ModelEntry | undefined {
    return this.#models.get(id) ?? this.#models.get(this.#aliases.get(id) ?? '');
  }

  /** Ids a caller may use on an endpoint speaking `dialect`. */
  ids(dialect?: WireDialect): string[] {
    return [...this.#models.values()]
      .filter((model) => dialect === undefined || model.dialect === dialect)
      .map((model) => model.id)
      .sort();
  }

  /** Models of an intent bucket, in catalog order. */
  intentMembers(intent: string): ModelEntry[] {
    return [...this.#models.values()].filter((model) => model.intents.includes(intent));
  }

  intentNames(): string[] {
    return [...new Set([...this.#models.values()].flatMap((model) => model.intents))].sort();
  }

  get size(): number {
    return this.#models.size;
  }
}
