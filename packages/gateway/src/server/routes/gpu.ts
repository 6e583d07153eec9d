import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import type { AuthenticatedKey } from '../../accounts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { buildWorkerInput } from '../../gpu/comfy-workflow.ts';
import { createGpuJob } from '../../gpu/create-gpu-job.ts';
import { getOwnerDeployment } from '../../gpu/deployments.ts';
import type { GpuOwner } from '../../gpu/deployments-store.ts';
import type { GpuJobInput } from '../../gpu/gpu-job-input.ts';
import { getGpuJobRun, listGpuJobs } from '../../gpu/gpu-jobs-store.ts';
import { gpuJobJson, gpuModelsJson, gpuTiersJson, tierRateMicro } from '../../gpu/gpu-json.ts';
import { checkInput } from '../../gpu/input-schema.ts';
import { livePoll, waitForJob } from '../../gpu/wait-for-job.ts';
import { idempotencyKeyOf } from '../../jobs/idempotency-key.ts';
import { getJob } from '../../jobs/store.ts';
import { isTerminal, type JobRecord, type JobState, jobStates } from '../../jobs/types.ts';
import { checkPublicUrl } from '../../net/safe-fetch.ts';
import { allows, findMembership } from '../../orgs/index.ts';
import { describeKind } from '../../routing/media-models.ts';
import { outputLinker } from '../output-linker.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

/** Seconds a client should wait before polling a live GPU job again. */
const retryAfterSeconds = 2;

/** The person or org a key acts for: an org key's GPU jobs and deployments are the org's. */
export const ownerOf = (request: FastifyRequest): GpuOwner => {
  const principal = request.hypereal.principal as AuthenticatedKey;
  return { userId: principal.userId, orgId: principal.orgId };
};

/** An org key may manage and run deployments only while its creator's role allows `gpu.manage`. */
export async function assertMayManageGpu(services: Services, request: FastifyRequest): Promise<void> {
  const principal = request.hypereal.principal as AuthenticatedKey;
  if (!principal.orgId) return;
  const membership = await findMembership(services.db, principal.orgId, principal.userId);
  if (!membership || !allows(membership.role, 'gpu.manage')) {
    throw new GatewayError('forbidden', {
      message: `This org key's creator ${membership ? `is ${membership.role} in ${membership.org.name}, which` : 'is no longer a member; that'} does not allow gpu.manage.`,
    });
  }
}

const serverlessBody = z.object({
  input: z.record(z.string(), z.unknown(), { error: 'input must be an object' }),
  webhookUrl: z.string().max(2000).optional(),
});
const runBody = z.object({
  input: z.record(z.string(), z.unknown(), { error: 'input must be an object' }),
  sync: z.boolean().optional(),
  webhookUrl: z.string().max(2000).optional(),
});

