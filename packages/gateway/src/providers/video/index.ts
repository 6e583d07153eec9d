import type { VideoAdapter } from './types.ts';
import { veoAdapter } from './veo.ts';

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
export const videoAdapters: Readonly<Record<string, VideoAdapter>> = {
  veo: veoAdapter,
};
