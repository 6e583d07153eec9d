import { randomUUID } from 'node:crypto';
import { effectiveParams, renderOutput } from './render-outputs.ts';
import type { Graph } from './validate.ts';

export interface ImageRef {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp' | 'input';
}

interface QueuedPrompt {
  number: number;
  promptId: string;
  graph: Graph;
  extraData: Record<string, unknown>;
  outputs: string[];
}

type Message = [string, Record<string, unknown>];

/** An in-memory ComfyUI: one prompt executes at a time, the rest wait in order. */
export class ComfyState {
  readonly files = new Map<string, Buffer>();
  readonly history = new Map<string, Record<string, unknown>>();
  readonly pending: QueuedPrompt[] = [];
  running: (QueuedPrompt & { timer: NodeJS.Timeout; messages: Message[] }) | undefined;
  private number = 0;
  private counter = 0;
  private readonly stepMs: number;

  constructor(stepMs: number) {
    this.stepMs = stepMs;
  }

  static key(ref: Pick<ImageRef, 'filename' | 'subfolder' | 'type'>): string {
    return `${ref.type}/${ref.subfolder}/${ref.filename}`;
  }

  inputFiles(): Set<string> {
    const names = new Set<string>();
    for (const key of this.files.keys()) {
      if (!key.startsWith('input/')) continue;
      const [, subfolder, ...name] = key.split('/');
      names.add(subfolder ? `${subfolder}/${name.join('/')}` : name.join('/'));
    }
    return names;
  }

  enqueue(
    graph: Graph,
    outputs: string[],
    extraData: Record<string, unknown>,
    promptId?: string,
  ): QueuedPrompt {
    const prompt = { number: this.number++, promptId: promptId ?? randomUUID(), graph, extraData, outputs };
    this.pending.push(prompt);
    this.pump();
    return prompt;
  }

  /** Interrupts the running prompt (any, or only `promptId`'s). */
  interrupt(promptId?: string): boolean {
    const running = this.running;
    if (!running || (promptId && running.promptId !== promptId)) return false;
    clearTimeout(running.timer);
    this.finish(running, {}, 'error', [
      ...running.messages,
      [
        'execution_interrupted',
        {
          prompt_id: running.promptId,
          node_id: running.outputs[0],
          node_type: 'KSampler',
          executed: [],
          timestamp: Date.now(),
        },
      ],
    ]);
    return true;
  }

  deletePending(ids: readonly string[] | 'all'): void {
    for (let index = this.pending.length - 1; index >= 0; index -= 1) {
      if (ids === 'all' || ids.includes(this.pending[index]!.promptId)) this.pending.splice(index, 1);
    }
  }

  queueEntry(prompt: QueuedPrompt): unknown[] {
    return [prompt.number, prompt.promptId, prompt.graph, prompt.extraData, prompt.outputs];
  }

  reset(): void {
    if (this.running) clearTimeout(this.running.timer);
    this.running = undefined;
    this.pending.length = 0;
    this.history.clear();
    this.files.clear();
  }

  private pump(): void {
    if (this.running) return;
    const next = this.pending.shift();
    if (!next) return;
    const steps = Math.max(
      1,
      ...Object.values(next.graph)
        .filter((node) => node.class_type === 'KSampler')
        .map((node) => Number(node.inputs['steps']) || 0),
    );
    const messages: Message[] = [
      ['execution_start', { prompt_id: next.promptId, timestamp: Date.now() }],
      ['execution_cached', { nodes: [], prompt_id: next.promptId, timestamp: Date.now() }],
    ];
    const timer = setTimeout(() => this.complete(), steps * this.stepMs);
    timer.unref?.();
    this.running = { ...next, timer, messages };
  }

  private complete(): void {
    const running = this.running;
    if (!running) return;
    const outputs: Record<string, { images: ImageRef[] }> = {};
    for (const id of running.outputs) {
      const node = running.graph[id]!;
      const params = effectiveParams(running.graph, node);
      if (params.positive.includes('[[sim:execution_error]]')) {
        const sampler = Object.entries(running.graph).find(
          ([, candidate]) => candidate.class_type === 'KSampler',
        );
        this.finish(running, {}, 'error', [
          ...running.messages,
          [
            'execution_error',
            {
              prompt_id: running.promptId,
              node_id: sampler?.[0] ?? id,
              node_type: 'KSampler',
              executed: [],
              exception_message: 'Simulated sampler failure ([[sim:execution_error]] in the prompt)',
              exception_type: 'RuntimeError',
              traceback: [],
              current_inputs: {},
              current_outputs: {},
              timestamp: Date.now(),
            },
          ],
        ]);
        return;
      }
      const temp = node.class_type === 'PreviewImage';
      const prefixInput = node.inputs['filename_prefix'];
      const prefix = temp
        ? `ComfyUI_temp_${running.promptId.slice(0, 5)}`
        : typeof prefixInput === 'string'
          ? prefixInput
          : 'ComfyUI';
      const images: ImageRef[] = [];
      for (let index = 0; index < params.batch; index += 1) {
        this.counter += 1;
        const ref: ImageRef = {
          filename: `${prefix}_${String(this.counter).padStart(5, '0')}_.png`,
          subfolder: '',
          type: temp ? 'temp' : 'output',
        };
        const { batch: _batch, ...values } = params;
        this.files.set(ComfyState.key(ref), renderOutput(values, index));
        images.push(ref);
      }
      outputs[id] = { images };
    }
    this.finish(running, outputs, 'success', [
      ...running.messages,
      ['execution_success', { prompt_id: running.promptId, timestamp: Date.now() }],
    ]);
  }

  private finish(
    prompt: QueuedPrompt,
    outputs: Record<string, unknown>,
    status: 'success' | 'error',
    messages: Message[],
  ): void {
    this.history.set(prompt.promptId, {
      prompt: this.queueEntry(prompt),
      outputs,
      status: { status_str: status, completed: status === 'success', messages },
      meta: Object.fromEntries(
        Object.keys(outputs).map((id) => [
          id,
          { node_id: id, display_node: id, parent_node: null, real_node_id: id },
        ]),
      ),
    });
    this.running = undefined;
    this.pump();
  }
}
