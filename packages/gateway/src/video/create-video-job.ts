import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../accounts/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { JobEngine } from '../jobs/engine.ts';
import { idempotencyKeyOf } from '../jobs/idempotency-key.ts';
import { jobJson, type OutputLinker } from '../jobs/job-json.ts';
import { createJob, getJob, releaseJob } from '../jobs/store.ts';
import { affordJobHold } from '../metering/admit.ts';
import { checkPublicUrl } from '../net/safe-fetch.ts';
import { defaultVideoRules } from '../routing/video-rules.ts';
import { videoCost } from './video-handler.ts';
import { parseVideoRequest } from './video-request.ts';
import type { VideoServices } from './video-services.ts';

/**
 * POST /v1/videos/generate: validates against the model's rules (400 naming the field),
 * holds price × duration (or per clip) in the same transaction that creates the job (402
 * before any vendor call), submits at once with failover across the model's routes, and
 * answers 202 `{jobId, pollUrl, status}`. The job engine polls from then on. With an
 * `Idempotency-Key` the same job comes back instead of a second one.
 */
export async function createVideoJob(
  services: VideoServices,
  engine: JobEngine,
  link: (request: FastifyRequest) => OutputLinker,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const state = request.hypereal;
  const principal = state.principal as AuthenticatedKey;
  const parsed = parseVideoRequest(
    services.config.catalog,
    (request.body as { json?: unknown } | undefined)?.json,
  );
  const { model, job: video } = parsed;
  state.model = model.id;
  const rules = model.videoRules ?? defaultVideoRules;
  const holdMicro = videoCost(model, 1, video.durationSeconds ?? rules.defaultDuration);

  const idempotencyKey = idempotencyKeyOf(request.headers['idempotency-key']);
  if (parsed.webhookUrl !== undefined)
    await checkPublicUrl(parsed.webhookUrl, {
      param: 'webhookUrl',
      allowPrivate: services.config.network.allowPrivate,
    });
  const budget = await affordJobHold(services, principal, holdMicro, `this ${model.id} video costs`);
  const { job, created } = await createJob(services.db, {
    userId: principal.userId,
    keyId: principal.keyId,
    kind: 'video',
    model: model.id,
    input: { job: video },
    holdMicro,
    endpoint: 'POST /v1/videos/generate',
    idempotencyKey,
    webhookUrl: parsed.webhookUrl,
    deadlineMs: rules.deadlineMinutes * 60_000,
    keyBudget: budget?.ref,
    leaseOwner: engine.owner,
    orgId: principal.orgId,
    leaseMs: engine.leaseMs,
  });
  // The job logs itself when it ends (its request-log row is written with its settlement).
  state.logged = true;
  const linker = link(request);
  const answer = (current: typeof job) =>
    reply
      .code(202)
      .header('x-request-id', state.requestId)
      .header('x-hypereal-model', model.id)
      .header('location', `/v1/jobs/${current.id}`)
      .send({
        jobId: current.id,
        pollUrl: `/v1/jobs/${current.id}`,
        ...jobJson(current, linker, services.config.jobs.outputRetentionMs),
      });
  if (!created) return answer(job);

  const handler = engine.handler('video');
  try {
    const vendor = await handler.submit(job, AbortSignal.timeout(services.config.jobs.leaseMs));
    await releaseJob(services.db, job, engine.owner, {
      state: 'queued',
      vendor,
      nextPollAt:
        Date.now() +
        Math.min(
          handler.pollIntervalMs({ ...job, provider: vendor.provider, upstreamModel: vendor.upstreamModel }),
          engine.maxPollIntervalMs,
        ),
    });
  } catch (error) {
    const failure =
      error instanceof GatewayError ? error : new GatewayError('internal_error', { cause: error });
    await engine.end(job, { state: 'failed', code: failure.code, message: failure.message });
    throw failure;
  }
  return answer((await getJob(services.db, job.id)) ?? job);
}
