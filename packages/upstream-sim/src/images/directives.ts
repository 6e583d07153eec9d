/**
 * Prompt directives every image simulator understands, so tests can script outcomes the real
 * vendors produce on their own:
 * - `[[sim:moderated]]` (or `=input`): the prompt is refused before generation;
 * - `[[sim:moderated=output]]`: the generated image is withheld by the output filter;
 * - `[[sim:image_error]]`: generation fails (BFL `Error`);
 * - `[[sim:images=N]]`: how many images a model that decides for itself (Seedream's
 *   `sequential_image_generation: "auto"`) returns.
 */
export interface ImageDirectives {
  moderated: 'input' | 'output' | undefined;
  fail: boolean;
  images: number | undefined;
}

export function imageDirectives(prompt: string): ImageDirectives {
  const moderated = /\[\[sim:moderated(?:=(input|output))?\]\]/.exec(prompt);
  const images = /\[\[sim:images=(\d+)\]\]/.exec(prompt)?.[1];
  return {
    moderated: moderated ? ((moderated[1] as 'input' | 'output' | undefined) ?? 'input') : undefined,
    fail: prompt.includes('[[sim:image_error]]'),
    images: images === undefined ? undefined : Number(images),
  };
}

/** Result-URL lifetimes the vendors document, unless the simulator is told otherwise. */
export interface ImageUrlSettings {
  /** Overrides every vendor's lifetime when set. */
  ttlMs: number | undefined;
}

export function urlTtl(settings: ImageUrlSettings, vendorDefaultMs: number): number {
  return settings.ttlMs ?? vendorDefaultMs;
}
