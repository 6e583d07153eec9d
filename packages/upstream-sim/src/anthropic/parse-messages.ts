import { fail } from './errors.ts';
import { type BlockContext, parseBlock } from './parse-blocks.ts';
import type { InputMessage, InputRole } from './types.ts';
import {
  at,
  expectArray,
  expectLiteral,
  expectObject,
  rejectExtraFields,
  requireField,
} from './wire-checks.ts';

/** Mid-conversation `role: "system"` messages exist only behind this beta flag. */
export const MID_CONVERSATION_SYSTEM_BETA = 'mid-conversation-system-2026-04-07';

const MESSAGE_FIELDS = new Set(['role', 'content']);

/**
 * Parses `messages[]` and enforces the conversation rules: at least one message, content present
 * except in a final (prefill) assistant message, and every `tool_result` answering a `tool_use`
 * of the turn before (consecutive same-role messages form one turn, as the API merges them).
 * @see https://docs.claude.com/en/api/messages#body-messages
 */
export function parseMessages(
  value: unknown,
  betas: readonly string[],
  context: BlockContext,
): InputMessage[] {
  const list = expectArray(value, 'messages');
  if (list.length === 0) fail('messages: at least one message is required');
  const roles: readonly InputRole[] = betas.includes(MID_CONVERSATION_SYSTEM_BETA)
    ? ['user', 'assistant', 'system']
    : ['user', 'assistant'];
  const messages = list.map((entry, index) => {
    const path = at('messages', index);
    const message = expectObject(entry, path);
    const role = expectLiteral(requireField(message, 'role', path), roles, at(path, 'role'));
    rejectExtraFields(message, MESSAGE_FIELDS, path);
    const content = requireField(message, 'content', path);
    const contentPath = at(path, 'content');
    const isFinalAssistant = role === 'assistant' && index === list.length - 1;
    if (typeof content === 'string') {
      if (content === '' && !isFinalAssistant) fail(emptyMessage(index));
      const blocks =
        content === '' ? [] : [parseBlock({ type: 'text', text: content }, role, contentPath, context)];
      return { role, blocks };
    }
    const blocks = expectArray(content, contentPath).map((block, blockIndex) =>
      parseBlock(block, role, at(contentPath, blockIndex), context),
    );
    if (blocks.length === 0 && !isFinalAssistant) fail(emptyMessage(index));
    return { role, blocks };
  });
  checkFinalAssistant(messages);
  checkToolPairing(messages);
  return messages;
}

function emptyMessage(index: number): string {
  return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
}

/** A prefill is continued verbatim, so it may not end in whitespace. */
function checkFinalAssistant(messages: InputMessage[]): void {
  const last = messages.at(-1);
  const lastBlock = last?.role === 'assistant' ? last.blocks.at(-1) : undefined;
  if (lastBlock?.kind === 'text' && /\s$/.test(lastBlock.text)) {
    fail('messages: final assistant content cannot end with trailing whitespace');
  }
}

interface Turn {
  role: 'user' | 'assistant';
  /** Index of the turn's last message, where the API reports unanswered tool uses. */
  lastIndex: number;
  toolUses: string[];
  toolResults: Array<{ id: string; path: string }>;
}

/** Consecutive same-role messages merged into turns; mid-conversation system messages stand apart. */
function turnsOf(messages: InputMessage[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'system') return;
    let turn = turns.at(-1);
    if (turn?.role !== message.role) {
      turn = { role: message.role, lastIndex: index, toolUses: [], toolResults: [] };
      turns.push(turn);
    }
    turn.lastIndex = index;
    message.blocks.forEach((block, blockIndex) => {
      if (block.kind === 'tool_use') turn.toolUses.push(block.id);
      if (block.kind === 'tool_result') {
        turn.toolResults.push({ id: block.toolUseId, path: `messages.${index}.content.${blockIndex}` });
      }
    });
  });
  return turns;
}

// Wording follows the real API's responses.
function checkToolPairing(messages: InputMessage[]): void {
  const turns = turnsOf(messages);
  turns.forEach((turn, index) => {
    const previous = turns[index - 1];
    for (const result of turn.toolResults) {
      if (previous?.toolUses.includes(result.id)) continue;
      fail(
        `${result.path}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${result.id}. ` +
          'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
      );
    }
    const next = turns[index + 1];
    if (!next || turn.toolUses.length === 0) return;
    const answered = new Set(next.toolResults.map((result) => result.id));
    const missing = turn.toolUses.filter((id) => !answered.has(id));
    if (missing.length > 0) {
      fail(
        `messages.${turn.lastIndex}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
          `${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
  });
}

/**
 * Index of the last user message with something besides tool results: thinking blocks before it
 * belong to finished turns (the API drops them from the prompt), those after it to the turn in
 * progress.
 */
export function currentTurnStart(messages: readonly InputMessage[]): number {
  return messages.findLastIndex(
    (message) => message.role === 'user' && message.blocks.some((block) => block.kind !== 'tool_result'),
  );
}

/**
 * With thinking on, a turn that continues after tool results must start with the thinking block
 * the model produced for it; gateways that drop or reorder thinking blocks fail here, as upstream.
 * @see https://docs.claude.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks
 */
export function checkThinkingContinuation(messages: readonly InputMessage[]): void {
  const last = messages.at(-1);
  if (last?.role !== 'user' || !last.blocks.some((block) => block.kind === 'tool_result')) return;
  const start = currentTurnStart(messages);
  const assistantIndex = messages.findIndex(
    (message, index) => index > start && message.role === 'assistant',
  );
  const first = messages[assistantIndex]?.blocks[0];
  if (!first || first.kind === 'thinking' || first.kind === 'redacted_thinking') return;
  const found = first.kind === 'other' ? first.type : first.kind;
  fail(
    `messages.${assistantIndex}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${found}\`. ` +
      'When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost ' +
      'set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. ' +
      'To avoid this requirement, disable `thinking`. Please consult our documentation at ' +
      'https://docs.claude.com/en/docs/build-with-claude/extended-thinking',
  );
}