function body<T>(schema: z.ZodType<T>, request: FastifyRequest): T {
  const parsed = schema.safeParse((request.body as { json?: unknown } | undefined)?.json ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.map(String).join('.') || null;
  throw new GatewayError('invalid_request', {
    param,
    message: `Invalid field ${param ?? 'body'}: ${issue?.message ?? 'invalid'}`,
  });
}

/**
 * GPU (docs/api-contract.md §10): the serverless catalogue (GET /v1/gpu/models, /v1/gpu/tiers),
 * POST /v1/gpu/{slug} (a `sync` model answers inline within `gpu.serverlessWaitMs`, else 202 and
 * a poll URL), POST /v1/gpu/run/{slug} on a deployment (async; `"sync": true` waits up to
 * `gpu.syncWaitMs` then answers the queued job), and the GPU jobs: GET /v1/gpu/jobs/{id} (live:
 * a live job is advanced at its backend before the answer), GET /v1/gpu/jobs, POST
 * /v1/gpu/jobs/{id}/cancel. Another owner's job is a 404. Also under /api/v1.
 */
export function registerGpuRoutes(app: FastifyInstance, services: Services): void {
  const linker = outputLinker(services);
  const retention = services.config.jobs.outputRetentionMs;
  const show = async (request: FastifyRequest, job: JobRecord) =>
    gpuJobJson(job, await getGpuJobRun(services.db, job), linker(request), retention);

  const ownJob = async (request: FastifyRequest): Promise<JobRecord> => {
    const { id } = request.params as { id: string };
    const job = await getJob(services.db, id);
    const owner = ownerOf(request);
    if (job?.kind === 'gpu') {
      const run = await getGpuJobRun(services.db, job);
      if (run.ownerKey === (owner.orgId ?? owner.userId)) return job;
    }
    throw new GatewayError('not_found', { param: 'id', message: `No GPU job ${id}.` });
  };

  const webhookOf = async (url: string | undefined) => {
    if (url !== undefined)
      await checkPublicUrl(url, { param: 'webhookUrl', allowPrivate: services.config.network.allowPrivate });
    return url;
  };

  const answer = async (
    reply: FastifyReply,
    request: FastifyRequest,
    job: JobRecord,
    liveStatus: 200 | 202,
  ) => {
    if (!isTerminal(job.state)) reply.header('retry-after', String(retryAfterSeconds));
    reply
      .code(isTerminal(job.state) ? 200 : liveStatus)
      .header('x-request-id', request.hypereal.requestId)
      .header('location', `/v1/gpu/jobs/${job.id}`);
    return show(request, job);
  };

  for (const path of v1Paths('/gpu/models')) app.get(path, async () => gpuModelsJson(services.config));
  for (const path of v1Paths('/gpu/tiers')) app.get(path, async () => gpuTiersJson(services.config));

  for (const path of v1Paths('/gpu/run/:slug')) {
    app.post(path, async (request, reply) => {
      await assertMayManageGpu(services, request);
      const { slug } = request.params as { slug: string };
      const owner = ownerOf(request);
      const parsed = body(runBody, request);
      const idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
      const deployment = await getOwnerDeployment(services, owner, slug, { refresh: false });
      if (!deployment.endpointId || deployment.state === 'failed')
        throw new GatewayError('upstream_unavailable', {
          message: `Deployment ${slug} has no live endpoint (state ${deployment.state}).`,
        });
      const webhookUrl = (await webhookOf(parsed.webhookUrl)) ?? deployment.webhookUrl ?? undefined;
      const input: GpuJobInput = {
        family: 'deployment',
        workerInput: buildWorkerInput(parsed.input, deployment.workflow),
        maxSeconds: deployment.maxSeconds,
        perCallMicro: 0,
        perSecondMicro: tierRateMicro(services.config, deployment.gpuTypes),
        deploymentId: deployment.id,
        backend: deployment.backend,
        endpointId: deployment.endpointId,
      };
      request.hypereal.model = slug;
      const { job } = await createGpuJob(services, services.jobs, {
        principal: request.hypereal.principal as AuthenticatedKey,
        owner,
        model: slug,
        input,
        deploymentId: deployment.id,
        webhookUrl,
        idempotencyKey,
        endpoint: `POST /v1/gpu/run/${slug}`,
      });
      request.hypereal.logged = true;
      const current = parsed.sync
        ? ((await waitForJob(services, services.jobs, job.id, services.config.gpu.syncWaitMs)) ?? job)
        : job;
      // Async: 202 while it runs; sync: 200 even when it outlived the wait (the queued job, not an error).
      return answer(reply, request, current, parsed.sync ? 200 : 202);
    });
  }

  for (const path of v1Paths('/gpu/:slug')) {
    app.post(path, async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const model = services.config.catalog.media(slug);
      const available = services.config.catalog.mediaIds('gpu');
      if (!model)
        throw new GatewayError('unknown_model', {
          param: 'slug',
          message: `Unknown GPU model ${slug}.`,
          details: { available_models: available },
        });
      if (model.kind !== 'gpu' || model.price.kind !== 'gpu')
        throw new GatewayError('wrong_endpoint', {
          param: 'slug',
          message: `${slug} is ${describeKind(model.kind)}, not a GPU model.`,
          details: { available_models: available },
        });
      request.hypereal.model = slug;
      const parsed = body(serverlessBody, request);
      checkInput(model.gpu?.inputSchema ?? { type: 'object' }, parsed.input);
      const idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
      const webhookUrl = await webhookOf(parsed.webhookUrl);
      const { price } = model;
      const { job } = await createGpuJob(services, services.jobs, {
        principal: request.hypereal.principal as AuthenticatedKey,
        owner: ownerOf(request),
        model: slug,
        input: {
          family: 'serverless',
          workerInput: parsed.input,
          maxSeconds: price.maxSeconds,
          perCallMicro: price.perCall,
          perSecondMicro: price.perSecond,
        },
        deploymentId: null,
        webhookUrl,
        idempotencyKey,
        endpoint: `POST /v1/gpu/${slug}`,
      });
      request.hypereal.logged = true;
      const current =
        model.gpu?.mode === 'sync'
          ? ((await waitForJob(services, services.jobs, job.id, services.config.gpu.serverlessWaitMs)) ?? job)
          : job;
      if (isTerminal(current.state)) return answer(reply, request, current, 200);
      reply
        .code(202)
        .header('retry-after', String(retryAfterSeconds))
        .header('location', `/v1/gpu/jobs/${job.id}`);
      return {
        id: current.id,
        object: 'gpu.job',
        model: slug,
        status: current.state,
        pollUrl: `/v1/gpu/jobs/${current.id}`,
      };
    });
  }

  for (const path of v1Paths('/gpu/jobs/:id')) {
    app.get(path, async (request, reply) => {
      const job = await livePoll(services, services.jobs, await ownJob(request));
      if (!isTerminal(job.state)) reply.header('retry-after', String(retryAfterSeconds));
      return show(request, job);
    });
  }
  for (const path of v1Paths('/gpu/jobs')) {
    app.get(path, async (request) => {
      const query = request.query as Record<string, string | undefined>;
      const state = query['state'] ?? query['status'];
      if (state !== undefined && !(jobStates as readonly string[]).includes(state))
        throw new GatewayError('invalid_request', {
          param: 'state',
          message: `state must be one of ${jobStates.join(', ')}.`,
        });
      const owner = ownerOf(request);
      let deploymentId: string | undefined;
      if (query['deployment'] !== undefined)
        deploymentId = (await getOwnerDeployment(services, owner, query['deployment'], { refresh: false }))
          .id;
      const limit = Math.min(Math.max(Number(query['limit'] ?? 20) || 20, 1), 100);
      const rows = await listGpuJobs(services.db, owner, {
        deploymentId,
        state: state as JobState | undefined,
        before: query['before'],
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return {
        object: 'list',
        data: page.map(({ job, run }) => gpuJobJson(job, run, linker(request), retention)),
        hasMore: rows.length > limit,
        nextBefore: rows.length > limit ? (page.at(-1)?.job.id ?? null) : null,
      };
    });
  }
  for (const path of v1Paths('/gpu/jobs/:id/cancel')) {
    app.post(path, async (request) => {
      const job = await ownJob(request);
      const ended = isTerminal(job.state) ? undefined : await services.jobs.cancel(job);
      return show(request, ended ?? (await getJob(services.db, job.id)) ?? job);
    });
  }
}
