/**
 * The FLUX endpoints the simulator answers (`POST /v1/<model>`) and how each sizes its output.
 * `aspect`: the model takes `aspect_ratio` (Kontext, Ultra); `dimensions`: `width`/`height`.
 * `credits`: the submit response's `cost` for a 1 MP image (1 credit = $0.01); FLUX.2 prices
 * grow with megapixels.
 * @see https://docs.bfl.ai/api-reference/models/generate-or-edit-an-image-with-flux2-[pro]
 * @see https://docs.bfl.ai/api-reference/models/edit-or-create-an-image-with-flux-kontext-pro
 */
export interface FluxModel {
  sizing: 'aspect' | 'dimensions';
  defaultOutput: 'png' | 'jpeg';
  maxSafety: number;
  /** Extra reference images `input_image_2` … `input_image_<maxImages>`. */
  maxImages: number;
  credits: number;
  /** Credits per megapixel beyond the first (FLUX.2). */
  perExtraMp: number;
  /** Pixels of an `aspect_ratio` image. */
  aspectPixels: number;
}

const MP = 1024 * 1024;

const MODELS: Record<string, FluxModel> = {
  'flux-kontext-pro': kontext(4),
  'flux-kontext-max': kontext(8),
  'flux-2-pro': flux2(3, 1.5),
  'flux-2-flex': flux2(6, 6),
  'flux-2-max': flux2(7, 3),
  'flux-2-klein-4b': flux2(1.4, 0.1),
  'flux-2-klein-9b': flux2(1.5, 0.2),
  'flux-pro-1.1': { ...flux2(4, 0), maxImages: 1, defaultOutput: 'jpeg', maxSafety: 6 },
  'flux-pro-1.1-ultra': { ...kontext(6), maxImages: 1, aspectPixels: 4 * MP },
  'flux-dev': { ...flux2(2.5, 0), maxImages: 1 },
};

function kontext(credits: number): FluxModel {
  return {
    sizing: 'aspect',
    defaultOutput: 'png',
    maxSafety: 6,
    maxImages: 4,
    credits,
    perExtraMp: 0,
    aspectPixels: MP,
  };
}

function flux2(credits: number, perExtraMp: number): FluxModel {
  return {
    sizing: 'dimensions',
    defaultOutput: 'jpeg',
    maxSafety: 5,
    maxImages: 8,
    credits,
    perExtraMp,
    aspectPixels: MP,
  };
}

export function fluxModel(name: string): FluxModel | undefined {
  return Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
}

export function fluxCost(model: FluxModel, width: number, height: number): number {
  const extra = Math.max(0, Math.ceil((width * height) / MP) - 1);
  return Math.round((model.credits + extra * model.perExtraMp) * 100) / 100;
}
