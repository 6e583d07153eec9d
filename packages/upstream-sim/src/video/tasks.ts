import type { Exchange } from '../http/exchange.ts';
import type { DeliveryStore, DeliveryStyle } from '../images/delivery.ts';
import { encodeMp4 } from '../media/mp4.ts';

/** How a task ends: a video, a failure, a moderation block, or never (it hangs running). */
export type VideoOutcome = 'succeed' | 'fail' | 'moderated' | 'hang';

/** Where a task is now, in the simulator's words; each vendor maps it to its own status names. */
export type VideoPhase = 'queued' | 'running' | 'succeeded' | 'failed' | 'moderated' | 'cancelled';

export interface VideoTiming {
  /** How long a new task waits in the queue. */
  queuedMs: number;
  /** How long it then runs before it settles. */
  runningMs: number;
}

export interface VideoTaskInput {
  vendor: string;
  id: string;
  model: string;
  prompt: string;
  apiKey: string;
  seconds: number;
  width: number;
  height: number;
  /** Vendor fields echoed back on polls (ratio, resolution, seed, external ids…). */
  params?: Record<string, unknown>;
}

export interface VideoTask extends Required<VideoTaskInput> {
  createdAt: number;
  startsAt: number;
  finishesAt: number;
  outcome: VideoOutcome;
  cancelledAt: number | undefined;
  /** The delivery URL, published on the first poll that sees the task succeeded. */
  videoUrl: string | undefined;
  /** Result links and files of this task answer as expired. */
  expired: boolean;
}

/**
 * Prompt directives every video simulator understands, to script outcomes per request:
 * `[[sim:video_error]]` (the task fails), `[[sim:moderated]]` (the output is blocked),
 * `[[sim:hang]]` (the task stays running forever).
 */
function directiveOutcome(prompt: string): VideoOutcome {
  if (prompt.includes('[[sim:hang]]')) return 'hang';
  if (/\[\[sim:moderated(?:=\w+)?\]\]/.test(prompt)) return 'moderated';
  if (prompt.includes('[[sim:video_error]]')) return 'fail';
  return 'succeed';
}

/**
 * The async video tasks of every vendor simulator, in one store so tests and the control API can
 * change timing, force outcomes and expire results across vendors. Time is wall-clock: a task is
 * queued for `queuedMs`, runs for `runningMs`, then settles as its outcome says.
 */
export class VideoTaskStore {
  #timing: VideoTiming;
  readonly #tasks = new Map<string, VideoTask>();
  #next: VideoOutcome[] = [];

  constructor(timing: VideoTiming) {
    this.#timing = { ...timing };
  }

