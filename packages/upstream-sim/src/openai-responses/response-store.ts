import { snapshot } from './response-object.ts';
import type { ContextItem, ResponseBody } from './types.ts';

export interface StoredResponse {
  apiKey: string;
  /** The finished response. */
  body: ResponseBody;
  /** Everything the model saw plus what it produced: where `previous_response_id` continues. */
  context: ContextItem[];
  /** How many leading `context` items were input (the rest is the response's output). */
  inputLength: number;
  background: boolean;
  /** A background response stays `queued` until this time (ms since the epoch). */
  readyAt: number;
  /** Set once a queued background response is cancelled. */
  cancelled: ResponseBody | undefined;
}

/**
 * Responses created with `store` (the default), kept per API key as the API scopes them to the
 * project: another key sees a 404. Items are also indexed by id, for `item_reference` and for
 * reasoning items replayed without `encrypted_content`. Bounded, oldest first out, so long
 * benchmarks do not grow memory without limit.
 */
export class ResponseStore {
  readonly #maxResponses: number;
  #responses = new Map<string, StoredResponse>();
  /** `apiKey \0 itemId` → the item and the response that owns it. */
  #items = new Map<string, { owner: string; item: ContextItem }>();

  constructor(maxResponses = 10_000) {
    this.#maxResponses = maxResponses;
  }

  save(record: StoredResponse): void {
    this.#responses.set(record.body.id, record);
    for (const item of record.context) {
      const id = item.wire['id'];
      if (typeof id === 'string')
        this.#items.set(itemKey(record.apiKey, id), { owner: record.body.id, item });
    }
    for (const oldest of this.#responses.values()) {
      if (this.#responses.size <= this.#maxResponses) break;
      this.#remove(oldest);
    }
  }

  get(apiKey: string, id: string): StoredResponse | undefined {
    const record = this.#responses.get(id);
    return record?.apiKey === apiKey ? record : undefined;
  }

  delete(apiKey: string, id: string): boolean {
    const record = this.get(apiKey, id);
    if (record) this.#remove(record);
    return record !== undefined;
  }

  item(apiKey: string, id: string): ContextItem | undefined {
    return this.#items.get(itemKey(apiKey, id))?.item;
  }

  /** The response as a reader sees it now: queued until a background run is due, or cancelled. */
  view(record: StoredResponse): ResponseBody {
    if (record.cancelled) return record.cancelled;
    if (Date.now() < record.readyAt) return snapshot(record.body, 'queued');
    return record.body;
  }

  clear(): void {
    this.#responses.clear();
    this.#items.clear();
  }

  #remove(record: StoredResponse): void {
    this.#responses.delete(record.body.id);
    for (const item of record.context) {
      const key = itemKey(record.apiKey, String(item.wire['id']));
      if (this.#items.get(key)?.owner === record.body.id) this.#items.delete(key);
    }
  }
}

function itemKey(apiKey: string, id: string): string {
  return `${apiKey}\0${id}`;
}
