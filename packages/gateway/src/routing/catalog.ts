import type { TokenPrice } from '../billing/index.ts';
import type { WireDialect } from '../contracts/index.ts';
import type { MediaKind, MediaModelEntry } from './media-models.ts';
import type { ModelRoute } from './model-route.ts';

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

/** A family rule: an id the catalog does not list, routed to its family's provider. */
export interface ModelPattern {
  glob: string;
  regex: RegExp;
  /** Builds the entry for a matching id (same id upstream, the family's price). */
  entryFor(id: string): ModelEntry;
}

/**
 * Longest model id a family pattern resolves (real ids are a few dozen characters).
 * Longer ids not listed are unknown models: they never reach a family pattern nor the resolution cache, so a
 * refused request's megabyte "model" does not stay in memory.
 */
export const maxModelIdLength = 200;
/** Family-pattern resolutions remembered (each id at most `maxModelIdLength`). */
const patternedCacheEntries = 10_000;

/** How an id was found: listed, via an alias, or by a family pattern (kept in the request log). */
export type ResolutionRule = 'catalog' | `alias:${string}` | `pattern:${string}`;

/**
 * Models, aliases and family patterns after config merging; aliases resolve before pricing.
 * Chat models (`resolve`, `lookup`, `ids`, `intentMembers`) and media models (`media`,
 * `mediaIds`, `mediaIntentMembers`) are kept apart: a chat lookup never returns a media model.
 */
export class Catalog {
  readonly #models: ReadonlyMap<string, ModelEntry>;
  readonly #media: ReadonlyMap<string, MediaModelEntry>;
  readonly #aliases: ReadonlyMap<string, string>;
  readonly #patterns: readonly ModelPattern[];
  readonly #patterned = new Map<string, { model: ModelEntry; rule: ResolutionRule }>();
  readonly #disabled: ReadonlySet<string>;

  constructor(
    models: Iterable<ModelEntry>,
    aliases: Iterable<[string, string]>,
    patterns: readonly ModelPattern[] = [],
    disabled: Iterable<string> = [],
    media: Iterable<MediaModelEntry> = [],
  ) {
    this.#models = new Map([...models].map((model) => [model.id, model]));
    this.#media = new Map([...media].map((model) => [model.id, model]));
    this.#aliases = new Map(aliases);
    this.#patterns = patterns;
    this.#disabled = new Set(disabled);
  }

  resolve(id: string): ModelEntry | undefined {
    return this.lookup(id)?.model;
  }

  lookup(id: string): { model: ModelEntry; rule: ResolutionRule } | undefined {
    const listed = this.#models.get(id);
    if (listed) return { model: listed, rule: 'catalog' };
    const target = this.#aliases.get(id);
    const aliased = target === undefined ? undefined : this.#models.get(target);
    if (aliased) return { model: aliased, rule: `alias:${id}` };
    // A model the operator disabled stays off, and a media id is no chat model: no family
    // pattern (`gpt-*`, `gemini-*`) brings either back.
    if (this.#disabled.has(id) || this.media(id) || id.length > maxModelIdLength) return undefined;
    const known = this.#patterned.get(id);
    if (known) return known;
    const pattern = this.#patterns.find((candidate) => candidate.regex.test(id));
    if (!pattern) return undefined;
    const found = { model: pattern.entryFor(id), rule: `pattern:${pattern.glob}` as const };
    if (this.#patterned.size < patternedCacheEntries) this.#patterned.set(id, found);
    return found;
  }

  /** An image, video, audio or GPU model by id or alias. */
  media(id: string): MediaModelEntry | undefined {
    return this.#media.get(id) ?? this.#media.get(this.#aliases.get(id) ?? '');
  }

  mediaIds(kind?: MediaKind): string[] {
    return [...this.#media.values()]
      .filter((model) => kind === undefined || model.kind === kind)
      .map((model) => model.id)
      .sort();
  }

  mediaIntentMembers(intent: string): MediaModelEntry[] {
    return [...this.#media.values()].filter((model) => model.intents.includes(intent));
  }

  /** Which kind of model an intent bucket picks (buckets never mix kinds). */
  intentKind(intent: string): 'chat' | MediaKind | undefined {
    if (this.intentMembers(intent).length > 0) return 'chat';
    return this.mediaIntentMembers(intent)[0]?.kind;
  }

  mediaIntentNames(kind: MediaKind): string[] {
    return [
      ...new Set(
        [...this.#media.values()].filter((model) => model.kind === kind).flatMap((model) => model.intents),
      ),
    ].sort();
  }

  get patterns(): readonly string[] {
    return this.#patterns.map((pattern) => pattern.glob);
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

  /** Chat models listed (patterns aside). */
  get size(): number {
    return this.#models.size;
  }

  get mediaSize(): number {
    return this.#media.size;
  }
}
