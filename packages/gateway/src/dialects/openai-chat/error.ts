import type { GatewayError } from '../../errors/index.ts';

/**
 * OpenAI's error envelope; all four inner keys are present as the spec requires.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function renderOpenAiError(error: GatewayError): { status: number; body: Record<string, unknown> } {
  return {
    status: error.status,
    body: {
      error: {
        message: error.message,
        type: error.type,
        param: error.param,
        code: error.code,
        ...error.details,
      },
    },
  };
}

/** Mid-stream failure: the openai SDK raises on a data object with a top-level `error`. */
export function renderOpenAiStreamError(error: GatewayError): string {
  return `data: ${JSON.stringify(renderOpenAiError(error).body)}\n\n`;
}
