import { createHash } from 'node:crypto';
import { encodeBandsPng } from '../images/png.ts';
import type { Graph, GraphNode } from './validate.ts';
import { isLink } from './validate.ts';

/** What an output image was "generated" from: the values that reached its sampler. */
export interface EffectiveParams {
  positive: string;
  negative: string;
  seed: number;
  steps: number;
  cfg: number;
  width: number;
  height: number;
}

function linked(graph: Graph, value: unknown): GraphNode | undefined {
  return isLink(value) ? graph[String(value[0])] : undefined;
}

/** Follows links upstream from `start` (breadth first) to the first node of `classType`. */
function upstream(graph: Graph, start: GraphNode, classType: string): GraphNode | undefined {
  const queue: GraphNode[] = [start];
  const seen = new Set<GraphNode>();
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (node !== start && node.class_type === classType) return node;
    for (const value of Object.values(node.inputs)) {
      const next = linked(graph, value);
      if (next) queue.push(next);
    }
  }
  return undefined;
}

/** The text of a CLIPTextEncode linked to `input`, however many hops away. */
function textOf(graph: Graph, input: unknown): string {
  const node = linked(graph, input);
  if (!node) return '';
  const encoder = node.class_type === 'CLIPTextEncode' ? node : upstream(graph, node, 'CLIPTextEncode');
  const text = encoder?.inputs['text'];
  return typeof text === 'string' ? text : '';
}

const num = (value: unknown, fallback: number) => {
  const number = Number(value);
  return Number.isFinite(number) ? number : fallback;
};

/** The parameters that reach an output node through its KSampler and EmptyLatentImage. */
export function effectiveParams(graph: Graph, output: GraphNode): EffectiveParams & { batch: number } {
  const sampler = upstream(graph, output, 'KSampler');
  const latent = sampler
    ? (linked(graph, sampler.inputs['latent_image']) ?? upstream(graph, sampler, 'EmptyLatentImage'))
    : undefined;
  const size = latent?.class_type === 'EmptyLatentImage' ? latent : undefined;
  return {
    positive: sampler ? textOf(graph, sampler.inputs['positive']) : '',
    negative: sampler ? textOf(graph, sampler.inputs['negative']) : '',
    seed: num(sampler?.inputs['seed'], 0),
    steps: num(sampler?.inputs['steps'], 0),
    cfg: num(sampler?.inputs['cfg'], 0),
    width: num(size?.inputs['width'], 512),
    height: num(size?.inputs['height'], 512),
    batch: Math.max(1, Math.min(8, num(size?.inputs['batch_size'], 1))),
  };
}

/** JSON with every non-ASCII character escaped, so it fits a Latin-1 `tEXt` chunk losslessly. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A PNG whose colour bands come from a hash of the effective parameters (so different
 * overrides give different pixels) and whose `tEXt` chunk `parameters` holds them as JSON.
 */
export function renderOutput(params: EffectiveParams, batchIndex: number): Buffer {
  const digest = createHash('sha256')
    .update(asciiJson({ ...params, batchIndex }))
    .digest();
  const bands = [0, 1, 2, 3].map((band) => ({
    color: { r: digest[band * 3] ?? 0, g: digest[band * 3 + 1] ?? 0, b: digest[band * 3 + 2] ?? 0 },
    rows: Math.ceil(params.height / 4),
  }));
  return encodeBandsPng({
    width: Math.max(1, Math.min(4096, Math.round(params.width))),
    height: Math.max(1, Math.min(4096, Math.round(params.height))),
    bands,
    text: { parameters: asciiJson(params) },
  });
}
