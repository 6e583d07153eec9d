import {
  BOOL,
  BYTES,
  enumOf,
  FLOAT,
  INT32,
  INT64,
  type MessageShape,
  map,
  message,
  OPAQUE,
  repeated,
  STRING,
  STRUCT,
  VALUE,
} from './proto-json.ts';

/**
 * The v1beta request messages (Developer API), field by field, as `@google/genai` 2.32 writes
 * them (`generateContentParametersToMldev` and friends) and the REST reference lists them.
 * Nested configs the simulator does not interpret (speech, image, retrieval, built-in tools…)
 * are accepted as they are.
 * @see https://ai.google.dev/api/generate-content#request-body
 */

export const FUNCTION_CALLING_MODES = ['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED'] as const;
export const THINKING_LEVELS = ['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH'] as const;

export const SCHEMA_TYPES = [
  'TYPE_UNSPECIFIED',
  'STRING',
  'NUMBER',
  'INTEGER',
  'BOOLEAN',
  'ARRAY',
  'OBJECT',
  'NULL',
] as const;
const TYPE = enumOf('Type', SCHEMA_TYPES);

/** The OpenAPI-subset `Schema` of `parameters`, `response` and `responseSchema`. */
export const SCHEMA: MessageShape = message('Schema', () => ({
  type: TYPE,
  format: STRING,
  title: STRING,
  description: STRING,
  nullable: BOOL,
  enum: repeated(STRING),
  maxItems: INT64,
  minItems: INT64,
  properties: map(SCHEMA),
  required: repeated(STRING),
  minProperties: INT64,
  maxProperties: INT64,
  minLength: INT64,
  maxLength: INT64,
  pattern: STRING,
  example: VALUE,
  anyOf: repeated(SCHEMA),
  propertyOrdering: repeated(STRING),
  default: VALUE,
  items: SCHEMA,
  minimum: FLOAT,
  maximum: FLOAT,
  // Not in the SDK's type, but sent by `@ai-sdk/google` (from `$ref`/`$defs`/`allOf`/`oneOf`)
  // against the real API; JSON Schema keywords such as `additionalProperties`, `$schema` or
  // `multipleOf` are rejected.
  ref: STRING,
  defs: map(SCHEMA),
  allOf: repeated(SCHEMA),
  oneOf: repeated(SCHEMA),
}));

const BLOB = message('Blob', () => ({ mimeType: STRING, data: BYTES, displayName: STRING }));
const FILE_DATA = message('FileData', () => ({ mimeType: STRING, fileUri: STRING, displayName: STRING }));

const FUNCTION_CALL = message('FunctionCall', () => ({ id: STRING, name: STRING, args: STRUCT }));

const FUNCTION_RESPONSE = message('FunctionResponse', () => ({
  id: STRING,
  name: STRING,
  response: STRUCT,
  parts: repeated(OPAQUE),
  willContinue: BOOL,
  scheduling: enumOf('FunctionResponse.Scheduling', [
    'SCHEDULING_UNSPECIFIED',
    'SILENT',
    'WHEN_IDLE',
    'INTERRUPT',
  ]),
}));

export const PART = message('Part', () => ({
  text: STRING,
  inlineData: BLOB,
  fileData: FILE_DATA,
  functionCall: FUNCTION_CALL,
  functionResponse: FUNCTION_RESPONSE,
  executableCode: OPAQUE,
  codeExecutionResult: OPAQUE,
  toolCall: OPAQUE,
  toolResponse: OPAQUE,
  thought: BOOL,
  thoughtSignature: BYTES,
  videoMetadata: OPAQUE,
  mediaResolution: OPAQUE,
  partMetadata: STRUCT,
}));

/** The data fields of a Part: exactly one must be set. */
export const PART_DATA_FIELDS = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
  'toolCall',
  'toolResponse',
] as const;

const CONTENT = message('Content', () => ({ role: STRING, parts: repeated(PART) }));

const FUNCTION_DECLARATION = message('FunctionDeclaration', () => ({
  name: STRING,
  description: STRING,
  parameters: SCHEMA,
  parametersJsonSchema: VALUE,
  response: SCHEMA,
  responseJsonSchema: VALUE,
  behavior: enumOf('FunctionDeclaration.Behavior', ['UNSPECIFIED', 'BLOCKING', 'NON_BLOCKING']),
}));

const TOOL = message('Tool', () => ({
  functionDeclarations: repeated(FUNCTION_DECLARATION),
  googleSearchRetrieval: OPAQUE,
  codeExecution: OPAQUE,
  googleSearch: OPAQUE,
  urlContext: OPAQUE,
  computerUse: OPAQUE,
  fileSearch: OPAQUE,
  googleMaps: OPAQUE,
  mcpServers: OPAQUE,
  retrieval: OPAQUE,
  enterpriseWebSearch: OPAQUE,
  exaAiSearch: OPAQUE,
  parallelAiSearch: OPAQUE,
}));

