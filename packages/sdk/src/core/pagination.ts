/**
 * One page of a list, and the way to the next. Iterating a page (`for await`) walks every
 * item of it and of all the pages after it.
 */
export class Page<T> implements AsyncIterable<T> {
  readonly data: T[];
  readonly #next: (() => Promise<Page<T>>) | null;

  constructor(data: T[], next: (() => Promise<Page<T>>) | null) {
    this.data = data;
    this.#next = next;
  }

  hasNextPage(): boolean {
    return this.#next !== null;
  }

  /** The next page, or null after the last. */
  async getNextPage(): Promise<Page<T> | null> {
    return this.#next ? this.#next() : null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    let page: Page<T> | null = this;
    while (page) {
      yield* page.data;
      page = await page.getNextPage();
    }
  }
}

/**
 * What `list()` returns: `await` it for the first page, or `for await` it for every item
 * across all pages (fetched as the loop reaches them).
 */
export class PagePromise<T> extends Promise<Page<T>> implements AsyncIterable<T> {
  // then/catch/finally build plain promises, not PagePromises (whose constructor differs).
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  static of<T>(load: () => Promise<Page<T>>): PagePromise<T> {
    return new PagePromise<T>((resolve, reject) => {
      load().then(resolve, reject);
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    yield* await this;
  }
}

/**
 * A list walked by a cursor (`before`, `cursor`): `fetchPage` gets the page at a cursor and the
 * cursor of the one after it (empty after the last); the list starts at `first`.
 */
export function cursorPages<T, C>(
  fetchPage: (cursor: C | undefined) => Promise<{ data: T[]; next: C | null | undefined }>,
  first?: C,
): PagePromise<T> {
  const load = async (cursor: C | undefined): Promise<Page<T>> => {
    const { data, next } = await fetchPage(cursor);
    return new Page(data, next ? () => load(next) : null);
  };
  return PagePromise.of(() => load(first));
}
