/** What a caller may change in the default graph. */
export interface DefaultWorkflowOptions {
  text?: string;
  negative?: string;
  seed?: number;
  steps?: number;
  width?: number;
  height?: number;
  batchSize?: number;
  filenamePrefix?: string;
}

/**
 * ComfyUI's default text-to-image graph in API format (Workflow > Export (API), see
 * https://docs.comfy.org/development/comfyui-server/comms_routes), with node titles (`_meta.title`
 * "Sampler", "Positive", "Negative") so overrides can name nodes. Small images by default: the
 * fake renders every pixel.
 */
export function comfyDefaultWorkflow(options: DefaultWorkflowOptions = {}) {
  return {
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: options.seed ?? 42,
        steps: options.steps ?? 4,
        cfg: 7,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 1,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
      _meta: { title: 'Sampler' },
    },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
    '5': {
      class_type: 'EmptyLatentImage',
      inputs: {
        width: options.width ?? 64,
        height: options.height ?? 48,
        batch_size: options.batchSize ?? 1,
      },
    },
    '6': {
      class_type: 'CLIPTextEncode',
      inputs: { text: options.text ?? 'a red fox', clip: ['4', 1] },
      _meta: { title: 'Positive' },
    },
    '7': {
      class_type: 'CLIPTextEncode',
      inputs: { text: options.negative ?? 'blurry', clip: ['4', 1] },
      _meta: { title: 'Negative' },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': {
      class_type: 'SaveImage',
      inputs: { filename_prefix: options.filenamePrefix ?? 'ComfyUI', images: ['8', 0] },
    },
  };
}
