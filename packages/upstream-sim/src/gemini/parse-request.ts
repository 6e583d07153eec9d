import { isRecord } from '../json.ts';
import { type FieldErrors, GeminiRequestError } from './errors.ts';
import { parseImageOutput } from './image-output.ts';
import { modelTraits } from './models.ts';
import { parseContents, parseSystemInstruction } from './parse-contents.ts';
import { enumField, field, joinPath, listField, numberField } from './proto-json.ts';
import { FUNCTION_CALLING_MODES } from './request-shapes.ts';
import { checkSchema, toSamplingSchema } from './schema.ts';
import { planThinking } from './thinking.ts';
import type {
  CallingMode,
  FunctionCalling,
  FunctionDeclaration,
  GenerateRequest,
  OutputFormat,
} from './types.ts';

const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const MIME_TYPES = ['text/plain', 'application/json', 'application/xml', 'application/yaml', 'text/x.enum'];
const MAX_STOP_SEQUENCES = 5;
const MAX_CANDIDATES = 8;

/**
 * Reads a `GenerateContentRequest` that passed the proto shape check, and runs the API's
 * semantic checks: all field problems are collected into one message (`* GenerateContentRequest.
 * generation_config.…: …`), then the content and function-turn rules, then thinking settings.
 * `base` is where the request sits in the body (`generate_content_request` for countTokens).
 * An explicit `cachedContent` is answered like a cache that does not exist (the simulator does
 * not host the caching API): 403 "CachedContent not found (or permission denied)".
 * @see https://ai.google.dev/api/generate-content#request-body
 */
export function parseGenerateRequest(
  body: Record<string, unknown>,
  model: string,
  errors: FieldErrors,
  base = '',
): GenerateRequest {
  const at = (name: string): string => joinPath(base, name);
  const system = parseSystemInstruction(field(body, 'systemInstruction'), at('system_instruction'), errors);
  const { functions, builtinTools } = parseTools(listField(body, 'tools'), at('tools'), errors);
  const calling = parseCalling(field(body, 'toolConfig'), functions, at('tool_config'), errors);
  const config = field(body, 'generationConfig');
  const generation = parseGenerationConfig(isRecord(config) ? config : {}, at('generation_config'), errors);
  const image = parseImageOutput(isRecord(config) ? config : {}, model, at('generation_config'), errors);
  const contents = parseContents(listField(body, 'contents'), at('contents'), errors);
  const thinking = planThinking(
    isRecord(config) ? field(config, 'thinkingConfig') : undefined,
    modelTraits(model),
  );
  if (typeof field(body, 'cachedContent') === 'string') {
    throw new GeminiRequestError(403, 'CachedContent not found (or permission denied)');
  }
  return { model, contents, system, functions, builtinTools, calling, thinking, image, ...generation };
}

function parseTools(
  tools: unknown[],
  path: string,
  errors: FieldErrors,
): { functions: FunctionDeclaration[]; builtinTools: Record<string, unknown>[] } {
  const functions: FunctionDeclaration[] = [];
  const builtinTools: Record<string, unknown>[] = [];
  tools.forEach((entry, index) => {
    const tool = isRecord(entry) ? entry : {};
    for (const [key, value] of Object.entries(tool)) {
      if (key !== 'functionDeclarations' && key !== 'function_declarations' && value != null) {
        builtinTools.push({ [key]: value });
      }
    }
    listField(tool, 'functionDeclarations').forEach((declaration, position) => {
      const declarationPath = `${path}[${index}].function_declarations[${position}]`;
      functions.push(parseFunction(isRecord(declaration) ? declaration : {}, declarationPath, errors));
    });
  });
  return { functions, builtinTools };
}

/**
 * A declaration needs a valid name; `parameters` (OpenAPI subset) and `parametersJsonSchema`
 * (plain JSON Schema) are mutually exclusive.
 */
function parseFunction(
  declaration: Record<string, unknown>,
  path: string,
  errors: FieldErrors,
): FunctionDeclaration {
  const nameValue = field(declaration, 'name');
  const name = typeof nameValue === 'string' ? nameValue : '';
  if (!FUNCTION_NAME.test(name)) {
    errors.add(
      joinPath(path, 'name'),
      'Invalid function name. Must start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain ' +
        'underscores, dots, colons and dashes, with a maximum length of 64.',
    );
  }
  const parameters = field(declaration, 'parameters');
  const jsonSchema = field(declaration, 'parametersJsonSchema');
  if (parameters !== undefined && jsonSchema !== undefined) {
    errors.add(path, 'parameters and parameters_json_schema are mutually exclusive; set only one of them.');
  }
  if (parameters !== undefined) checkSchema(parameters, joinPath(path, 'parameters'), errors);
  const description = field(declaration, 'description');
  return {
    name,
    schema: toSamplingSchema(jsonSchema ?? parameters ?? { type: 'object' }, false),
    promptText: JSON.stringify({ name, description, parameters: jsonSchema ?? parameters }),
  };
}

/**
 * `toolConfig.functionCallingConfig`: AUTO unless set; ANY and VALIDATED need declarations, and
 * their `allowedFunctionNames` must name declared functions.
 */
