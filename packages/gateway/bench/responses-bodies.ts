/**
 * Deterministic OpenAI Responses bodies (`POST /v1/responses`), the counterparts of the chat bodies
 * in bodies.ts: a ~1 KB chat and a ~150 KB coding-agent turn shaped like Codex CLI's (long
 * `instructions`, flat function `tools`, a developer message and the environment context, then
 * many prior `function_call` → `function_call_output` pairs with file contents, assistant
 * messages and user interjections). Every output answers a call in the input and every call has
 * its output, as the API requires. `store: false` as Codex sends it, so the simulator keeps no
 * responses during the bench. No `reasoning`: the reply is the same plain text of REPLY_TOKENS
 * tokens as in the other scenarios.
 */

import {
  type BodySize,
  capitalize,
  LARGE_TARGET_BYTES,
  prose,
  REPLY_DIRECTIVE,
  seeded,
  sourceFile,
  TOOL_NAMES,
} from './bodies.ts';

/** Without it the simulator answers a fresh user turn that offers tools with a function call. */
const NO_TOOL_DIRECTIVE = '[[sim:no_tool]]';

type Item = Record<string, unknown>;

export interface ResponsesConversation {
  /** Every top-level field except `model` and `stream`. */
  fields: Record<string, unknown>;
}

export function responsesConversation(size: BodySize): ResponsesConversation {
  return size === 'small' ? smallConversation() : largeConversation();
}

/**
 * The JSON body for one target. `model` comes first, so the gateway's forwarded body (`model`
 * rewritten in place) is byte-for-byte the body sent directly.
 */
export function responsesRequestBody(
  conversation: ResponsesConversation,
  model: string,
  stream: boolean,
): Buffer {
  return Buffer.from(JSON.stringify(responsesRequestJson(conversation, model, stream)));
}

export function responsesRequestJson(
  conversation: ResponsesConversation,
  model: string,
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model, ...conversation.fields };
  if (stream) body['stream'] = true;
  return body;
}

const message = (role: 'user' | 'developer', text: string): Item => ({
  type: 'message',
  role,
  content: [{ type: 'input_text', text }],
});

const assistantMessage = (text: string): Item => ({
  type: 'message',
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [] }],
});

function smallConversation(): ResponsesConversation {
  const random = seeded(5);
  return {
    fields: {
      instructions: `You are a concise assistant. ${prose(random, 30)}`,
      input: [
        message('user', prose(random, 40)),
        assistantMessage(prose(random, 50)),
        message('user', `${prose(random, 20)} ${REPLY_DIRECTIVE}`),
      ],
      temperature: 0.2,
      store: false,
    },
  };
}

function largeConversation(): ResponsesConversation {
  const random = seeded(6);
  const instructionSections: string[] = [];
  for (let section = 0; section < 24; section += 1) {
    instructionSections.push(`## ${capitalize(prose(random, 4))}\n\n${prose(random, 180)}`);
  }
  const input: Item[] = [
    message('developer', `<permissions instructions>\n${prose(random, 120)}\n</permissions instructions>`),
    message(
      'user',
      '<environment_context>\n  <cwd>/home/dev/hypereal</cwd>\n  <approval_policy>on-request</approval_policy>\n  <sandbox_mode>workspace-write</sandbox_mode>\n  <shell>bash</shell>\n</environment_context>',
    ),
    message('user', `Please refactor the billing module. ${prose(random, 80)}`),
  ];
  const fields: Record<string, unknown> = {
    instructions: `You are a coding agent working in a TypeScript monorepo.\n\n${instructionSections.join('\n\n')}`,
    input,
    // Codex's flat function tools (no `function` wrapper), offered on every turn.
    tools: TOOL_NAMES.map((name) => ({
      type: 'function',
      name,
      description: prose(random, 60),
      strict: false,
      parameters: {
        type: 'object',
        properties: {
          path: { type: 'string', description: prose(random, 15) },
          content: { type: 'string', description: prose(random, 15) },
          recursive: { type: 'boolean', description: prose(random, 10) },
        },
        required: ['path'],
        additionalProperties: false,
      },
    })),
    tool_choice: 'auto',
    parallel_tool_calls: false,
    store: false,
    include: [],
    prompt_cache_key: '0199a0f1-6b6e-7c2d-9e4f-bench00000001',
  };
  const size = () => Buffer.byteLength(JSON.stringify(fields));
  for (let turn = 0; size() < LARGE_TARGET_BYTES - 2_000; turn += 1) {
    const callId = `call_${String(turn).padStart(24, '0')}`;
    const path = `packages/gateway/src/module-${turn}.ts`;
    if (turn % 3 === 0) input.push(assistantMessage(prose(random, 40)));
    const args =
      turn % 5 === 4 ? { path: 'packages/gateway/src', content: 'billing', recursive: true } : { path };
    input.push(
      {
        type: 'function_call',
        name: turn % 5 === 4 ? 'grep' : 'read_file',
        arguments: JSON.stringify(args),
        call_id: callId,
      },
      { type: 'function_call_output', call_id: callId, output: sourceFile(random, 90) },
    );
    if (turn % 4 === 3) input.push(message('user', prose(random, 40)));
  }
  // A fresh user turn that asks for a plain-text summary of fixed length, though tools are offered.
  input.push(message('user', `Now summarise what you changed. ${NO_TOOL_DIRECTIVE} ${REPLY_DIRECTIVE}`));
  return { fields };
}
