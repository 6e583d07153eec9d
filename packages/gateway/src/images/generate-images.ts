import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../accounts/index.ts';
import { GatewayError, UpstreamError } from '../errors/index.ts';
import { admitPricedCall } from '../metering/admit.ts';
import type { CallOutcome } from '../metering/log-row.ts';
import { imageAdapters, type ReferenceImage, type VendorImage } from '../providers/images/index.ts';
import { malformed, sniffImageType } from '../providers/images/vendor-json.ts';
import { abortOnClientClose, ClientGone } from '../proxy/client-abort.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { type ImageAttempt, withFailover } from './failover.ts';
import { parseImageRequest } from './image-request.ts';
import type { ImageRouteServices as Services } from './image-services.ts';
import { imageModelForIntent, type PickedModel, pinnedImageModel, requestCost } from './pick-model.ts';
import type { ImageServices, StoredImage } from './ports.ts';
import { loadReferences } from './references.ts';
import { downloadVendorImage, vendorHttp } from './vendor-http.ts';

const extensions: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/** One image as it came back, copied: the bytes the vendor produced. */
interface Delivered {
  bytes: Buffer;
  contentType: string;
}

/**
 * POST /v1/images/generations (and /v1/images/generate with `intent`): OpenAI's
 * request and answer shape, synchronous. Checks the model's rules, holds price × n
 * (402 before any vendor call), walks the model's targets, copies every image into the
 * file store the moment the vendor returns it, answers with the gateway's own signed
 * URLs (or `b64_json`), and bills the images actually returned — on every path the
 * hold is settled and the request logged exactly once.
 */
export async function generateImages(
  services: Services,
  images: ImageServices,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const state = request.hypereal;
  const principal = state.principal as AuthenticatedKey;
  const body = parseImageRequest((request.body as { json?: unknown } | undefined)?.json);
  const { catalog } = services.config;
  let picked: PickedModel;
  if (body.model) picked = pinnedImageModel(catalog, body.model, body);
  else if (body.intent) picked = await imageModelForIntent(catalog, services.health, body.intent, body);
  else
    throw new GatewayError('missing_model', {
      param: 'model',
      message: 'Missing required field: model (or intent, e.g. "text-to-image-fast").',
    });
  const { model, checked } = picked;
  state.model = model.id;
  if (picked.intent) reply.header('x-hypereal-intent', picked.intent);

  const holdMicro = requestCost(model, checked);
  const { charge } = await admitPricedCall(
    services,
    principal,
    { requestId: state.requestId, endpoint: state.endpoint, startedAt: state.startedAt },
    holdMicro,
  );
  state.logged = true;

  const hangUp = abortOnClientClose(reply);
  const attempts: ImageAttempt[] = [];
  const outcome: CallOutcome = { model: model.id, status: 200, modelRule: 'catalog' };
  /** Settles the hold: `images` returned (billed at the request's tier), or none. */
  const finish = (images: number, details: Partial<CallOutcome>) =>
    charge.settle(
      model.price,
      images > 0 ? { unit: 'images', images, tier: checked.tier } : null,
      { ...outcome, ...details },
      attempts,
    );

  try {
    const references = await loadReferences(checked.references, images.fetchReference, hangUp.signal);
    const { route, value: delivered } = await withFailover(
      { health: services.health, metrics: services.metrics, policy: services.config.routing },
      model.id,
      model.routes,
      (route) => generateOn(services, route, checked.job, checked.n, references, hangUp.signal),
      hangUp.signal,
      attempts,
    ).catch((error: unknown) => {
      throw hangUp.signal.aborted ? new ClientGone() : error;
    });
    outcome.provider = route.provider.name;
    outcome.upstreamModel = route.model;

    const baseUrl = services.config.publicUrl ?? `${request.protocol}://${request.host}`;
    const stored: StoredImage[] = [];
    for (const [index, image] of delivered.entries()) {
      stored.push(
        await images.store.save({
          userId: principal.userId,
          bytes: image.bytes,
          contentType: image.contentType,
          filename: `${state.requestId}-${index + 1}.${extensions[image.contentType] ?? 'png'}`,
          baseUrl,
        }),
      );
    }
    await finish(delivered.length, { status: 200 });
    reply
      .header('x-hypereal-model', model.id)
      .header('x-hypereal-provider', route.provider.name)
      .header('x-hypereal-attempts', String(attempts.length))
      .header('x-hypereal-images', String(delivered.length))
      .header('x-request-id', state.requestId)
      .code(200)
      .send({
        created: Math.floor(Date.now() / 1000),
        data: delivered.map((image, index) =>
          body.responseFormat === 'b64_json'
            ? { b64_json: image.bytes.toString('base64') }
            : { url: stored[index]!.url },
        ),
      });
  } catch (error) {
    if (error instanceof ClientGone || hangUp.signal.aborted) {
      // The vendor call was cancelled with the connection: nothing is billed.
      await finish(0, {
        status: 499,
        errorCode: 'client_closed',
        errorMessage: 'client closed the connection',
      });
      if (!reply.sent) reply.hijack();
      return;
    }
    const failure =
      error instanceof GatewayError ? error : new GatewayError('internal_error', { cause: error });
    reply.header('x-hypereal-attempts', String(attempts.length));
    await finish(0, {
      provider: error instanceof UpstreamError ? error.provider : (outcome.provider ?? null),
      status: failure.status,
      errorCode: failure.code,
      errorMessage: failure.message,
    });
    throw failure;
  } finally {
    hangUp.release();
  }
}

/**
 * One target: as many parallel vendor calls as the adapter needs for n images, each
 * image copied from its vendor URL at once (they expire). Some calls failing is a
 * partial result (billed as such); all failing is this target's failure.
 */
async function generateOn(
  services: Services,
  route: ModelRoute,
  job: PickedModel['checked']['job'],
  n: number,
  references: readonly ReferenceImage[],
  signal: AbortSignal,
): Promise<Delivered[]> {
  const apiId = services.config.imageApis.get(route.provider.name);
  const adapter = apiId === undefined ? undefined : imageAdapters[apiId];
  if (!adapter) {
    throw new GatewayError('upstream_unavailable', {
      message: `Provider "${route.provider.name}" has no image API (set providers.${route.provider.name}.imageApi).`,
    });
  }
  const perCall = Math.max(1, adapter.imagesPerCall(route.model));
  const batches: number[] = [];
  for (let left = n; left > 0; left -= perCall) batches.push(Math.min(perCall, left));
  const given = adapter.referenceInput === 'bytes' ? references : references.map(({ url }) => ({ url }));
  const http = vendorHttp(services.upstream, route, adapter, signal);
  const settled = await Promise.allSettled(
    batches.map(async (count) => {
      const produced = await adapter.generate({ job: { ...job, n: count, references: given }, route, http });
      return Promise.all(produced.slice(0, count).map((image) => copy(services, route, image, signal)));
    }),
  );
  const delivered = settled.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
  if (delivered.length > 0) return delivered.slice(0, n);
  const failed = settled.find((result) => result.status === 'rejected');
  throw failed ? failed.reason : malformed(route.provider.name, 'no image in the answer', null);
}

async function copy(
  services: Services,
  route: ModelRoute,
  image: VendorImage,
  signal: AbortSignal,
): Promise<Delivered> {
  if ('bytes' in image)
    return { bytes: image.bytes, contentType: sniffImageType(image.bytes, image.mimeType) };
  const { bytes } = await downloadVendorImage(services.upstream, route.provider.name, image.url, signal);
  return { bytes, contentType: sniffImageType(bytes) };
}
