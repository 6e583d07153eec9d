/**
 * Deterministic Anthropic Messages bodies (`POST /v1/messages`), the counterparts of the chat
 * bodies in bodies.ts: a ~1 KB chat and a ~150 KB coding-agent turn shaped like Claude Code's (a
 * long `system`, client `tools`, many prior turns of `tool_use` → `tool_result` with file contents).
 * No `cache_control` anywhere: the gateway's Hypereal Cache is turned off for these scenarios
 * (see `messagesRequestBody`), so the simulator does the same work on both paths.
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

/** Without it the simulator answers a fresh user turn that offers tools with a tool call. */
const NO_TOOL_DIRECTIVE = '[[sim:no_tool]]';
const MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
type Message = { role: 'user' | 'assistant'; content: string | Block[] };

export interface MessagesConversation {
  /** Every top-level field except `model`, `stream` and the gateway's `hypereal`. */
  fields: Record<string, unknown>;
}

export function messagesConversation(size: BodySize): MessagesConversation {
  return size === 'small' ? smallConversation() : largeConversation();
}

/**
 * The JSON body for one target. `model` comes first and `stream` after the conversation, so the
 * gateway's forwarded body (its own `hypereal` field removed, `model` rewritten in place) is
 * byte-for-byte the body sent directly.
 */
export function messagesRequestBody(
  conversation: MessagesConversation,
  model: string,
  stream: boolean,
  extra: Record<string, unknown> = {},
): Buffer {
  const body: Record<string, unknown> = { model, ...conversation.fields };
  if (stream) body['stream'] = true;
  return Buffer.from(JSON.stringify({ ...body, ...extra }));
}

function smallConversation(): MessagesConversation {
  const random = seeded(3);
  const messages: Message[] = [
    { role: 'user', content: prose(random, 40) },
    { role: 'assistant', content: prose(random, 50) },
    { role: 'user', content: `${prose(random, 20)} ${REPLY_DIRECTIVE}` },
  ];
  return {
    fields: {
      max_tokens: MAX_TOKENS,
      system: `You are a concise assistant. ${prose(random, 30)}`,
      messages,
      temperature: 0.2,
    },
  };
}

function largeConversation(): MessagesConversation {
  const random = seeded(4);
  const systemSections: string[] = [];
  for (let section = 0; section < 24; section += 1) {
    systemSections.push(`## ${capitalize(prose(random, 4))}\n\n${prose(random, 180)}`);
  }
  const messages: Message[] = [
    { role: 'user', content: `Please refactor the billing module. ${prose(random, 80)}` },
  ];
  const fields: Record<string, unknown> = {
    max_tokens: MAX_TOKENS,
    // Claude Code sends its system prompt as text blocks.
    system: [
      { type: 'text', text: 'You are a coding agent working in a TypeScript monorepo.' },
      { type: 'text', text: systemSections.join('\n\n') },
    ],
    tools: TOOL_NAMES.map((name) => ({
      name,
      description: prose(random, 60),
      input_schema: {
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
    messages,
    metadata: { user_id: 'user_bench_session_0001' },
  };
  const size = () => Buffer.byteLength(JSON.stringify(fields));
  for (let turn = 0; size() < LARGE_TARGET_BYTES - 2_000; turn += 1) {
    const id = `toolu_01${String(turn).padStart(22, '0')}`;
    const path = `packages/gateway/src/module-${turn}.ts`;
    const call: Block =
      turn % 5 === 4
        ? { type: 'tool_use', id, name: 'grep', input: { path: 'packages/gateway/src', content: 'billing' } }
        : { type: 'tool_use', id, name: 'read_file', input: { path } };
    const assistant: Block[] = turn % 3 === 0 ? [{ type: 'text', text: prose(random, 40) }, call] : [call];
    const user: Block[] = [{ type: 'tool_result', tool_use_id: id, content: sourceFile(random, 90) }];
    // Now and then the user interjects, in the same turn as the tool result (text after results).
    if (turn % 4 === 3) user.push({ type: 'text', text: prose(random, 40) });
    messages.push({ role: 'assistant', content: assistant }, { role: 'user', content: user });
  }
  // The request answers the last tool call and asks for a plain-text summary of fixed length.
  const last = messages.at(-1)?.content as Block[];
  last.push({
    type: 'text',
    text: `Now summarise what you changed. ${NO_TOOL_DIRECTIVE} ${REPLY_DIRECTIVE}`,
  });
  return { fields };
}
