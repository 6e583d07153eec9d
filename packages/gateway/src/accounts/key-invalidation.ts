import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { KeyAuthenticator, KeyScope } from './authenticate-key.ts';

/**
 * The channel every replica listens on; a message says which cached key states are stale: a
 * JSON `KeyScope` (`{"keyId":…}`, `{"userId":…}`, `{"orgId":…}`), anything else means all.
 */
export const keyInvalidationChannel = 'hypereal:keys:invalidate';

export interface KeyInvalidationOptions {
  /** The cache TTL while the channel is up: invalidations arrive, the TTL only bounds memory. */
  connectedTtlMs: number;
  /** The cache TTL while it is down (messages may be missed): the bound on a stale revocation. */
  fallbackTtlMs: number;
}

/**
 * Revocations and limit changes on every replica at once: `invalidate()` on any replica
 * publishes on a Redis channel (https://redis.io/docs/latest/develop/interact/pubsub/) and
 * every replica's subscriber drops its key cache. Pub/sub is fire-and-forget, so while the
 * subscriber is not connected the cache falls back to a short TTL, and on reconnecting it is
 * dropped whole (whatever was published meanwhile is lost).
 */
export function connectKeyInvalidation(
  redis: Redis,
  keys: KeyAuthenticator,
  options: KeyInvalidationOptions,
): { close(): Promise<void> } {
  const subscriber = redis.duplicate({ maxRetriesPerRequest: null });
  const degrade = () => {
    keys.setTtl(options.fallbackTtlMs);
  };
  keys.setTtl(options.fallbackTtlMs);
  subscriber.on('close', degrade);
  subscriber.on('reconnecting', degrade);
  subscriber.on('error', () => {
    // ioredis reconnects by itself; meanwhile the fallback TTL bounds staleness.
  });
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === keyInvalidationChannel) keys.invalidateLocal(scopeOf(message));
  });
  // ioredis re-subscribes after a reconnect; from then on messages flow again.
  subscriber.on('ready', () => {
    keys.invalidateLocal();
    keys.setTtl(options.connectedTtlMs);
  });
  keys.onInvalidate((scope) => {
    redis.publish(keyInvalidationChannel, JSON.stringify(scope)).catch(() => {
      // Redis is down: the other replicas are on their fallback TTL.
    });
  });
  // Not awaited: a Redis that is down at start must not hold the gateway up. The command
  // waits in ioredis's offline queue; until `ready` the fallback TTL holds.
  subscriber.subscribe(keyInvalidationChannel).catch(() => undefined);
  return {
    async close() {
      keys.onInvalidate(undefined);
      subscriber.removeAllListeners();
      subscriber.on('error', () => undefined);
      subscriber.disconnect();
    },
  };
}

const scopeSchema = z.object({ keyId: z.string(), userId: z.string(), orgId: z.string() }).partial();

/** A message's scope; one that does not parse (an older replica's, the CLI's) touches every key. */
function scopeOf(message: string): KeyScope {
  try {
    const parsed = scopeSchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** For a process that changes keys without serving (the CLI): tell the replicas, then hang up. */
export async function publishKeyInvalidation(redis: Redis): Promise<void> {
  await redis.publish(keyInvalidationChannel, String(Date.now()));
}
