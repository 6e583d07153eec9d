import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors/index.ts';
import { jobJson } from '../../jobs/job-json.ts';
import { getJob, listJobs } from '../../jobs/store.ts';
import { isTerminal, type JobState, jobStates } from '../../jobs/types.ts';
import { outputLinker } from '../output-linker.ts';
import type { Services } from '../services.ts';

/**
 * The dashboard's view of the signed-in user's jobs (the /jobs page): GET /api/jobs (newest
 * first, `state` filter, `before` paging) with state, cost and output links, and
 * POST /api/jobs/{id}/cancel.
 */
export function registerAccountJobRoutes(app: FastifyInstance, services: Services): void {
  const userOf = (request: FastifyRequest) => request.hypereal.session!.userId;
  const link = outputLinker(services);
  const retention = services.config.jobs.outputRetentionMs;
  app.get('/api/jobs', async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const state = query['state'] || undefined;
    if (state !== undefined && !(jobStates as readonly string[]).includes(state))
      throw new GatewayError('invalid_request', {
        param: 'state',
        message: `state must be one of ${jobStates.join(', ')}.`,
      });
    const limit = Math.min(Math.max(Number(query['limit'] ?? 50) || 50, 1), 100);
    const jobs = await listJobs(services.db, userOf(request), {
      state: state as JobState | undefined,
      before: query['before'],
      limit: limit + 1,
    });
    const page = jobs.slice(0, limit);
    return {
      data: page.map((job) => jobJson(job, link(request), retention)),
      nextBefore: jobs.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  });
  app.post('/api/jobs/:id/cancel', async (request) => {
    const { id } = request.params as { id: string };
    const job = await getJob(services.db, id);
    if (!job || job.userId !== userOf(request))
      throw new GatewayError('not_found', { message: `No job ${id}.` });
    const ended = isTerminal(job.state) ? undefined : await services.jobs.cancel(job);
    return jobJson(ended ?? job, link(request), retention);
  });
}
