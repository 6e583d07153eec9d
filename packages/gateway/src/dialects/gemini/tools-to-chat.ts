import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { obj } from '../json-fields.ts';
import { toJsonSchema } from './openapi-schema.ts';
import type { ToolNames } from './tool-names.ts';

const modeParam = 'toolConfig.functionCallingConfig.mode';
const namesParam = 'toolConfig.functionCallingConfig.allowedFunctionNames';

const refuse = (param: string, message: string): GatewayError =>
  new GatewayError('invalid_request', { param, message });

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

const nameOf = (tool: Json): string => String(obj(tool['function'])['name']);

/**
 * `functionCallingConfig.mode` → `tool_choice`
 * (https://ai.google.dev/api/caching#Mode, https://platform.openai.com/docs/api-reference/chat/create#chat-create-tool_choice).
 * VALIDATED (calls or text, schema-checked) has no chat equivalent: `auto` is closest.
 */
const modes: Record<string, (allowed: string[]) => unknown> = {
  MODE_UNSPECIFIED: () => undefined,
  AUTO: () => 'auto',
  VALIDATED: () => 'auto',
  NONE: () => 'none',
  ANY: (allowed) =>
    allowed.length === 1 ? { type: 'function', function: { name: allowed[0] } } : 'required',
};

/**
 * Gemini `tools[].functionDeclarations` and `toolConfig` → chat `tools` and
 * `tool_choice`. Only function declarations are offered: Google's built-in tools
 * (googleSearch, codeExecution, urlContext, fileSearch, googleMaps, computerUse, …)
 * run inside Gemini and have no chat form. `allowedFunctionNames` narrows the tools
 * offered (chat's `allowed_tools` choice is OpenAI-only); with ANY and one name it
 * becomes a named `tool_choice`. Declarations' `response` schemas and `behavior` are
 * dropped: chat has no slot for them.
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools
 */
export function applyTools(chat: Json, body: Json, names: ToolNames): void {
  let tools: Json[] = [];
  list(body['tools']).forEach((tool, toolIndex) => {
    list(tool['functionDeclarations']).forEach((declaration, index) => {
      tools.push(chatTool(declaration, names, `tools.${toolIndex}.functionDeclarations.${index}`));
    });
  });
  const config = obj(obj(body['toolConfig'])['functionCallingConfig']);
  const allowed = list(config['allowedFunctionNames']).map((name) => names.toChat(String(name)));
  if (allowed.length > 0) {
    const offered = new Set(tools.map(nameOf));
    const unknown = allowed.find((name) => !offered.has(name));
    if (unknown !== undefined) {
      throw refuse(namesParam, `allowedFunctionNames names "${unknown}", which is not a declared function.`);
    }
    tools = tools.filter((tool) => allowed.includes(nameOf(tool)));
  }
  const mode = config['mode'] ?? 'MODE_UNSPECIFIED';
  const choice = modes[String(mode)];
  if (!choice) throw refuse(modeParam, `Unknown function calling mode "${String(mode)}".`);
  if (tools.length === 0) {
    if (mode === 'ANY') throw refuse(modeParam, 'Function calling mode ANY requires a function declaration.');
    return;
  }
  chat['tools'] = tools;
  const toolChoice = choice(allowed);
  if (toolChoice !== undefined) chat['tool_choice'] = toolChoice;
}

/** `parametersJsonSchema` is JSON Schema already; `parameters` is Gemini's OpenAPI subset. */
function chatTool(declaration: Json, names: ToolNames, param: string): Json {
  const name = declaration['name'];
  if (typeof name !== 'string' || name.length === 0) {
    throw refuse(`${param}.name`, 'A function declaration needs a name.');
  }
  const parameters =
    declaration['parametersJsonSchema'] ??
    (declaration['parameters'] ? toJsonSchema(declaration['parameters']) : undefined);
  const fn: Json = { name: names.toChat(name), parameters: parameters ?? { type: 'object', properties: {} } };
  if (typeof declaration['description'] === 'string') fn['description'] = declaration['description'];
  return { type: 'function', function: fn };
}
