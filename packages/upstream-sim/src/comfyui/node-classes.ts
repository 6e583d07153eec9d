/**
 * The node classes the fake knows, with the input specs ComfyUI's `GET /object_info` reports for
 * them (nodes.py): `[TYPE, options]` for a value or link input, `[[choices], options]` for a combo.
 * @see https://github.com/comfyanonymous/ComfyUI/blob/master/nodes.py
 */
export type InputSpec = [string | string[], Record<string, unknown>?];

export interface NodeClass {
  name: string;
  displayName: string;
  category: string;
  required: Record<string, InputSpec>;
  optional?: Record<string, InputSpec>;
  output: string[];
  outputName: string[];
  outputNode: boolean;
  description: string;
}

const SAMPLERS = ['euler', 'euler_ancestral', 'heun', 'dpm_2', 'dpmpp_2m', 'dpmpp_sde', 'ddim', 'uni_pc'];
const SCHEDULERS = ['normal', 'karras', 'exponential', 'sgm_uniform', 'simple', 'ddim_uniform', 'beta'];
export const CHECKPOINTS = [
  'sd_xl_base_1.0.safetensors',
  'flux1-schnell-fp8.safetensors',
  'v1-5-pruned-emaonly.safetensors',
];
const MAX_RESOLUTION = 16384;

export const nodeClasses: Record<string, NodeClass> = {
  CheckpointLoaderSimple: {
    name: 'CheckpointLoaderSimple',
    displayName: 'Load Checkpoint',
    category: 'loaders',
    required: { ckpt_name: [CHECKPOINTS, { tooltip: 'The name of the checkpoint (model) to load.' }] },
    output: ['MODEL', 'CLIP', 'VAE'],
    outputName: ['MODEL', 'CLIP', 'VAE'],
    outputNode: false,
    description: 'Loads a diffusion model checkpoint.',
  },
  CLIPTextEncode: {
    name: 'CLIPTextEncode',
    displayName: 'CLIP Text Encode (Prompt)',
    category: 'conditioning',
    required: { text: ['STRING', { multiline: true, dynamicPrompts: true }], clip: ['CLIP'] },
    output: ['CONDITIONING'],
    outputName: ['CONDITIONING'],
    outputNode: false,
    description: 'Encodes a text prompt using a CLIP model.',
  },
  EmptyLatentImage: {
    name: 'EmptyLatentImage',
    displayName: 'Empty Latent Image',
    category: 'latent',
    required: {
      width: ['INT', { default: 512, min: 16, max: MAX_RESOLUTION, step: 8 }],
      height: ['INT', { default: 512, min: 16, max: MAX_RESOLUTION, step: 8 }],
      batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
    },
    output: ['LATENT'],
    outputName: ['LATENT'],
    outputNode: false,
    description: 'Create a new batch of empty latent images to be denoised via sampling.',
  },
  KSampler: {
    name: 'KSampler',
    displayName: 'KSampler',
    category: 'sampling',
    required: {
      model: ['MODEL'],
      seed: [
        'INT',
        {
          default: 0,
          min: 0,
          max: 2 ** 64 - 1, // ComfyUI's 0xffffffffffffffff
          control_after_generate: true,
        },
      ],
      steps: ['INT', { default: 20, min: 1, max: 10000 }],
      cfg: ['FLOAT', { default: 8.0, min: 0.0, max: 100.0, step: 0.1, round: 0.01 }],
      sampler_name: [SAMPLERS],
      scheduler: [SCHEDULERS],
      positive: ['CONDITIONING'],
      negative: ['CONDITIONING'],
      latent_image: ['LATENT'],
      denoise: ['FLOAT', { default: 1.0, min: 0.0, max: 1.0, step: 0.01 }],
    },
    output: ['LATENT'],
    outputName: ['LATENT'],
    outputNode: false,
    description: 'Uses the provided model, positive and negative conditioning to denoise the latent image.',
  },
  VAEDecode: {
    name: 'VAEDecode',
    displayName: 'VAE Decode',
    category: 'latent',
    required: { samples: ['LATENT'], vae: ['VAE'] },
    output: ['IMAGE'],
    outputName: ['IMAGE'],
    outputNode: false,
    description: 'Decodes latent images back into pixel space images.',
  },
  SaveImage: {
    name: 'SaveImage',
    displayName: 'Save Image',
    category: 'image',
    required: { images: ['IMAGE'], filename_prefix: ['STRING', { default: 'ComfyUI' }] },
    output: [],
    outputName: [],
    outputNode: true,
    description: 'Saves the input images to your ComfyUI output directory.',
  },
  PreviewImage: {
    name: 'PreviewImage',
    displayName: 'Preview Image',
    category: 'image',
    required: { images: ['IMAGE'] },
    output: [],
    outputName: [],
    outputNode: true,
    description: 'Saves the input images to your ComfyUI temp directory.',
  },
  LoadImage: {
    name: 'LoadImage',
    displayName: 'Load Image',
    category: 'image',
    required: { image: [[], { image_upload: true }] },
    output: ['IMAGE', 'MASK'],
    outputName: ['IMAGE', 'MASK'],
    outputNode: false,
    description: 'Loads an image from the input folder.',
  },
};

/** `GET /object_info[/{class}]` entry; LoadImage's choices are the files uploaded so far. */
export function objectInfo(nodeClass: NodeClass, inputFiles: readonly string[]): Record<string, unknown> {
  const required =
    nodeClass.name === 'LoadImage'
      ? { image: [[...inputFiles].sort(), { image_upload: true }] }
      : nodeClass.required;
  return {
    input: { required, ...(nodeClass.optional ? { optional: nodeClass.optional } : {}) },
    input_order: { required: Object.keys(nodeClass.required) },
    output: nodeClass.output,
    output_is_list: nodeClass.output.map(() => false),
    output_name: nodeClass.outputName,
    name: nodeClass.name,
    display_name: nodeClass.displayName,
    description: nodeClass.description,
    python_module: 'nodes',
    category: nodeClass.category,
    output_node: nodeClass.outputNode,
  };
}
