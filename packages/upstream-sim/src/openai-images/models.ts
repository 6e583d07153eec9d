/**
 * What each OpenAI image model accepts, from the `CreateImageRequest` schema of the OpenAI
 * OpenAPI spec and the image generation guide.
 * @see https://platform.openai.com/docs/api-reference/images/create
 * @see https://platform.openai.com/docs/guides/image-generation
 */
export interface ImageModelRules {
  family: 'dall-e-2' | 'dall-e-3' | 'gpt-image';
  /** Fixed sizes (besides `auto` for GPT image models); undefined = any `WxH` within `flexible`. */
  sizes: readonly string[] | undefined;
  qualities: readonly string[];
  maxN: number;
  maxPromptChars: number;
}

const GPT_SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;

export function imageModelRules(model: string): ImageModelRules | undefined {
  if (model === 'dall-e-2') {
    return {
      family: 'dall-e-2',
      sizes: ['256x256', '512x512', '1024x1024'],
      qualities: ['standard'],
      maxN: 10,
      maxPromptChars: 1000,
    };
  }
  if (model === 'dall-e-3') {
    return {
      family: 'dall-e-3',
      sizes: ['1024x1024', '1792x1024', '1024x1792'],
      qualities: ['standard', 'hd'],
      maxN: 1,
      maxPromptChars: 4000,
    };
  }
  if (/^(gpt-image-|chatgpt-image-)/.test(model)) {
    return {
      family: 'gpt-image',
      // gpt-image-2 takes any size within the flexible-size limits below.
      sizes: /^gpt-image-2(\b|-)/.test(model) ? undefined : GPT_SIZES,
      qualities: ['low', 'medium', 'high'],
      maxN: 10,
      maxPromptChars: 32_000,
    };
  }
  return undefined;
}

/**
 * gpt-image-2's flexible sizes: both sides multiples of 16, longest side at most 3840, aspect
 * ratio within 3:1, between 655 360 and 8 294 400 pixels. Returns the complaint, if any.
 */
export function flexibleSizeProblem(width: number, height: number): string | undefined {
  if (width % 16 !== 0 || height % 16 !== 0) return 'both dimensions must be multiples of 16';
  if (Math.max(width, height) > 3840) return 'the longest side must be at most 3840 pixels';
  if (Math.max(width, height) / Math.min(width, height) > 3) return 'the aspect ratio must be within 3:1';
  const pixels = width * height;
  if (pixels < 655_360 || pixels > 8_294_400) {
    return 'the total pixel count must be between 655360 and 8294400';
  }
  return undefined;
}

/**
 * Output image tokens of GPT image models at 1024×1024 / 1024×1536 / 1536×1024 per quality, as
 * the image generation guide's cost table lists them; other sizes scale with the pixel count.
 * @see https://platform.openai.com/docs/guides/image-generation#cost-and-latency
 */
const OUTPUT_TOKENS: Record<string, readonly [number, number, number]> = {
  low: [272, 408, 400],
  medium: [1056, 1584, 1568],
  high: [4160, 6240, 6208],
};

export function outputImageTokens(quality: string, width: number, height: number): number {
  const row = OUTPUT_TOKENS[quality] ?? OUTPUT_TOKENS['medium'] ?? [1056, 1584, 1568];
  if (width === height) return Math.round(row[0] * ((width * height) / (1024 * 1024)));
  if (width === 1024 && height === 1536) return row[1];
  if (width === 1536 && height === 1024) return row[2];
  const portrait = height > width;
  const base = portrait ? row[1] : row[2];
  return Math.round(base * ((width * height) / (1024 * 1536)));
}
