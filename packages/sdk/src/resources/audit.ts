import type { HttpClient, RequestOptions } from '../core/http.ts';
import { cursorPages, type PagePromise } from '../core/pagination.ts';
import type { AuditEntry, AuditFilterParams, AuditPage } from '../types/orgs.ts';

/** An audit trail at `path` (`/api/audit` for yours, `/api/orgs/{id}/audit` for an org's). */
export class AuditTrail {
  readonly #http: HttpClient;
  readonly #path: string;

  constructor(http: HttpClient, path: string) {
    this.#http = http;
    this.#path = path;
  }

  /** Entries, newest first; `for await` walks every page. */
  list(
    params: AuditFilterParams & { limit?: number } = {},
    options: RequestOptions = {},
  ): PagePromise<AuditEntry> {
    return cursorPages<AuditEntry, number>(async (before) => {
      const page = await this.#http.json<AuditPage>(
        { method: 'GET', path: this.#path, query: { ...params, before }, auth: 'session' },
        options,
      );
      return { data: page.data, next: page.nextBefore };
    });
  }

  /** The filtered trail as CSV text (up to 10 000 rows). */
  exportCsv(params: AuditFilterParams = {}, options: RequestOptions = {}): Promise<string> {
    return this.#http.text(
      {
        method: 'GET',
        path: `${this.#path}/export`,
        query: { ...params },
        auth: 'session',
        accept: 'text/csv',
      },
      options,
    );
  }
}
