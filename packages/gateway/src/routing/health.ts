import type { Redis, Result } from 'ioredis';

import type { BreakerState } from '../contracts/index.ts';

export type { BreakerState };

export interface BreakerPolicy {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open target is skipped before one probe is let through. */
  cooldownMs: number;
}

/**
 * Per-target circuit breakers. A target that keeps failing is skipped for a
 * cool-down, then exactly one request probes it: success closes the breaker,
 * failure opens it again. With Redis the state is shared by every replica.
 */
export interface HealthStore {
  /** Whether a request may use the target now; claims the single probe of a half-open target. */
  admit(target: string): Promise<{ allowed: boolean; state: BreakerState }>;
  recordSuccess(target: string): Promise<void>;
  recordFailure(target: string): Promise<BreakerState>;
  state(target: string): Promise<BreakerState>;
  /** Every target with breaker history and its state now (the /metrics gauge, on any replica). */
  snapshot(): Promise<Map<string, BreakerState>>;
  /** Lets go of what it holds open (a subscriber connection). */
  close?(): Promise<void>;
}

interface MemoryEntry {
  failures: number;
  openUntil: number;
  /** While a probe is out; it lapses so a probe that never reports cannot wedge the target. */
  probeUntil: number;
}

export class MemoryHealthStore implements HealthStore {
  readonly #entries = new Map<string, MemoryEntry>();
  readonly #policy: BreakerPolicy;
  readonly #now: () => number;

  constructor(policy: BreakerPolicy, now: () => number = Date.now) {
    this.#policy = policy;
    this.#now = now;
  }

  async admit(target: string): Promise<{ allowed: boolean; state: BreakerState }> {
    const entry = this.#entries.get(target);
    if (!entry || entry.openUntil === 0) return { allowed: true, state: 'closed' };
    const now = this.#now();
    if (now < entry.openUntil) return { allowed: false, state: 'open' };
    if (now < entry.probeUntil) return { allowed: false, state: 'half-open' };
    entry.probeUntil = now + this.#policy.cooldownMs;
    return { allowed: true, state: 'half-open' };
  }

  async recordSuccess(target: string): Promise<void> {
    this.#entries.delete(target);
  }

  async recordFailure(target: string): Promise<BreakerState> {
    const entry = this.#entries.get(target) ?? { failures: 0, openUntil: 0, probeUntil: 0 };
    entry.failures++;
    // A failed probe, or enough failures in a row, (re)opens the breaker.
    if (entry.probeUntil > 0 || entry.failures >= this.#policy.failureThreshold) {
      entry.openUntil = this.#now() + this.#policy.cooldownMs;
      entry.probeUntil = 0;
    }
    this.#entries.set(target, entry);
    return entry.openUntil > 0 ? 'open' : 'closed';
  }

  async state(target: string): Promise<BreakerState> {
    const entry = this.#entries.get(target);
    if (!entry || entry.openUntil === 0) return 'closed';
    return this.#now() < entry.openUntil ? 'open' : 'half-open';
  }

  async snapshot(): Promise<Map<string, BreakerState>> {
    const states = new Map<string, BreakerState>();
    for (const target of this.#entries.keys()) states.set(target, await this.state(target));
    return states;
  }
}

/**
 * Admission in one round trip, so two replicas can never both see "half-open, probe free":
 * the state read and the probe claim (SET NX PX) run as one script, atomically
 * (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/).
 * Returns 0 closed, 1 open, 2 half-open with the probe already out, 3 half-open and claimed,
 * 4 closed with failures counted (a success must clear them).
 */
const admitScript = `
local openUntil = redis.call('HGET', KEYS[1], 'openUntil')
if not openUntil then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 4 end
  return 0
end
openUntil = tonumber(openUntil)
if openUntil == 0 then return 4 end
if tonumber(ARGV[1]) < openUntil then return 1 end
if redis.call('SET', KEYS[2], '1', 'PX', ARGV[2], 'NX') then return 3 end
return 2`;

/**
 * A failure in one round trip: counted, the breaker (re)opened when it was the probe or the
 * threshold is reached, and every replica told that the target has history now (PUBLISH from
 * the script, so the news leaves with the write). KEYS: hash, probe, target set; ARGV:
 * openUntil, threshold, hash TTL, target, channel. Returns 1 when open.
 */
const failureScript = `
redis.call('SADD', KEYS[3], ARGV[4])
local probing = redis.call('EXISTS', KEYS[2]) == 1
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[5], ARGV[4])
if probing or failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'openUntil', ARGV[1])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0`;

// Scripts go as EVALSHA (ioredis sends the body again only on NOSCRIPT), not as their text on
// every call. https://github.com/redis/ioredis#lua-scripting
declare module 'ioredis' {
  interface RedisCommander<Context> {
    hyperealBreakerAdmit(
      hash: string,
      probe: string,
      now: number,
      cooldownMs: number,
    ): Result<number, Context>;
    hyperealBreakerFailure(
      hash: string,
      probe: string,
      targets: string,
      openUntil: number,
      threshold: number,
      ttlMs: number,
      target: string,
      channel: string,
    ): Result<number, Context>;
  }
}

const admitted: ReadonlyArray<{ allowed: boolean; state: BreakerState }> = [
  { allowed: true, state: 'closed' },
  { allowed: false, state: 'open' },
  { allowed: false, state: 'half-open' },
  { allowed: true, state: 'half-open' },
  { allowed: true, state: 'closed' },
];

/**
 * The same breaker in Redis, one hash per target (`failures`, `openUntil`) plus a probe
 * key claimed in the same script that reads the state, so replicas agree on who probes;
 * a set of targets with history lets any replica report every breaker on /metrics.
 *
 * A target with no history anywhere (the common case: a healthy upstream) is admitted without
 * a round trip: once this replica's admission found no history, the target stays "quiet" here
 * until a failure on any replica is published on `channel` (the failure script publishes it).
 * Only a closed breaker with no failures is admitted locally; from a target's first failure on,
 * every replica asks Redis, which decides open, half-open and the one probe as before. What this
 * costs in exactness: for as long as a published message takes to arrive (a socket read, well
 * under a millisecond), a replica may still send a call to a target another replica has just
 * failed. While the subscriber is not connected (messages could be missed) nothing is quiet.
 * https://redis.io/docs/latest/develop/interact/pubsub/
 */
export class RedisHealthStore implements HealthStore {
  readonly #redis: Redis;
  readonly #policy: BreakerPolicy;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #subscriber: Redis;
  /** Targets admitted here with no history anywhere, since the subscriber was last ready. */
  readonly #quiet = new Set<string>();
  /** Bumped by every failure message and connection change: an admission in flight across one does not mark a target quiet. */
  #epoch = 0;
  #listening = false;

