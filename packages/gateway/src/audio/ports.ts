import type { GatewayConfig } from '../config/index.ts';
import type { MeteringServices } from '../metering/admit.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { AudioFile } from '../providers/audio/types.ts';
import type { HealthStore } from '../routing/health.ts';
import type { UpstreamClient } from '../upstream/http-client.ts';
import type { VoiceClones } from './voice-clones.ts';

/** What the audio route needs of the running gateway (the server's `Services` has it all). */
export interface AudioRouteServices extends MeteringServices {
  config: GatewayConfig;
  health: HealthStore;
  metrics: GatewayMetrics;
  upstream: UpstreamClient;
}

/** A stored output: its id and the gateway's own signed, expiring URL. */
export interface StoredAudio {
  id: string;
  url: string;
}

/**
 * The file store, the SSRF-safe fetcher and the voice clone memory, as the audio route
 * uses them; `wiring.ts` binds them to `storage/`, `net/safe-fetch.ts` and the database.
 */
export interface AudioServices {
  /** Saves a generated clip owned by `userId` (kind `audio`); `baseUrl` is where clients reach the gateway. */
  save(input: { userId: string; file: AudioFile; baseUrl: string }): Promise<StoredAudio>;
  /** Fetches a client's audio URL (public https only, size-, time- and type-checked); refusals are 400s naming `param`. */
  fetchAudio(url: string, param: string): Promise<AudioFile>;
  voices: VoiceClones;
}
