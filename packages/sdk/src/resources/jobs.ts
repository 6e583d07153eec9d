import type { RequestOptions } from '../core/http.ts';
import { cursorPages, type PagePromise } from '../core/pagination.ts';
import { type Job, type JobListPage, type JobListParams, terminalStatuses } from '../types/jobs.ts';
import { Resource, segment } from './resource.ts';
import { pollUntil, type WaitOptions } from './wait.ts';

/** The jobs every async kind shares (video, gpu…): `/v1/jobs`. */
export class Jobs extends Resource {
  get(id: string, options: RequestOptions = {}): Promise<Job> {
    return this.http.json<Job>({ method: 'GET', path: `/v1/jobs/${segment(id)}` }, options);
  }

  /** Newest first; `await` for one page, or `for await` over every job. */
  list(params: JobListParams = {}, options: RequestOptions = {}): PagePromise<Job> {
    return cursorPages<Job, string>(async (before) => {
      const page = await this.http.json<JobListPage>(
        {
          method: 'GET',
          path: '/v1/jobs',
          query: {
            kind: params.kind,
            state: params.status,
            model: params.model,
            limit: params.limit,
            before,
          },
        },
        options,
      );
      return { data: page.data, next: page.hasMore && page.nextBefore ? page.nextBefore : null };
    }, params.before);
  }

  /** Cancels a live job (its hold is refunded); an ended job comes back as it is. */
  cancel(id: string, options: RequestOptions = {}): Promise<Job> {
    return this.http.json<Job>({ method: 'POST', path: `/v1/jobs/${segment(id)}/cancel` }, options);
  }

  /**
   * Polls until the job ends (succeeded, failed, canceled or expired) and returns it; it
   * does not throw for a failed job — read `status` and `error`. Backs off between polls.
   */
  wait(id: string, options: WaitOptions<Job> = {}): Promise<Job> {
    return pollUntil(
      (signal) => this.get(id, { ...options.request, ...(signal ? { signal } : {}) }),
      (job) => terminalStatuses.includes(job.status),
      options,
    );
  }
}
