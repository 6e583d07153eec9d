import type { Json, UpstreamRequest } from '../../contracts/index.ts';
import { obj } from '../json-fields.ts';

/**
 * A call to the Gemini API itself: the model and streaming live in the path (below the
 * provider's `modelsPath`), the body
 * is a `generateContent` body. A balance cap overrides `maxOutputTokens`.
 * @see https://ai.google.dev/api/generate-content
 */
export function geminiNativeRequest(
  body: Json,
  upstreamModel: string,
  stream: boolean,
  clampOutputTokens: number | undefined,
  modelsPath: string,
): UpstreamRequest {
  const { model: _model, ...rest } = body;
  if (clampOutputTokens !== undefined) {
    rest['generationConfig'] = { ...obj(rest['generationConfig']), maxOutputTokens: clampOutputTokens };
  }
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return {
    path: `${modelsPath}/${encodeURIComponent(upstreamModel)}:${method}`,
    headers: {},
    body: JSON.stringify(rest),
  };
}