  constructor(redis: Redis, policy: BreakerPolicy, prefix = 'hypereal:breaker:') {
    this.#redis = redis;
    this.#policy = policy;
    this.#prefix = prefix;
    this.#channel = `${prefix}failures`;
    redis.defineCommand('hyperealBreakerAdmit', { lua: admitScript, numberOfKeys: 2 });
    redis.defineCommand('hyperealBreakerFailure', { lua: failureScript, numberOfKeys: 3 });
    const subscriber = redis.duplicate({ maxRetriesPerRequest: null });
    this.#subscriber = subscriber;
    const deafen = () => {
      this.#listening = false;
      this.#epoch++;
      this.#quiet.clear();
    };
    subscriber.on('close', deafen);
    subscriber.on('reconnecting', deafen);
    subscriber.on('error', () => {
      // ioredis reconnects by itself; meanwhile every admission asks Redis.
    });
    subscriber.on('message', (channel: string, target: string) => {
      if (channel !== this.#channel) return;
      this.#epoch++;
      this.#quiet.delete(target);
    });
    // Ready after a (re)subscribe: failures published before it were missed, so nothing is
    // quiet until an admission finds it so again.
    subscriber.on('ready', () => {
      this.#epoch++;
      this.#quiet.clear();
      this.#listening = true;
    });
    // Not awaited: a Redis that is down at start must not hold the gateway up.
    subscriber.subscribe(this.#channel).catch(() => undefined);
  }

  /**
   * Targets whose breaker history this replica saw at admission or wrote: a success there
   * clears it (DEL). A success on a target that had none when admitted costs no round trip;
   * a failure another replica counts after that admission stays counted, as it came later.
   */
  readonly #history = new Set<string>();

  async admit(target: string): Promise<{ allowed: boolean; state: BreakerState }> {
    if (this.#quiet.has(target)) return closed;
    const key = `${this.#prefix}${target}`;
    const epoch = this.#epoch;
    const code = Number(
      await this.#redis.hyperealBreakerAdmit(key, `${key}:probe`, Date.now(), this.#policy.cooldownMs),
    );
    if (code !== 0) this.#history.add(target);
    else if (this.#listening && epoch === this.#epoch) this.#quiet.add(target);
    return admitted[code] ?? closed;
  }

  async recordSuccess(target: string): Promise<void> {
    if (!this.#history.delete(target)) return;
    await this.#redis.del(`${this.#prefix}${target}`, `${this.#prefix}${target}:probe`);
  }

  async recordFailure(target: string): Promise<BreakerState> {
    const key = `${this.#prefix}${target}`;
    this.#history.add(target);
    this.#quiet.delete(target);
    const opened = await this.#redis.hyperealBreakerFailure(
      key,
      `${key}:probe`,
      `${this.#prefix}targets`,
      Date.now() + this.#policy.cooldownMs,
      this.#policy.failureThreshold,
      this.#policy.cooldownMs * 10,
      target,
      this.#channel,
    );
    return Number(opened) === 1 ? 'open' : 'closed';
  }

  async state(target: string): Promise<BreakerState> {
    if (this.#quiet.has(target)) return 'closed';
    return stateOf(await this.#redis.hget(`${this.#prefix}${target}`, 'openUntil'));
  }

  async snapshot(): Promise<Map<string, BreakerState>> {
    const targets = await this.#redis.smembers(`${this.#prefix}targets`);
    if (targets.length === 0) return new Map();
    const pipeline = this.#redis.pipeline();
    for (const target of targets) pipeline.hget(`${this.#prefix}${target}`, 'openUntil');
    const replies = (await pipeline.exec()) ?? [];
    return new Map(
      targets.map((target, index) => [target, stateOf((replies[index]?.[1] as string | null) ?? null)]),
    );
  }

  async close(): Promise<void> {
    this.#subscriber.removeAllListeners();
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.disconnect();
  }
}

const closed: { allowed: boolean; state: BreakerState } = { allowed: true, state: 'closed' };

function stateOf(openUntilField: string | null): BreakerState {
  const openUntil = Number(openUntilField ?? 0);
  if (openUntil === 0) return 'closed';
  return Date.now() < openUntil ? 'open' : 'half-open';
}
