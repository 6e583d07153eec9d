import type { FastifyInstance } from 'fastify';
import { generateAudio } from '../../audio/generate-audio.ts';
import { audioServicesOf } from '../../audio/wiring.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';

/** POST /v1/audio/generations: audio-tts, audio-clone and audio-asr on Fish Audio, docs/api-contract.md §7. */
export function registerAudioRoutes(app: FastifyInstance, services: Services): void {
  const audio = audioServicesOf(services);
  for (const path of v1Paths('/audio/generations')) {
    app.post(path, (request, reply) => generateAudio(services, audio, request, reply));
  }
}
