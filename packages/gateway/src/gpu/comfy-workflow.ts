import { GatewayError } from '../errors/index.ts';

/**
 * ComfyUI API-format graphs (ComfyUI "Export (API)": `{"<node id>": {class_type, inputs, _meta?}}`,
 * as runpod-workers/worker-comfyui takes them, https://github.com/runpod-workers/worker-comfyui)
 * and the gateway's overrides on them, applied before the job reaches a worker:
 * - `workflow_overrides`: `{"<node title or node id>.<input name>": value}` (a title is `_meta.title`);
 * - `prompt`: the text of the first CLIPTextEncode titled /positive/i, else the first CLIPTextEncode;
 * - `seed`: every KSampler's `seed` (KSamplerAdvanced: `noise_seed`).
 * An override naming no node, or an input the node does not have, is a 400 naming it.
 */
export type ComfyGraph = Record<string, ComfyNode>;
export interface ComfyNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
  [extra: string]: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A graph as stored or sent (an object, or its JSON text as worker-comfyui also accepts); 400 otherwise. */
export function parseComfyGraph(value: unknown, param: string): ComfyGraph {
  let graph = value;
  if (typeof graph === 'string') {
    try {
      graph = JSON.parse(graph);
    } catch {
      throw new GatewayError('invalid_request', { param, message: `${param} is not valid JSON.` });
    }
  }
  if (!isObject(graph) || Object.keys(graph).length === 0)
    throw new GatewayError('invalid_request', {
      param,
      message: `${param} must be a ComfyUI API-format graph (Workflow > Export (API)): an object of nodes.`,
    });
  for (const [id, node] of Object.entries(graph)) {
    if (!isObject(node) || typeof node['class_type'] !== 'string' || !isObject(node['inputs']))
      throw new GatewayError('invalid_request', {
        param: `${param}.${id}`,
        message: `${param}.${id} must be a node with a class_type and inputs.`,
      });
  }
  return graph as ComfyGraph;
}

export interface WorkflowInputs {
  prompt?: unknown;
  seed?: unknown;
  overrides?: unknown;
}

const titleOf = (node: ComfyNode) => (typeof node._meta?.title === 'string' ? node._meta.title : undefined);

/** A copy of `graph` with the prompt, the seed and the overrides applied. */
export function applyWorkflowInputs(graph: ComfyGraph, inputs: WorkflowInputs): ComfyGraph {
  const out = structuredClone(graph);
  const nodes = Object.entries(out);
  if (inputs.prompt !== undefined) {
    if (typeof inputs.prompt !== 'string')
      throw new GatewayError('invalid_request', {
        param: 'input.prompt',
        message: 'input.prompt must be a string.',
      });
    const encoders = nodes.filter(([, node]) => node.class_type === 'CLIPTextEncode');
    const target = encoders.find(([, node]) => /positive/i.test(titleOf(node) ?? '')) ?? encoders[0];
    if (!target)
      throw new GatewayError('invalid_request', {
        param: 'input.prompt',
        message: 'input.prompt: the workflow has no CLIPTextEncode node to put it in.',
      });
    target[1].inputs['text'] = inputs.prompt;
  }
  if (inputs.seed !== undefined) {
    if (typeof inputs.seed !== 'number' || !Number.isInteger(inputs.seed) || inputs.seed < 0)
      throw new GatewayError('invalid_request', {
        param: 'input.seed',
        message: 'input.seed must be a non-negative integer.',
      });
    const samplers = nodes.filter(
      ([, node]) => node.class_type === 'KSampler' || node.class_type === 'KSamplerAdvanced',
    );
    if (samplers.length === 0)
      throw new GatewayError('invalid_request', {
        param: 'input.seed',
        message: 'input.seed: the workflow has no KSampler node to seed.',
      });
    for (const [, node] of samplers)
      node.inputs[node.class_type === 'KSampler' ? 'seed' : 'noise_seed'] = inputs.seed;
  }
  if (inputs.overrides !== undefined) {
    if (!isObject(inputs.overrides))
      throw new GatewayError('invalid_request', {
        param: 'input.workflow_overrides',
        message: 'input.workflow_overrides must be an object of "<node title or id>.<input>": value.',
      });
    for (const [key, value] of Object.entries(inputs.overrides)) {
      const param = `input.workflow_overrides.${key}`;
      const dot = key.lastIndexOf('.');
      if (dot <= 0 || dot === key.length - 1)
        throw new GatewayError('invalid_request', {
          param,
          message: `${param}: expected "<node title or node id>.<input name>", e.g. "Sampler.steps".`,
        });
      const ref = key.slice(0, dot);
      const input = key.slice(dot + 1);
      const node = out[ref] ?? nodes.find(([, candidate]) => titleOf(candidate) === ref)?.[1];
      if (!node)
        throw new GatewayError('invalid_request', {
          param,
          message: `${param}: the workflow has no node titled or numbered "${ref}".`,
        });
      if (!(input in node.inputs))
        throw new GatewayError('invalid_request', {
          param,
          message: `${param}: node "${ref}" (${node.class_type}) has no input "${input}" (it has ${Object.keys(node.inputs).join(', ') || 'none'}).`,
        });
      node.inputs[input] = value;
    }
  }
  return out;
}

/**
 * The worker input of a deployment run: with a workflow (the run's `input.workflow`, else the
 * deployment's stored graph) → worker-comfyui's `{workflow, images?, …}` with the overrides
 * applied; without one the input goes to the worker unchanged.
 */
export function buildWorkerInput(
  input: Record<string, unknown>,
  stored: Record<string, unknown> | null,
): Record<string, unknown> {
  const { workflow, workflow_overrides: overrides, prompt, seed, ...rest } = input;
  const source = workflow ?? stored;
  if (source === undefined || source === null) {
    if (overrides !== undefined)
      throw new GatewayError('invalid_request', {
        param: 'input.workflow_overrides',
        message:
          'input.workflow_overrides needs a workflow: store one on the deployment or send input.workflow.',
      });
    return input;
  }
  const graph = parseComfyGraph(source, workflow === undefined ? 'workflow' : 'input.workflow');
  return { ...rest, workflow: applyWorkflowInputs(graph, { prompt, seed, overrides }) };
}
