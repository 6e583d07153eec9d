import { PromptCache } from '../openai-chat/prompt-cache.ts';
import type { SimApi, SimApiOptions } from '../sim-api.ts';
import { sendGeminiError } from './errors.ts';
import {
  type GeminiContext,
  handleCountTokens,
  handleGenerateContent,
  modelOfPath,
} from './generate-content.ts';
import { DEFAULT_MODELS, handleGetModel, handleListModels } from './models.ts';
import { handlePredict, predictModel } from './predict.ts';
import { ThoughtSigner } from './thought-signature.ts';
import {
  FILE_DOWNLOAD,
  handleFileDownload,
  handleGetOperation,
  handlePredictLongRunning,
  OPERATION,
  PREDICT_LONG_RUNNING,
  type VeoContext,
} from './veo.ts';

const VERSIONS = '(?:v1beta|v1alpha|v1)';
const method = (name: string): RegExp => new RegExp(`^/${VERSIONS}/models/[^/:]+:${name}$`);

/**
 * Google Gemini API (Developer API): `POST /v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent`, `:countTokens`, `GET /v1beta/models` and `GET /v1beta/models/{model}`;
 * Veo's `:predictLongRunning`, its operations and the generated files' `:download`.
 * The generation methods also answer under `v1` and `v1alpha`, and the models list under
 * `v1alpha` (`GET /v1/models` is OpenAI's). Unknown paths under `/v1beta/` and `/v1alpha/`
 * answer in Google's error envelope.
 * @see https://ai.google.dev/api
 */
export function createGeminiApi(
  options: SimApiOptions,
  video: Omit<VeoContext, 'apiKeys' | 'models'>,
): SimApi {
  const veo: VeoContext = { ...video, apiKeys: options.apiKeys, models: options.models };
  const context: GeminiContext = {
    apiKeys: options.apiKeys,
    models: options.models,
    promptCache: new PromptCache(),
    signer: new ThoughtSigner(),
  };
  const listed = options.models ?? DEFAULT_MODELS;
  const modelOf = (exchange: { path: string }): string | undefined => modelOfPath(exchange.path);
  return {
    routes: [
      {
        method: 'POST',
        path: method('generateContent'),
        modelOf,
        handle: (exchange) => handleGenerateContent(exchange, context, false),
      },
      {
        method: 'POST',
        path: method('streamGenerateContent'),
        modelOf,
        handle: (exchange) => handleGenerateContent(exchange, context, true),
      },
      {
        method: 'POST',
        path: method('countTokens'),
        modelOf,
        handle: (exchange) => handleCountTokens(exchange, context),
      },
      {
        method: 'POST',
        path: method('predict'),
        modelOf: (exchange) => predictModel(exchange.path),
        handle: (exchange) => handlePredict(exchange, context),
      },
      {
        // Vertex AI's path (API-key "express mode"), where @google/genai sends generateImages.
        method: 'POST',
        path: /^\/(?:v1|v1beta1)\/(?:projects\/[^/]+\/locations\/[^/]+\/)?publishers\/google\/models\/[^/:]+:predict$/,
        modelOf: (exchange) => predictModel(exchange.path),
        handle: (exchange) => handlePredict(exchange, context),
      },
      {
        method: 'POST',
        path: PREDICT_LONG_RUNNING,
        modelOf: (exchange) => PREDICT_LONG_RUNNING.exec(exchange.path)?.[2],
        handle: (exchange) => handlePredictLongRunning(exchange, veo),
      },
      {
        method: 'GET',
        path: OPERATION,
        modelOf: (exchange) => /\/models\/([^/:]+)\//.exec(exchange.path)?.[1],
        handle: (exchange) => handleGetOperation(exchange, veo),
      },
      { method: 'GET', path: FILE_DOWNLOAD, handle: (exchange) => handleFileDownload(exchange, veo) },
      {
        method: 'GET',
        path: /^\/(?:v1beta|v1alpha)\/models$/,
        handle: (exchange) => handleListModels(exchange, options.apiKeys, listed),
      },
      {
        method: 'GET',
        path: /^\/(?:v1beta|v1alpha)\/models\/[^/:]+$/,
        modelOf: (exchange) => decodeURIComponent(exchange.path.replace(/^\/[^/]+\/models\//, '')),
        handle: (exchange) => handleGetModel(exchange, options.apiKeys, options.models),
      },
    ],
    claimsPath: (path) => /^\/(?:v1beta|v1alpha)\//.test(path),
    sendError: (exchange, status, message) => sendGeminiError(exchange, status, message),
    reset: () => context.promptCache.clear(),
  };
}
