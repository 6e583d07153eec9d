import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedKey } from '../accounts/index.ts';
import { mediaCost } from '../billing/index.ts';
import { GatewayError, UpstreamError } from '../errors/index.ts';
import { type ImageAttempt as Attempt, withFailover } from '../images/failover.ts';
import { admitPricedCall } from '../metering/admit.ts';
import type { CallOutcome } from '../metering/log-row.ts';
import { sniffMediaType } from '../net/sniff-media.ts';
import {
  createVoiceModel,
  fishAudioAuth,
  synthesize,
  type TtsFormat,
  transcribe,
} from '../providers/audio/fish-audio.ts';
import type { AudioFile, AudioVendorHttp, Transcript } from '../providers/audio/types.ts';
import { abortOnClientClose, ClientGone } from '../proxy/client-abort.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { type AudioRequest, bodyObject, parseAudioRequest } from './audio-request.ts';
import { pinnedAudioModel } from './pick-model.ts';
import type { AudioRouteServices, AudioServices } from './ports.ts';
import { audioExtension, checkCloneReference } from './reference-audio.ts';
import { audioVendorHttp } from './vendor-http.ts';

const formatTypes: Readonly<Record<TtsFormat, string>> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  opus: 'audio/ogg',
};

/** What one successful call produced: speech (TTS, clone) or a transcript (ASR). */
type Produced = { speech: AudioFile; voiceId?: string | undefined } | { transcript: Transcript };

/**
 * POST /v1/audio/generations (docs/api-contract.md §7): three models on one route, Fish
 * Audio called directly, billed per request. Checks the model's fields (400 naming the
 * field), holds the price (402 before any vendor call), fetches a client's audio URL
 * under the SSRF rules, calls the vendor, copies speech into the file store and answers
 * with the gateway's own signed URL. A failed call costs nothing; on every path the hold
 * is settled and the request logged exactly once.
 */
export async function generateAudio(
  services: AudioRouteServices,
  audio: AudioServices,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const state = request.hypereal;
  const principal = state.principal as AuthenticatedKey;
  const json = bodyObject((request.body as { json?: unknown } | undefined)?.json);
  const { model, operation } = pinnedAudioModel(services.config.catalog, json['model']);
  state.model = model.id;
  const job = parseAudioRequest(operation, json);

  const holdMicro = model.price.kind === 'audio' ? mediaCost(model.price, { requests: 1 }) : 0;
  const { charge } = await admitPricedCall(
    services,
    principal,
    { requestId: state.requestId, endpoint: state.endpoint, startedAt: state.startedAt },
    holdMicro,
  );
  state.logged = true;

  const hangUp = abortOnClientClose(reply);
  const attempts: Attempt[] = [];
  const outcome: CallOutcome = { model: model.id, status: 200, modelRule: 'catalog' };
  const finish = (billed: boolean, details: Partial<CallOutcome>) =>
    charge.settle(
      model.price,
      billed ? { unit: 'requests', requests: 1 } : null,
      { ...outcome, ...details },
      attempts,
    );

  try {
    const input = 'audioUrl' in job ? await audio.fetchAudio(job.audioUrl, 'audio') : undefined;
    if (job.operation === 'clone' && input) await checkCloneReference(input);
    const { route, value: produced } = await withFailover(
      { health: services.health, metrics: services.metrics, policy: services.config.routing },
      model.id,
      model.routes,
      (route) => {
        const http = audioVendorHttp(services.upstream, route, fishAudioAuth, hangUp.signal);
        return callVendor(audio, principal.userId, route, http, job, input);
      },
      hangUp.signal,
      attempts,
    ).catch((error: unknown) => {
      throw hangUp.signal.aborted ? new ClientGone() : error;
    });
    outcome.provider = route.provider.name;
    outcome.upstreamModel = route.model;

    let answer: Record<string, unknown>;
    if ('speech' in produced) {
      const baseUrl = services.config.publicUrl ?? `${request.protocol}://${request.host}`;
      const stored = await audio.save({
        userId: principal.userId,
        file: {
          ...produced.speech,
          filename: `${state.requestId}.${audioExtension(produced.speech.contentType)}`,
        },
        baseUrl,
      });
      answer = {
        created: Math.floor(Date.now() / 1000),
        data: [{ url: stored.url }],
        ...(produced.voiceId ? { voice_id: produced.voiceId } : {}),
      };
    } else {
      const { text, segments, duration, language } = produced.transcript;
      answer = { text, segments, duration, ...(language ? { language } : {}) };
    }
    await finish(true, { status: 200 });
    reply
      .header('x-hypereal-model', model.id)
      .header('x-hypereal-provider', route.provider.name)
      .header('x-hypereal-attempts', String(attempts.length))
      .header('x-request-id', state.requestId)
      .code(200)
      .send(answer);
  } catch (error) {
    if (error instanceof ClientGone || hangUp.signal.aborted) {
      await finish(false, {
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
    await finish(false, {
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

/** One target: the vendor calls one audio request takes on it. */
async function callVendor(
  audio: AudioServices,
  userId: string,
  route: ModelRoute,
  http: AudioVendorHttp,
  job: AudioRequest,
  input: AudioFile | undefined,
): Promise<Produced> {
  switch (job.operation) {
    case 'tts': {
      const answer = await synthesize(http, {
        model: route.model,
        text: job.text,
        referenceId: job.voiceId,
        format: job.format,
        voiceParam: 'voice_id',
      });
      return { speech: speechFile(answer.bytes, job.format) };
    }
    case 'clone': {
      const reference = input!;
      const voiceId = await cloneVoice(audio, userId, route, http, reference);
      const speak = (referenceId: string) =>
        synthesize(http, {
          model: route.model,
          text: job.text,
          referenceId,
          format: job.format,
          voiceParam: 'audio',
        });
      try {
        return { speech: speechFile((await speak(voiceId)).bytes, job.format), voiceId };
      } catch (error) {
        // The remembered model was deleted on the vendor's side: forget it, clone once more.
        if (!(error instanceof UpstreamError && error.upstreamStatus === 404)) throw error;
        await audio.voices.forget(userId, route.provider.name, voiceId);
        const fresh = await cloneVoice(audio, userId, route, http, reference);
        return { speech: speechFile((await speak(fresh)).bytes, job.format), voiceId: fresh };
      }
    }
    case 'asr':
      return { transcript: await transcribe(http, input!, job.language) };
  }
}

/** The user's voice model for this reference on this provider: the remembered one, or a new one. */
async function cloneVoice(
  audio: AudioServices,
  userId: string,
  route: ModelRoute,
  http: AudioVendorHttp,
  reference: AudioFile,
): Promise<string> {
  const sha = createHash('sha256').update(reference.bytes).digest('hex');
  const provider = route.provider.name;
  const known = await audio.voices.find(userId, provider, sha);
  if (known) return known;
  const created = await createVoiceModel(http, {
    title: `hypereal-${sha.slice(0, 12)}`,
    sample: reference,
  });
  return audio.voices.remember(userId, provider, sha, created);
}

/** The vendor's audio, typed from its bytes (the requested format's type if they do not say). */
function speechFile(bytes: Buffer, format: TtsFormat): AudioFile {
  if (bytes.length === 0) {
    throw new UpstreamError('upstream_error', 'fish-audio', 200, '', {
      message: 'The upstream provider returned no audio.',
    });
  }
  const contentType = sniffMediaType(bytes) ?? formatTypes[format];
  return { bytes, contentType, filename: `speech.${audioExtension(contentType)}` };
}