function parseCalling(
  value: unknown,
  functions: readonly FunctionDeclaration[],
  path: string,
  errors: FieldErrors,
): FunctionCalling {
  const toolConfig = isRecord(value) ? value : {};
  const configValue = field(toolConfig, 'functionCallingConfig');
  const config = isRecord(configValue) ? configValue : {};
  const named = enumField(config, 'mode', FUNCTION_CALLING_MODES);
  const mode: CallingMode = named === 'ANY' || named === 'NONE' || named === 'VALIDATED' ? named : 'AUTO';
  const allowedValue = field(config, 'allowedFunctionNames');
  const allowed =
    allowedValue === undefined ? undefined : listField(config, 'allowedFunctionNames').map(String);
  const configPath = joinPath(path, 'function_calling_config');
  if (mode === 'ANY' || mode === 'VALIDATED') {
    if (functions.length === 0) {
      errors.add(
        joinPath(configPath, 'mode'),
        `function calling mode ${mode} requires function_declarations.`,
      );
    }
    allowed?.forEach((name, index) => {
      if (!functions.some((declared) => declared.name === name)) {
        errors.add(
          `${joinPath(configPath, 'allowed_function_names')}[${index}]`,
          `function '${name}' is not declared in function_declarations.`,
        );
      }
    });
  }
  return { mode, allowed };
}

interface GenerationSettings {
  maxOutputTokens: number | undefined;
  stopSequences: string[];
  candidateCount: number;
  output: OutputFormat;
}

function parseGenerationConfig(
  config: Record<string, unknown>,
  path: string,
  errors: FieldErrors,
): GenerationSettings {
  const at = (name: string): string => joinPath(path, name);
  const maxOutputTokens = numberField(config, 'maxOutputTokens');
  if (maxOutputTokens !== undefined && maxOutputTokens < 0) {
    errors.add(at('max_output_tokens'), 'max_output_tokens must be positive.');
  }
  checkRange(numberField(config, 'temperature'), 0, 2, at('temperature'), 'temperature', errors);
  checkRange(numberField(config, 'topP'), 0, 1, at('top_p'), 'top_p', errors);
  const candidates = numberField(config, 'candidateCount') ?? 0;
  if (candidates < 0 || candidates > MAX_CANDIDATES) {
    errors.add(at('candidate_count'), `candidate_count must be in the range [1, ${MAX_CANDIDATES}].`);
  }
  const stopSequences = listField(config, 'stopSequences').map(String);
  if (stopSequences.length > MAX_STOP_SEQUENCES) {
    errors.add(at('stop_sequences'), `the number of stop_sequences must not exceed ${MAX_STOP_SEQUENCES}.`);
  }
  return {
    maxOutputTokens: maxOutputTokens === undefined || maxOutputTokens <= 0 ? undefined : maxOutputTokens,
    stopSequences: stopSequences.filter((sequence) => sequence !== ''),
    candidateCount: Math.max(1, Math.min(candidates, MAX_CANDIDATES)),
    output: parseOutput(config, path, errors),
  };
}

function checkRange(
  value: number | undefined,
  min: number,
  max: number,
  path: string,
  name: string,
  errors: FieldErrors,
): void {
  if (value !== undefined && (value < min || value > max)) {
    errors.add(path, `${name} must be in the range [${min.toFixed(1)}, ${max.toFixed(1)}].`);
  }
}

/**
 * `responseMimeType` + `responseSchema` / `responseJsonSchema` (mutually exclusive): JSON output
 * sampled from the schema, or `text/x.enum` answering one of the schema's enum values.
 * @see https://ai.google.dev/gemini-api/docs/structured-output
 */
function parseOutput(config: Record<string, unknown>, path: string, errors: FieldErrors): OutputFormat {
  const at = (name: string): string => joinPath(path, name);
  const mimeValue = field(config, 'responseMimeType');
  const mimeType = typeof mimeValue === 'string' && mimeValue !== '' ? mimeValue : 'text/plain';
  if (!MIME_TYPES.includes(mimeType)) {
    errors.add(
      at('response_mime_type'),
      'allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.',
    );
  }
  const schema = field(config, 'responseSchema');
  const jsonSchema = field(config, 'responseJsonSchema') ?? field(config, '_responseJsonSchema');
  if (schema !== undefined && jsonSchema !== undefined) {
    errors.add(at('response_schema'), 'response_schema and response_json_schema are mutually exclusive.');
  }
  if (schema !== undefined) checkSchema(schema, at('response_schema'), errors);
  const given = jsonSchema ?? schema;
  if (given !== undefined && mimeType !== 'application/json' && mimeType !== 'text/x.enum') {
    errors.add(
      at('response_mime_type'),
      `response_mime_type must be one of ['application/json', 'text/x.enum'] when a response schema is set.`,
    );
  }
  if (mimeType === 'application/json') {
    return { kind: 'json', schema: given === undefined ? undefined : toSamplingSchema(given, true) };
  }
  if (mimeType === 'text/x.enum') {
    const values = isRecord(given) ? listField(given, 'enum').map(String) : [];
    if (values.length === 0) {
      errors.add(at('response_schema'), 'text/x.enum requires a response schema with enum values.');
    }
    return { kind: 'enum', values };
  }
  return { kind: 'text' };
}