const TOOL_CONFIG = message('ToolConfig', () => ({
  functionCallingConfig: message('FunctionCallingConfig', () => ({
    mode: enumOf('FunctionCallingConfig.Mode', FUNCTION_CALLING_MODES),
    allowedFunctionNames: repeated(STRING),
  })),
  retrievalConfig: OPAQUE,
  includeServerSideToolInvocations: BOOL,
}));

const HARM_CATEGORIES = [
  'HARM_CATEGORY_UNSPECIFIED',
  'HARM_CATEGORY_DEROGATORY',
  'HARM_CATEGORY_TOXICITY',
  'HARM_CATEGORY_VIOLENCE',
  'HARM_CATEGORY_SEXUAL',
  'HARM_CATEGORY_MEDICAL',
  'HARM_CATEGORY_DANGEROUS',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
  'HARM_CATEGORY_CIVIC_INTEGRITY',
  'HARM_CATEGORY_JAILBREAK',
  'HARM_CATEGORY_IMAGE_HATE',
  'HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT',
  'HARM_CATEGORY_IMAGE_HARASSMENT',
  'HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT',
];

const SAFETY_SETTING = message('SafetySetting', () => ({
  category: enumOf('HarmCategory', HARM_CATEGORIES),
  threshold: enumOf('SafetySetting.HarmBlockThreshold', [
    'HARM_BLOCK_THRESHOLD_UNSPECIFIED',
    'BLOCK_LOW_AND_ABOVE',
    'BLOCK_MEDIUM_AND_ABOVE',
    'BLOCK_ONLY_HIGH',
    'BLOCK_NONE',
    'OFF',
  ]),
}));

const GENERATION_CONFIG = message('GenerationConfig', () => ({
  stopSequences: repeated(STRING),
  responseMimeType: STRING,
  responseSchema: SCHEMA,
  responseJsonSchema: VALUE,
  _responseJsonSchema: VALUE,
  responseModalities: repeated(
    enumOf('GenerationConfig.Modality', ['MODALITY_UNSPECIFIED', 'TEXT', 'IMAGE', 'AUDIO', 'VIDEO']),
  ),
  candidateCount: INT32,
  maxOutputTokens: INT32,
  temperature: FLOAT,
  topP: FLOAT,
  topK: INT32,
  seed: INT32,
  presencePenalty: FLOAT,
  frequencyPenalty: FLOAT,
  responseLogprobs: BOOL,
  logprobs: INT32,
  enableEnhancedCivicAnswers: BOOL,
  enableAffectiveDialog: BOOL,
  speechConfig: OPAQUE,
  // The Developer API's ImageConfig: the SDK refuses its other fields (output MIME type,
  // compression, person generation) outside Vertex AI.
  imageConfig: message('ImageConfig', () => ({ aspectRatio: STRING, imageSize: STRING })),
  audioTranscriptionConfig: OPAQUE,
  mediaResolution: enumOf('GenerationConfig.MediaResolution', [
    'MEDIA_RESOLUTION_UNSPECIFIED',
    'MEDIA_RESOLUTION_LOW',
    'MEDIA_RESOLUTION_MEDIUM',
    'MEDIA_RESOLUTION_HIGH',
  ]),
  thinkingConfig: message('ThinkingConfig', () => ({
    includeThoughts: BOOL,
    thinkingBudget: INT32,
    thinkingLevel: enumOf('ThinkingConfig.ThinkingLevel', THINKING_LEVELS),
  })),
}));

const GENERATE_CONTENT_FIELDS = {
  contents: repeated(CONTENT),
  systemInstruction: CONTENT,
  tools: repeated(TOOL),
  toolConfig: TOOL_CONFIG,
  safetySettings: repeated(SAFETY_SETTING),
  generationConfig: GENERATION_CONFIG,
  cachedContent: STRING,
  serviceTier: STRING,
  labels: map(STRING),
  store: BOOL,
};

/** The body of `:generateContent` / `:streamGenerateContent`; the model comes from the URL only. */
export const GENERATE_CONTENT_REQUEST = message('GenerateContentRequest', () => GENERATE_CONTENT_FIELDS);

/** The body of `:countTokens`: bare `contents`, or a whole request (which names its `model`). */
export const COUNT_TOKENS_REQUEST = message('CountTokensRequest', () => ({
  contents: repeated(CONTENT),
  generateContentRequest: message('GenerateContentRequest', () => ({
    model: STRING,
    ...GENERATE_CONTENT_FIELDS,
  })),
}));
