/**
 * Deterministic chat request bodies: a ~1 KB chat and a ~150 KB coding-agent turn (long system
 * prompt, tool definitions, many prior turns with file contents). The last user message carries
 * the simulator's reply-length directive so direct and gateway calls produce identical replies.
 * The Anthropic Messages counterparts are in messages-bodies.ts.
 */

export type BodySize = 'small' | 'large';

export const REPLY_TOKENS = 64;
export const LARGE_TARGET_BYTES = 150 * 1024;

type Message = Record<string, unknown>;

export interface Conversation {
  messages: Message[];
  /** Extra top-level fields (tools, tool_choice, …). */
  extra: Record<string, unknown>;
}

export function conversation(size: BodySize): Conversation {
  return size === 'small' ? smallConversation() : largeConversation();
}

/** The JSON body for one target: only `model` and the streaming fields differ between targets. */
export function requestBody(chat: Conversation, model: string, stream: boolean): Buffer {
  const body: Record<string, unknown> = { model, messages: chat.messages, ...chat.extra };
  if (stream) {
    body['stream'] = true;
    // The gateway always asks upstream for the usage chunk; ask for it directly too, for equal work.
    body['stream_options'] = { include_usage: true };
  }
  return Buffer.from(JSON.stringify(body));
}

export const REPLY_DIRECTIVE = `[[sim:reply_tokens=${REPLY_TOKENS}]]`;

function smallConversation(): Conversation {
  const random = seeded(1);
  return {
    messages: [
      { role: 'system', content: `You are a concise assistant. ${prose(random, 30)}` },
      { role: 'user', content: prose(random, 40) },
      { role: 'assistant', content: prose(random, 50) },
      { role: 'user', content: `${prose(random, 20)} ${REPLY_DIRECTIVE}` },
    ],
    extra: { temperature: 0.2 },
  };
}

export const TOOL_NAMES = [
  'read_file',
  'write_file',
  'edit_file',
  'list_dir',
  'grep',
  'run_command',
  'web_fetch',
];

function largeConversation(): Conversation {
  const random = seeded(2);
  const systemSections: string[] = [];
  for (let section = 0; section < 24; section += 1) {
    systemSections.push(`## ${capitalize(prose(random, 4))}\n\n${prose(random, 180)}`);
  }
  const messages: Message[] = [
    {
      role: 'system',
      content: `You are a coding agent working in a TypeScript monorepo.\n\n${systemSections.join('\n\n')}`,
    },
    { role: 'user', content: `Please refactor the billing module. ${prose(random, 80)}` },
  ];
  const extra = {
    temperature: 0.2,
    // Tools are offered, as agents do, but declined so the reply is plain text of a fixed length.
    tool_choice: 'none',
    tools: TOOL_NAMES.map((name) => ({
      type: 'function',
      function: {
        name,
        description: prose(random, 60),
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
      },
    })),
  };
  const size = () => Buffer.byteLength(JSON.stringify({ messages, ...extra }));
  for (let turn = 0; size() < LARGE_TARGET_BYTES - 2_000; turn += 1) {
    const callId = `call_${String(turn).padStart(24, '0')}`;
    const path = `packages/gateway/src/module-${turn}.ts`;
    messages.push(
      {
        role: 'assistant',
        content: turn % 3 === 0 ? prose(random, 40) : null,
        tool_calls: [
          {
            id: callId,
            type: 'function',
            function: { name: 'read_file', arguments: JSON.stringify({ path }) },
          },
        ],
      },
      { role: 'tool', tool_call_id: callId, content: sourceFile(random, 90) },
    );
    if (turn % 4 === 3) messages.push({ role: 'user', content: prose(random, 40) });
  }
  messages.push({ role: 'user', content: `Now summarise what you changed. ${REPLY_DIRECTIVE}` });
  return { messages, extra };
}

const words =
  'the gateway request upstream provider model token stream billing ledger hold settle balance key user route retry timeout header body chunk usage cache prompt reply latency error status config catalog price credit limit plan window buffer socket parse encode decode validate schema field value result handler module function return await async import export interface type const'.split(
    ' ',
  );

export function prose(random: () => number, count: number): string {
  const out: string[] = [];
  for (let index = 0; index < count; index += 1) out.push(pick(random, words));
  return `${capitalize(out.join(' '))}.`;
}

export function sourceFile(random: () => number, lines: number): string {
  const out: string[] = [];
  for (let line = 0; line < lines; line += 1) {
    const a = pick(random, words);
    const b = pick(random, words);
    switch (line % 5) {
      case 0:
        out.push(`export function ${a}${capitalize(b)}(input: ${capitalize(b)}): number {`);
        break;
      case 1:
        out.push(`  const ${a} = input.${b} ?? ${Math.floor(random() * 1000)};`);
        break;
      case 2:
        out.push(`  // ${prose(random, 8)}`);
        break;
      case 3:
        out.push(`  return ${a} * ${Math.floor(random() * 100)};`);
        break;
      default:
        out.push('}');
    }
  }
  return out.join('\n');
}

function pick(random: () => number, list: readonly string[]): string {
  return list[Math.floor(random() * list.length)] ?? '';
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** mulberry32: small, fast, deterministic. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
