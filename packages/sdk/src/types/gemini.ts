/**
 * Gemini's native `generateContent` (https://ai.google.dev/api/generate-content),
 * served at `/v1beta/models/{model}:generateContent` and `:streamGenerateContent`.
 */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response: Record<string, unknown>; id?: string };
  inlineData?: { mimeType: string; data: string };
  [extra: string]: unknown;
}

export interface GeminiContent {
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GenerateContentParams {
  model: string;
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  generationConfig?: Record<string, unknown>;
  tools?: Array<Record<string, unknown>>;
  [extra: string]: unknown;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
}

export interface GeminiCandidate {
  content: GeminiContent;
  finishReason?: string;
  index?: number;
}

export interface GenerateContentResponse {
  candidates: GeminiCandidate[];
  usageMetadata: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

export interface GeminiTokenCount {
  totalTokens: number;
}

/** `GET /v1beta/models` items, in Google's shape (https://ai.google.dev/api/models#Model). */
export interface GeminiModel {
  /** `models/{id}`. */
  name: string;
  version: string;
  displayName: string;
  inputTokenLimit?: number;
  outputTokenLimit?: number;
  supportedGenerationMethods: string[];
}
