import { GatewayError } from '../errors/index.ts';
import { withFailover } from '../images/failover.ts';
import type { JobHandler, JobOutput, JobRecord, PollStep, VendorTask } from '../jobs/types.ts';
import { priceOf } from '../metering/pricing.ts';
import { safeFetch } from '../net/safe-fetch.ts';
import {
  type VideoAdapter,
  type VideoCall,
  type VideoCredentials,
  type VideoJob,
  videoAdapters,
} from '../providers/video/index.ts';
import type { MediaModelEntry } from '../routing/media-models.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { downloadVendorFile } from './vendor-download.ts';
import { videoVendorHttp } from './vendor-http.ts';
import type { VideoServices } from './video-services.ts';

/** What a video job stores as its input: the validated, vendor-neutral request. */
export interface VideoJobInput {
  job: VideoJob;
}

const referenceTimeoutMs = 20_000;
const maxReferenceBytes = 20 * 1024 * 1024;

function inputOf(job: JobRecord): VideoJob {
  const input = job.input as VideoJobInput | null;
  if (!input?.job) throw new GatewayError('internal_error', { message: `Job ${job.id} has no video input.` });
  return input.job;
}

/** The adapter a route's provider speaks (`videoApi:` in its config). */
export function adapterFor(services: VideoServices, route: Pick<ModelRoute, 'provider'>): VideoAdapter {
  const apiId = services.config.videoApis.get(route.provider.name);
  const adapter = apiId === undefined ? undefined : videoAdapters[apiId];
  if (!adapter) {
    throw new GatewayError('upstream_unavailable', {
      message: `Provider "${route.provider.name}" has no video API (set providers.${route.provider.name}.videoApi).`,
    });
  }
  return adapter;
}

/** The cost of what was delivered: per clip, and/or per second of video. */
export function videoCost(model: MediaModelEntry, clips: number, seconds: number): number {
  return priceOf(model.price, { unit: 'video', clips, seconds });
}

/**
 * The `video` kind of the job engine: submit with failover across the model's routes
 * (5xx, 429, timeout move on; a vendor's 400 does not), poll through the route's adapter,
 * copy each result into the file store (kind `output`) the moment the vendor reports it,
 * and bill per clip / per second delivered.
 */
export function videoJobHandler(services: VideoServices): JobHandler {
  const modelOf = (job: JobRecord): MediaModelEntry => {
    const model = services.config.catalog.media(job.model);
    if (model?.kind !== 'video')
      throw new GatewayError('unknown_model', { message: `${job.model} is no longer a video model.` });
    return model;
  };
  const routeOf = (job: JobRecord): ModelRoute => {
    const model = modelOf(job);
    const route = model.routes.find(
      (candidate) => candidate.provider.name === job.provider && candidate.model === job.upstreamModel,
    );
    if (route) return route;
    const provider = services.config.providers.get(job.provider ?? '');
    if (!provider)
      throw new GatewayError('upstream_unavailable', { message: `Provider ${job.provider} is gone.` });
    return { provider, model: job.upstreamModel ?? '' };
  };
  const callOf = (
    route: ModelRoute,
    job: VideoJob,
    adapter: VideoAdapter,
    signal: AbortSignal,
  ): VideoCall => ({
    job,
    route,
    http: videoVendorHttp(services.upstream, route.provider, adapter, credentialsOf(route), signal),
    fetchImage: async (url) => {
      const fetched = await safeFetch(url, {
        param: 'image_urls',
        maxBytes: maxReferenceBytes,
        timeoutMs: referenceTimeoutMs,
        allowedContentTypes: ['image/png', 'image/jpeg', 'image/webp'],
        allowPrivate: services.config.network.allowPrivate,
      });
      return { bytes: fetched.bytes, mimeType: fetched.contentType };
    },
  });
  /** The provider's key, plus `<NAME>_ACCESS_KEY` / `<NAME>_SECRET_KEY` (Kling), from the config. */
  const credentialsOf = (route: ModelRoute): VideoCredentials =>
    services.config.videoCredentials.get(route.provider.name) ?? { apiKey: route.provider.apiKey };
  const credentialsHeaders = (adapter: VideoAdapter, route: ModelRoute) =>
    adapter.authHeaders(credentialsOf(route));

  return {
    pollIntervalMs(job) {
      try {
        return adapterFor(services, routeOf(job)).pollIntervalMs;
      } catch {
        return 5_000;
      }
    },

    async submit(job, signal): Promise<VendorTask> {
      const model = modelOf(job);
      const video = inputOf(job);
      const { route, value } = await withFailover(
        { health: services.health, metrics: services.metrics, policy: services.config.routing },
        model.id,
        model.routes,
        (candidate) => {
          const adapter = adapterFor(services, candidate);
          return adapter.submit(callOf(candidate, video, adapter, signal));
        },
        signal,
        [],
      );
      return { provider: route.provider.name, upstreamModel: route.model, taskId: value.taskId };
    },

    async poll(job, signal): Promise<PollStep> {
      const model = modelOf(job);
      const route = routeOf(job);
      const adapter = adapterFor(services, route);
      const video = inputOf(job);
      const status = await adapter.poll(job.vendorTaskId ?? '', callOf(route, video, adapter, signal));
      if (status.state === 'failed') {
        return status.reason === 'moderated'
          ? { state: 'failed', code: 'content_moderated', message: status.message }
          : { state: 'failed', code: 'vendor_error', message: status.message };
      }
      if (status.state !== 'succeeded') return { state: status.state, progress: status.progress };
      const outputs: JobOutput[] = [];
      let seconds = 0;
      for (const [index, output] of status.outputs.entries()) {
        const copied = await downloadVendorFile(
          services.upstream,
          route.provider.name,
          output.url,
          { origin: new URL(route.provider.baseUrl).origin, headers: credentialsHeaders(adapter, route) },
          signal,
        );
        const contentType = copied.contentType?.startsWith('video/') ? copied.contentType : 'video/mp4';
        const file = await services.files.save({
          userId: job.userId,
          body: copied.bytes,
          filename: `${job.id}-${index + 1}.mp4`,
          contentType,
          kind: 'output',
        });
        const clipSeconds = output.seconds ?? video.durationSeconds ?? 0;
        seconds += clipSeconds;
        outputs.push({ fileId: file.id, contentType, seconds: clipSeconds });
      }
      if (outputs.length === 0)
        return { state: 'failed', code: 'vendor_error', message: 'The vendor returned no video.' };
      return {
        state: 'succeeded',
        outputs,
        usage: { unit: 'video', clips: outputs.length, seconds },
        chargeMicro: videoCost(model, outputs.length, seconds),
      };
    },

    async cancel(job) {
      const route = routeOf(job);
      const adapter = adapterFor(services, route);
      if (!adapter.cancel || !job.vendorTaskId) return;
      const signal = AbortSignal.timeout(10_000);
      await adapter.cancel(job.vendorTaskId, callOf(route, inputOf(job), adapter, signal));
    },
  };
}
