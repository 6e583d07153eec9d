import type { ConfigFile } from '../../../gateway/src/config/index.ts';
import { type Harness, startHarness, type TestUser } from '../../../gateway/test/helpers/harness.ts';
import { Hypereal, type HyperealOptions } from '../../src/index.ts';

export interface SdkHarness {
  harness: Harness;
  /** The gateway's root URL (what `baseURL` takes). */
  url: string;
  /** A user with `credits` and a key, and an SDK client for that key. */
  newUser(
    credits: number,
    options?: Partial<HyperealOptions> & { email?: string; password?: string },
  ): Promise<TestUser & { sdk: Hypereal }>;
  close(): Promise<void>;
}

/**
 * The real gateway in front of the upstream simulator (the gateway's own test harness),
 * tuned for SDK tests: no gateway-side retries (so a simulated upstream fault reaches the
 * SDK), fast job polling, and 127.0.0.1 allowed as a webhook/audio URL.
 */
export async function startSdkHarness(
  config: ConfigFile = {},
  env: Record<string, string> = {},
): Promise<SdkHarness> {
  const harness = await startHarness({
    env,
    config: {
      network: { allowPrivate: ['127.0.0.1'] },
      routing: { retriesPerTarget: 0, backoffBaseMs: 10 },
      jobs: { tickMs: 20, maxPollIntervalMs: 30, leaseSeconds: 5, webhookRetryBaseMs: 50 },
      ...config,
    },
  });
  harness.sim.videos.setTiming({ queuedMs: 20, runningMs: 60 });
  return {
    harness,
    url: harness.gateway.url,
    async newUser(credits, options = {}) {
      const { email, password, ...clientOptions } = options;
      const user = await harness.newUser(credits, {
        ...(email ? { email } : {}),
        ...(password ? { password } : {}),
      });
      const sdk = new Hypereal({ apiKey: user.key, baseURL: harness.gateway.url, ...clientOptions });
      return { ...user, sdk };
    },
    close: () => harness.close(),
  };
}
