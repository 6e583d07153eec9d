import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../../accounts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { jobJson } from '../../jobs/job-json.ts';
import { getJob, listJobs } from '../../jobs/store.ts';
import { isTerminal, type JobState, jobStates } from '../../jobs/types.ts';
import { createVideoJob } from '../../video/create-video-job.ts';
import { outputLinker } from '../output-linker.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

/** Seconds a client should wait before polling a live job again. */
const retryAfterSeconds = 5;

/**
 * POST /v1/videos/generate (202 + a job), and the jobs API every async kind shares:
 * GET /v1/jobs/{id} (owner only: anyone else gets 404), GET /v1/jobs (kind, state, model
 * filters; keyset paging with `before`), POST /v1/jobs/{id}/cancel and DELETE /v1/jobs/{id}
 * (refunded unless already billed). Also under /api/v1.
 */
export function registerJobRoutes(app: FastifyInstance, services: Services): void {
  const linker = outputLinker(services);
  const retention = services.config.jobs.outputRetentionMs;
  const ownJob = async (request: FastifyRequest) => {
    const principal = request.hypereal.principal as AuthenticatedKey;
    const { id } = request.params as { id: string };
    const job = await getJob(services.db, id);
    if (!job || job.userId !== principal.userId)
      throw new GatewayError('not_found', { param: 'id', message: `No job ${id}.` });
    return job;
  };

  for (const path of v1Paths('/videos/generate')) {
    app.post(path, (request, reply) => createVideoJob(services, services.jobs, linker, request, reply));
  }
  for (const path of v1Paths('/jobs/:id')) {
    app.get(path, async (request, reply) => {
      const job = await ownJob(request);
      if (!isTerminal(job.state)) reply.header('retry-after', String(retryAfterSeconds));
      return jobJson(job, linker(request), retention);
    });
  }
  for (const path of v1Paths('/jobs')) {
    app.get(path, async (request) => {
      const principal = request.hypereal.principal as AuthenticatedKey;
      const query = request.query as Record<string, string | undefined>;
      const state = query['state'] ?? query['status'];
      if (state !== undefined && !(jobStates as readonly string[]).includes(state)) {
        throw new GatewayError('invalid_request', {
          param: 'state',
          message: `state must be one of ${jobStates.join(', ')}.`,
        });
      }
      const limit = Math.min(Math.max(Number(query['limit'] ?? 20) || 20, 1), 100);
      const jobs = await listJobs(services.db, principal.userId, {
        kind: query['kind'],
        state: state as JobState | undefined,
        model: query['model'],
        before: query['before'],
        limit: limit + 1,
      });
      const page = jobs.slice(0, limit);
      return {
        object: 'list',
        data: page.map((job) => jobJson(job, linker(request), retention)),
        hasMore: jobs.length > limit,
        nextBefore: jobs.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    });
  }
  const cancel = async (request: FastifyRequest) => {
    const job = await ownJob(request);
    const ended = isTerminal(job.state) ? undefined : await services.jobs.cancel(job);
    return jobJson(ended ?? (await getJob(services.db, job.id)) ?? job, linker(request), retention);
  };
  for (const path of v1Paths('/jobs/:id/cancel')) app.post(path, cancel);
  for (const path of v1Paths('/jobs/:id')) app.delete(path, cancel);
}
