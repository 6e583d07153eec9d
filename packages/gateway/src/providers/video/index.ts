import { grokVideo } from './grok-video.ts';
import { kling } from './kling.ts';
import { minimaxHailuo } from './minimax-hailuo.ts';
import { seedance } from './seedance.ts';
import type { VideoAdapter } from './types.ts';
import { veoAdapter } from './veo.ts';
import { vidu } from './vidu.ts';
import { wan } from './wan.ts';

export type {
  SubmittedTask,
  VendorTaskStatus,
  VideoAdapter,
  VideoCall,
  VideoCredentials,
  VideoJob,
  VideoTarget,
} from './types.ts';

/** The only list of video adapters; a provider's `videoApi:` names one. Add a vendor here. */
export const videoAdapters: Readonly<Record<string, VideoAdapter>> = Object.fromEntries(
  [veoAdapter, seedance, kling, minimaxHailuo, wan, vidu, grokVideo].map((adapter) => [adapter.id, adapter]),
);
