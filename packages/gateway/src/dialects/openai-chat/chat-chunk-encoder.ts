import type { Json, StreamPart } from '../../contracts/index.ts';
import type { StreamEncoder } from '../dialect.ts';

interface Fragment {
  index: number;
  id: string | undefined;
  name: string | undefined;
  arguments: string | undefined;
  extra: Json | undefined;
}

interface Delta {
  choice: number;
  role: string | undefined;
  texts: string[];
  reasoning: string | undefined;
  signature: string | undefined;
  toolCalls: Fragment[];
  finishReason: string | undefined;
}

const sse = (data: string): string => `data: ${data}\n\n`;

function encodeDelta(delta: Delta): Json {
  const fields: Json = {};
  if (delta.role !== undefined) fields['role'] = delta.role;
  if (delta.texts.length > 0 || delta.role !== undefined) fields['content'] = delta.texts.join('');
  if (delta.reasoning !== undefined) fields['reasoning_content'] = delta.reasoning;
  if (delta.signature !== undefined)
    fields['extra_content'] = { google: { thought_signature: delta.signature } };
  if (delta.toolCalls.length > 0) {
    fields['tool_calls'] = delta.toolCalls.map((call) => ({
      index: call.index,
      ...(call.id !== undefined ? { id: call.id, type: 'function' } : {}),
      function: {
        ...(call.name !== undefined ? { name: call.name } : {}),
        arguments: call.arguments ?? '',
      },
      ...(call.extra !== undefined ? { extra_content: call.extra } : {}),
    }));
  }
  return fields;
}

/**
 * The canonical lifecycle back on the wire as Chat Completions chunks, for a chat client of
 * an upstream with its own format: the parts of one upstream event become one chunk (a
 * choice's start is its `role` delta; block starts and ends send nothing), usage rides as
 * chat sends it (`choices: []`) when the client asked for it and on the finish chunk
 * otherwise, then `[DONE]`.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class ChatChunkEncoder implements StreamEncoder {
  readonly #forwardUsage: boolean;
  #id: string | undefined;
  #model: string | undefined;
  #held: Delta[] | null = null;
  #usage: unknown;

  constructor(forwardUsage: boolean) {
    this.#forwardUsage = forwardUsage;
  }

  encode(parts: readonly StreamPart[]): string | null {
    let out = '';
    let deltas: Delta[] = [];
    let usage: unknown;
    const flush = (): void => {
      out += this.#forwardUsage ? this.#standard(deltas, usage) : this.#usageOnFinish(deltas, usage);
      deltas = [];
      usage = undefined;
    };
    const deltaOf = (choice: number): Delta => {
      let delta = deltas.find((open) => open.choice === choice);
      if (!delta) {
        delta = {
          choice,
          role: undefined,
          texts: [],
          reasoning: undefined,
          signature: undefined,
          toolCalls: [],
          finishReason: undefined,
        };
        deltas.push(delta);
      }
      return delta;
    };
    for (const part of parts) {
      switch (part.type) {
        case 'start':
          if (part.id !== undefined) this.#id ??= part.id;
          if (part.model !== undefined) this.#model = part.model;
          deltaOf(part.choice).role = 'assistant';
          break;
        case 'text-delta':
          deltaOf(part.choice).texts.push(part.text);
          break;
        case 'reasoning-delta': {
          const delta = deltaOf(part.choice);
          delta.reasoning = (delta.reasoning ?? '') + part.text;
          break;
        }
        case 'text-signature':
          deltaOf(part.choice).signature = part.signature;
          break;
        case 'tool-call-start':
          deltaOf(part.choice).toolCalls.push({
            index: part.index,
            id: part.id,
            name: part.name,
            arguments: undefined,
            extra: part.extra,
          });
          break;
        case 'tool-call-delta': {
          const calls = deltaOf(part.choice).toolCalls;
          const last = calls.at(-1);
          if (last?.index === part.index && last.arguments === undefined) last.arguments = part.arguments;
          else
            calls.push({
              index: part.index,
              id: undefined,
              name: undefined,
              arguments: part.arguments,
              extra: undefined,
            });
          break;
        }
        case 'finish':
          deltaOf(part.choice).finishReason = part.reason;
          break;
        case 'usage':
          usage = part.raw;
          break;
        case 'error':
          flush();
          out += sse(JSON.stringify({ error: part.error }));
          break;
        case 'done':
          flush();
          out += this.#releaseHeld() + sse('[DONE]');
          break;
        default:
          break; // block starts and ends: chat has no such events
      }
    }
    flush();
    return out.length > 0 ? out : null;
  }

  /** As chat sends it: usage in a `choices: []` chunk of its own. */
  #standard(deltas: Delta[], usage: unknown): string {
    return deltas.length > 0 || usage !== undefined ? this.#chunk(deltas, usage) : '';
  }

  /**
   * For a client that did not ask for the usage chunk: the finish chunk waits for the usage
   * and carries it, so every client gets usage in its last chunk without a `choices: []` one.
   */
  #usageOnFinish(deltas: Delta[], usage: unknown): string {
    if (usage !== undefined) this.#usage = usage;
    let out = this.#held && (usage !== undefined || deltas.length > 0) ? this.#releaseHeld() : '';
    if (deltas.length === 0) return out;
    if (deltas.some((delta) => delta.finishReason !== undefined) && usage === undefined) this.#held = deltas;
    else out += this.#chunk(deltas, usage);
    return out;
  }

  #releaseHeld(): string {
    const held = this.#held;
    this.#held = null;
    return held ? this.#chunk(held, this.#usage) : '';
  }

  finish(): string | null {
    return this.#releaseHeld() || null;
  }

  #chunk(deltas: Delta[], usage: unknown): string {
    return sse(
      JSON.stringify({
        id: this.#id,
        object: 'chat.completion.chunk',
        created: Math.floor(Date.now() / 1000),
        model: this.#model,
        choices: deltas.map((delta) => ({
          index: delta.choice,
          delta: encodeDelta(delta),
          finish_reason: delta.finishReason ?? null,
          logprobs: null,
        })),
        ...(usage !== undefined ? { usage } : {}),
      }),
    );
  }
}
