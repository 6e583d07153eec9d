import type { HttpClient, RequestOptions } from '../core/http.ts';
import type { Job } from '../types/jobs.ts';
import type { VideoGenerateParams, VideoJob } from '../types/media.ts';
import type { Jobs } from './jobs.ts';
import { Resource } from './resource.ts';
import type { WaitOptions } from './wait.ts';

/** `POST /v1/videos/generate`: async; credits are held at submission, refunded if the job fails. */
export class Videos extends Resource {
  readonly #jobs: Jobs;

  constructor(http: HttpClient, jobs: Jobs) {
    super(http);
    this.#jobs = jobs;
  }

  /**
   * Creates the job and returns it at once (202). Sent with an Idempotency-Key, the same on
   * every retry, so a retried call never starts a second video.
   */
  generate(params: VideoGenerateParams, options: RequestOptions = {}): Promise<VideoJob> {
    return this.http.json<VideoJob>(
      { method: 'POST', path: '/v1/videos/generate', json: params, idempotent: true },
      options,
    );
  }

  /** Creates the job, then polls it until it ends (`onProgress` sees every poll). */
  async generateAndWait(
    params: VideoGenerateParams,
    options: WaitOptions<Job> & RequestOptions = {},
  ): Promise<Job> {
    const { onProgress, pollInterval, maxPollInterval, timeout, signal, ...request } = options;
    const created = await this.generate(params, { ...request, ...(signal ? { signal } : {}) });
    onProgress?.(created);
    return this.#jobs.wait(created.id, {
      ...(onProgress ? { onProgress } : {}),
      ...(signal ? { signal } : {}),
      ...(pollInterval !== undefined ? { pollInterval } : {}),
      ...(maxPollInterval !== undefined ? { maxPollInterval } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
    });
  }
}