  get timing(): VideoTiming {
    return { ...this.#timing };
  }

  /** Changes the timing of tasks created from now on. */
  setTiming(timing: Partial<VideoTiming>): void {
    this.#timing = { ...this.#timing, ...timing };
  }

  /** The next `times` tasks created (any vendor) end as `outcome`, whatever their prompt says. */
  forceNext(outcome: VideoOutcome, times = 1): void {
    for (let index = 0; index < times; index += 1) this.#next.push(outcome);
  }

  /**
   * Forces an existing task's outcome; `fail`, `moderated` and `succeed` settle it now (if it had
   * not settled yet), `hang` keeps it running. Returns false for an unknown id.
   */
  force(id: string, outcome: VideoOutcome): boolean {
    const task = this.#tasks.get(id);
    if (!task) return false;
    const now = Date.now();
    const settled = task.outcome !== 'hang' && now >= task.finishesAt;
    if (settled || task.cancelledAt !== undefined) return true;
    task.outcome = outcome;
    if (outcome !== 'hang') {
      task.startsAt = Math.min(task.startsAt, now);
      task.finishesAt = now;
    }
    return true;
  }

  create(input: VideoTaskInput): VideoTask {
    const now = Date.now();
    const task: VideoTask = {
      params: {},
      ...input,
      createdAt: now,
      startsAt: now + this.#timing.queuedMs,
      finishesAt: now + this.#timing.queuedMs + this.#timing.runningMs,
      outcome: this.#next.shift() ?? directiveOutcome(input.prompt),
      cancelledAt: undefined,
      videoUrl: undefined,
      expired: false,
    };
    this.#tasks.set(task.id, task);
    return task;
  }

  /** A vendor's task, only for the key that created it (other keys see "not found", as vendors do). */
  get(vendor: string, id: string, apiKey?: string): VideoTask | undefined {
    const task = this.#tasks.get(id);
    if (!task || task.vendor !== vendor) return undefined;
    if (apiKey !== undefined && task.apiKey !== apiKey) return undefined;
    return task;
  }

  list(vendor: string, apiKey: string): VideoTask[] {
    return [...this.#tasks.values()].filter((task) => task.vendor === vendor && task.apiKey === apiKey);
  }

  phase(task: VideoTask, now = Date.now()): VideoPhase {
    if (task.cancelledAt !== undefined) return 'cancelled';
    if (now < task.startsAt) return 'queued';
    if (task.outcome === 'hang' || now < task.finishesAt) return 'running';
    if (task.outcome === 'fail') return 'failed';
    if (task.outcome === 'moderated') return 'moderated';
    return 'succeeded';
  }

  /** 0–100: 0 while queued, rising while running, 100 once settled (99 at most while hanging). */
  progress(task: VideoTask, now = Date.now()): number {
    const phase = this.phase(task, now);
    if (phase === 'queued') return 0;
    if (phase !== 'running') return 100;
    const span = Math.max(1, task.finishesAt - task.startsAt);
    return Math.min(99, Math.floor(((now - task.startsAt) / span) * 100));
  }

  /** Cancels a task that has not started running; returns false when it is past that. */
  cancelQueued(task: VideoTask): boolean {
    if (this.phase(task) !== 'queued') return false;
    task.cancelledAt = Date.now();
    return true;
  }

  delete(id: string): void {
    this.#tasks.delete(id);
  }

  /** The MP4 of a succeeded task: the task's length in `mvhd`, its frame size in `tkhd`. */
  videoBytes(task: VideoTask): Buffer {
    return encodeMp4({ durationSeconds: task.seconds, width: task.width, height: task.height });
  }

  /** Publishes the task's MP4 at a signed, expiring link (once) and returns it. */
  videoUrl(
    exchange: Pick<Exchange, 'request'>,
    task: VideoTask,
    delivery: DeliveryStore,
    options: { ttlMs: number; style: DeliveryStyle },
  ): string {
    task.videoUrl ??= delivery.publish(
      exchange,
      { bytes: this.videoBytes(task), mimeType: 'video/mp4' },
      { ...options, name: `${task.id}.mp4` },
    );
    return task.videoUrl;
  }

  /** Marks every task's results expired (its links are expired in the delivery store too). */
  expireAll(): number {
    for (const task of this.#tasks.values()) task.expired = true;
    return this.#tasks.size;
  }

  clear(): void {
    this.#tasks.clear();
    this.#next = [];
  }
}

/** Clip size for a resolution tier and aspect ratio (`16:9` 720p → 1280×720). */
export function clipSize(resolution: string, ratio: string): { width: number; height: number } {
  const short = Number(/(\d+)/.exec(resolution)?.[1] ?? 720);
  const [w, h] = ratio.split(':').map(Number);
  const rw = w && h ? w : 16;
  const rh = w && h ? h : 9;
  if (rw >= rh) return { width: even((short * rw) / rh), height: even(short) };
  return { width: even(short), height: even((short * rh) / rw) };
}

function even(value: number): number {
  return Math.round(value / 2) * 2;
}

/** Context shared by the video vendor APIs. */
export interface VideoContext {
  apiKeys: readonly string[] | undefined;
  models: readonly string[] | undefined;
  tasks: VideoTaskStore;
  delivery: DeliveryStore;
  /** Overrides every vendor's result-URL lifetime when set. */
  urlTtlMs: number | undefined;
}

export function ttl(context: VideoContext, vendorDefaultMs: number): number {
  return context.urlTtlMs ?? vendorDefaultMs;
}

/** Whether a key is accepted: any non-empty key, or one of the configured ones. */
export function keyAccepted(context: Pick<VideoContext, 'apiKeys'>, key: string): boolean {
  return key !== '' && (!context.apiKeys || context.apiKeys.includes(key));
}

/** Whether a model is served: any name, or one of the configured ones. */
export function modelServed(context: Pick<VideoContext, 'models'>, model: string): boolean {
  return !context.models || context.models.includes(model);
}
