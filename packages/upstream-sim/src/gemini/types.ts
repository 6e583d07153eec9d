import type { ImagePlan } from './image-output.ts';

/**
 * The simulator's normalized view of a `GenerateContentRequest`: only what shapes the reply, its
 * usage and the checks. Built by `parse-request.ts` from the wire JSON.
 * @see https://ai.google.dev/api/generate-content#request-body
 */
export interface GenerateRequest {
  /** Without the `models/` prefix. */
  model: string;
  contents: InputContent[];
  system: InputPart[];
  functions: FunctionDeclaration[];
  /** Built-in tools (`googleSearch`, `codeExecution`…): counted as prompt, never called. */
  builtinTools: Record<string, unknown>[];
  calling: FunctionCalling;
  maxOutputTokens: number | undefined;
  stopSequences: string[];
  candidateCount: number;
  output: OutputFormat;
  thinking: ThinkingPlan;
  /** Native image output (image models answering with IMAGE): what to draw; undefined = text only. */
  image: ImagePlan | undefined;
}

export type CallingMode = 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';

export interface FunctionCalling {
  mode: CallingMode;
  /** `allowedFunctionNames`, when given. */
  allowed: string[] | undefined;
}

export interface FunctionDeclaration {
  name: string;
  /** `parametersJsonSchema`, or `parameters` translated to JSON Schema, for sampling arguments. */
  schema: Record<string, unknown>;
  /** What the declaration puts into the prompt. */
  promptText: string;
}

export type OutputFormat =
  | { kind: 'text' }
  | { kind: 'json'; schema: Record<string, unknown> | undefined }
  | { kind: 'enum'; values: string[] };

/**
 * How much the model thinks: `tokens` of thinking before it answers (0 = not thinking), whether
 * thought summaries are returned, and whether its parts carry thought signatures.
 */
export interface ThinkingPlan {
  tokens: number;
  includeThoughts: boolean;
  signs: boolean;
}

export type Role = 'user' | 'model';

export interface InputContent {
  role: Role;
  parts: InputPart[];
}

export type InputPart = (
  | { kind: 'text'; text: string; thought: boolean }
  | { kind: 'media'; mimeType: string; identity: string }
  | { kind: 'functionCall'; name: string; args: Record<string, unknown> }
  | { kind: 'functionResponse'; name: string; response: Record<string, unknown> }
  | { kind: 'other'; json: string }
) & { signature: string | undefined };

/** `IMAGE_SAFETY`: the image was withheld by the output filter (image models). */
export type FinishReason = 'STOP' | 'MAX_TOKENS' | 'IMAGE_SAFETY';

export type OutputPart =
  | { kind: 'thought'; text: string }
  | { kind: 'text'; text: string; signature?: string }
  | { kind: 'functionCall'; name: string; args: Record<string, unknown>; signature?: string }
  | { kind: 'image'; mimeType: string; data: string; tokens: number; signature?: string };

/** One generated candidate, already fitted to `maxOutputTokens`. */
export interface GeneratedCandidate {
  parts: OutputPart[];
  finishReason: FinishReason;
  /** Visible output tokens (`candidatesTokenCount`), thoughts excluded. */
  outputTokens: number;
  thoughtTokens: number;
  /** Of `outputTokens`, those spent on images (`candidatesTokensDetails` IMAGE). */
  imageTokens: number;
}
