import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.ts';
import { applyWorkflowInputs, buildWorkerInput, parseComfyGraph } from './comfy-workflow.ts';

/** ComfyUI's default text-to-image graph, API format, with titles. */
const graph = parseComfyGraph(
  {
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: 1,
        steps: 20,
        cfg: 8,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
      _meta: { title: 'Sampler' },
    },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sdxl.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
    '6': {
      class_type: 'CLIPTextEncode',
      inputs: { text: 'negative words', clip: ['4', 1] },
      _meta: { title: 'Negative' },
    },
    '7': {
      class_type: 'CLIPTextEncode',
      inputs: { text: 'a cat', clip: ['4', 1] },
      _meta: { title: 'Positive Prompt' },
    },
    '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'ComfyUI' } },
  },
  'workflow',
);

const rejection = (run: () => unknown): GatewayError => {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a 400');
};

describe('ComfyUI workflow overrides', () => {
  it('sets the positive prompt, every sampler seed and overrides by title or node id', () => {
    const out = applyWorkflowInputs(graph, {
      prompt: 'an astronaut',
      seed: 42,
      overrides: { 'Sampler.steps': 30, '5.width': 768 },
    });
    expect(out['7']?.inputs['text']).toBe('an astronaut');
    expect(out['6']?.inputs['text']).toBe('negative words');
    expect(out['3']?.inputs).toMatchObject({ seed: 42, steps: 30 });
    expect(out['5']?.inputs['width']).toBe(768);
    // The stored graph is untouched.
    expect(graph['3']?.inputs['steps']).toBe(20);
  });
  it('names an unknown node or input in a 400', () => {
    const node = rejection(() => applyWorkflowInputs(graph, { overrides: { 'Nope.steps': 1 } }));
    expect(node.param).toBe('input.workflow_overrides.Nope.steps');
    expect(node.message).toContain('no node titled or numbered "Nope"');
    const input = rejection(() => applyWorkflowInputs(graph, { overrides: { 'Sampler.stepz': 1 } }));
    expect(input.param).toBe('input.workflow_overrides.Sampler.stepz');
    expect(input.message).toContain('has no input "stepz"');
  });
  it('builds worker-comfyui input from the stored graph, or passes a plain input through', () => {
    const built = buildWorkerInput({ prompt: 'p', images: [{ name: 'a.png', image: 'AAAA' }] }, graph);
    expect(Object.keys(built).sort()).toEqual(['images', 'workflow']);
    expect(buildWorkerInput({ prompt: 'p', seconds: 2 }, null)).toEqual({ prompt: 'p', seconds: 2 });
    expect(rejection(() => buildWorkerInput({ workflow_overrides: { 'a.b': 1 } }, null)).param).toBe(
      'input.workflow_overrides',
    );
    expect(rejection(() => parseComfyGraph({ '1': { inputs: {} } }, 'workflow')).param).toBe('workflow.1');
  });
});
