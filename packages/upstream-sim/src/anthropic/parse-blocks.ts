import { isRecord } from '../json.ts';
import { fail } from './errors.ts';
import type { CacheTtl, InputBlock, InputRole, MediaInput, PromptBlock } from './types.ts';
import {
  at,
  expectArray,
  expectLiteral,
  expectObject,
  expectString,
  optionalBoolean,
  rejectExtraFields,
  requireField,
} from './wire-checks.ts';

/**
 * Images cost about width×height/750 tokens; the simulator never decodes them, so it assumes the
 * largest size that is not downscaled, 1092×1092 px ≈ 1590 tokens.
 * @see https://docs.claude.com/en/docs/build-with-claude/vision#calculate-image-costs
 */
export const IMAGE_TOKENS = 1590;
/** A PDF costs its text plus an image per page; the simulator assumes one page. */
export const PDF_TOKENS = 1500 + IMAGE_TOKENS;

/** What block parsing needs from the request around it. */
export interface BlockContext {
  /** Counts `cache_control` markers across the request (at most 4 are allowed). */
  breakpoints: { count: number };
  verifySignature(thinking: string, signature: string): boolean;
}

const FIELDS: Record<string, ReadonlySet<string>> = {
  text: new Set(['type', 'text', 'cache_control', 'citations']),
  image: new Set(['type', 'source', 'cache_control', 'transformations']),
  document: new Set(['type', 'source', 'cache_control', 'citations', 'context', 'title']),
  search_result: new Set(['type', 'content', 'source', 'title', 'cache_control', 'citations']),
  tool_use: new Set(['type', 'id', 'input', 'name', 'cache_control', 'caller', 'toolset_name']),
  tool_result: new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control', 'toolset_name']),
  thinking: new Set(['type', 'thinking', 'signature']),
  redacted_thinking: new Set(['type', 'data']),
};

/** Server-tool and beta blocks: accepted and counted as prompt, never interpreted. */
const OPAQUE_TYPES = [
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'container_upload',
  'advisor_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'compaction',
  'tool_addition',
  'tool_removal',
  'mcp_tool_listing',
  'fallback',
];

const BLOCK_TYPES = [...Object.keys(FIELDS), ...OPAQUE_TYPES];
const TOOL_RESULT_CONTENT_TYPES = ['text', 'image', 'search_result', 'document', 'tool_reference'];
const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;

/** Reads a `cache_control` marker and counts it as a breakpoint. */
export function parseCacheControl(value: unknown, path: string, context: BlockContext): CacheTtl | undefined {
  if (value === undefined || value === null) return undefined;
  const cacheControl = expectObject(value, path);
  expectLiteral(requireField(cacheControl, 'type', path), ['ephemeral'], at(path, 'type'));
  const ttl = cacheControl['ttl'];
  context.breakpoints.count += 1;
  return ttl === undefined || ttl === null
    ? '5m'
    : expectLiteral<CacheTtl>(ttl, ['5m', '1h'], at(path, 'ttl'));
}

/** A text block's text, with the API's rules: present and not blank. */
export function parseTextBlock(
  block: Record<string, unknown>,
  path: string,
  context: BlockContext,
): PromptBlock & { kind: 'text'; text: string } {
  const fieldPath = at(path, 'text');
  rejectExtraFields(block, FIELDS['text'] ?? new Set(), fieldPath);
  const text = expectString(requireField(block, 'text', fieldPath), at(fieldPath, 'text'));
  const root = path.split('.')[0] ?? 'messages';
  if (text === '') fail(`${root}: text content blocks must be non-empty`);
  if (text.trim() === '') fail(`${root}: text content blocks must contain non-whitespace text`);
  return {
    kind: 'text',
    text,
    promptText: text,
    media: [],
    cache: parseCacheControl(block['cache_control'], at(fieldPath, 'cache_control'), context),
  };
}

/**
 * One content block of a message, checked like the API checks it (required and unexpected
 * fields, tags, media types, thinking signatures).
 * @see https://docs.claude.com/en/api/messages#body-messages-content
 */
export function parseBlock(value: unknown, role: InputRole, path: string, context: BlockContext): InputBlock {
  const block = expectObject(value, path);
  const type = expectString(requireField(block, 'type', path), at(path, 'type'));
  if (!BLOCK_TYPES.includes(type)) fail(unknownTag(path, type, BLOCK_TYPES));
  if (role === 'system' && type !== 'text') {
    fail(`${path}: Input tag '${type}' found using 'type' does not match any of the expected tags: 'text'`);
  }
  if (type === 'tool_result' && role !== 'user') {
    fail(`${path}: \`tool_result\` blocks can only be in \`user\` messages`);
  }
  if ((type === 'tool_use' || type === 'thinking' || type === 'redacted_thinking') && role !== 'assistant') {
    fail(`${path}: \`${type}\` blocks can only be in \`assistant\` messages`);
  }
  const fieldPath = at(path, type);
  const allowed = FIELDS[type];
  if (allowed) rejectExtraFields(block, allowed, fieldPath);
  const cache = (): CacheTtl | undefined =>
    parseCacheControl(block['cache_control'], at(fieldPath, 'cache_control'), context);
  switch (type) {
    case 'text':
      return parseTextBlock(block, path, context);
    case 'image':
      return { kind: 'other', type, promptText: '', media: [parseImage(block, fieldPath)], cache: cache() };
    case 'document':
      return { kind: 'other', type, ...parseDocument(block, fieldPath, context), cache: cache() };
    case 'search_result':
      return {
        kind: 'other',
        type,
        promptText: searchResultText(block, fieldPath),
        media: [],
        cache: cache(),
      };
    case 'tool_use': {
      const id = expectString(requireField(block, 'id', fieldPath), at(fieldPath, 'id'));
      const name = expectString(requireField(block, 'name', fieldPath), at(fieldPath, 'name'));
      const input = expectObject(requireField(block, 'input', fieldPath), at(fieldPath, 'input'));
      return {
        kind: 'tool_use',
        id,
        name,
        promptText: `${name} ${JSON.stringify(input)}`,
        media: [],
        cache: cache(),
      };
    }
    case 'tool_result':
      return parseToolResult(block, fieldPath, context, cache());
    case 'thinking': {
      const thinking = expectString(requireField(block, 'thinking', fieldPath), at(fieldPath, 'thinking'));
      const signature = expectString(requireField(block, 'signature', fieldPath), at(fieldPath, 'signature'));
      if (!context.verifySignature(thinking, signature))
        fail(`${path}: Invalid \`signature\` in \`thinking\` block`);
      return { kind: 'thinking', thinking, signature, promptText: thinking, media: [], cache: undefined };
    }
    case 'redacted_thinking': {
      const data = expectString(requireField(block, 'data', fieldPath), at(fieldPath, 'data'));
      return { kind: 'redacted_thinking', promptText: data, media: [], cache: undefined };
    }
    default:
      return { kind: 'other', type, promptText: JSON.stringify(block), media: [], cache: cache() };
  }
}

function unknownTag(path: string, type: string, expected: readonly string[]): string {
  return `${path}: Input tag '${type}' found using 'type' does not match any of the expected tags: ${expected
    .map((tag) => `'${tag}'`)
    .join(', ')}`;
}

function parseImage(block: Record<string, unknown>, path: string): MediaInput {
  const sourcePath = at(path, 'source');
  const source = expectObject(requireField(block, 'source', path), sourcePath);
  const kind = expectLiteral(
    requireField(source, 'type', sourcePath),
    ['base64', 'url', 'file'],
    at(sourcePath, 'type'),
  );
  const kindPath = at(sourcePath, kind);
  if (kind === 'base64') {
    expectLiteral(
      requireField(source, 'media_type', kindPath),
      IMAGE_MEDIA_TYPES,
      at(kindPath, 'media_type'),
    );
    const data = expectString(requireField(source, 'data', kindPath), at(kindPath, 'data'));
    return { tokens: IMAGE_TOKENS, identity: data };
  }
  const key = kind === 'url' ? 'url' : 'file_id';
  return {
    tokens: IMAGE_TOKENS,
    identity: expectString(requireField(source, key, kindPath), at(kindPath, key)),
  };
}

function parseDocument(
  block: Record<string, unknown>,
  path: string,
  context: BlockContext,
): { promptText: string; media: MediaInput[] } {
  const sourcePath = at(path, 'source');
  const source = expectObject(requireField(block, 'source', path), sourcePath);
  const kind = expectLiteral(
    requireField(source, 'type', sourcePath),
    ['base64', 'text', 'content', 'url', 'file'],
    at(sourcePath, 'type'),
  );
  const title = [block['title'], block['context']].filter((part) => typeof part === 'string').join('\n');
  const kindPath = at(sourcePath, kind);
  if (kind === 'text') {
    const data = expectString(requireField(source, 'data', kindPath), at(kindPath, 'data'));
    return { promptText: `${title}\n${data}`, media: [] };
  }
  if (kind === 'content') {
    const content = requireField(source, 'content', kindPath);
    if (typeof content === 'string') return { promptText: `${title}\n${content}`, media: [] };
    const texts: string[] = [title];
    const media: MediaInput[] = [];
    expectArray(content, at(kindPath, 'content')).forEach((entry, index) => {
      const inner = parseBlock(entry, 'user', at(at(kindPath, 'content'), index), context);
      texts.push(inner.promptText);
      media.push(...inner.media);
    });
    return { promptText: texts.join('\n'), media };
  }
  const key = kind === 'base64' ? 'data' : kind === 'url' ? 'url' : 'file_id';
  const identity = expectString(requireField(source, key, kindPath), at(kindPath, key));
  return { promptText: title, media: [{ tokens: PDF_TOKENS, identity }] };
}

function searchResultText(block: Record<string, unknown>, path: string): string {
  const title = expectString(requireField(block, 'title', path), at(path, 'title'));
  const source = expectString(requireField(block, 'source', path), at(path, 'source'));
  const content = expectArray(requireField(block, 'content', path), at(path, 'content'));
  const texts = content.map((entry) =>
    isRecord(entry) && typeof entry['text'] === 'string' ? entry['text'] : '',
  );
  return [title, source, ...texts].join('\n');
}

function parseToolResult(
  block: Record<string, unknown>,
  path: string,
  context: BlockContext,
  ownCache: CacheTtl | undefined,
): InputBlock {
  const toolUseId = expectString(requireField(block, 'tool_use_id', path), at(path, 'tool_use_id'));
  optionalBoolean(block['is_error'], at(path, 'is_error'));
  const content = block['content'];
  let text = '';
  const media: MediaInput[] = [];
  let cache = ownCache;
  if (typeof content === 'string') text = content;
  else if (content !== undefined && content !== null) {
    const contentPath = at(path, 'content');
    const texts: string[] = [];
    expectArray(content, contentPath).forEach((entry, index) => {
      const entryPath = at(contentPath, index);
      const part = expectObject(entry, entryPath);
      const type = expectString(requireField(part, 'type', entryPath), at(entryPath, 'type'));
      if (!TOOL_RESULT_CONTENT_TYPES.includes(type))
        fail(unknownTag(entryPath, type, TOOL_RESULT_CONTENT_TYPES));
      if (type === 'tool_reference') {
        texts.push(JSON.stringify(part));
        return;
      }
      const inner = parseBlock(part, 'user', entryPath, context);
      texts.push(inner.kind === 'text' ? inner.text : inner.promptText);
      media.push(...inner.media);
      // A breakpoint inside the result caches up to the end of the result.
      cache = inner.cache ?? cache;
    });
    text = texts.filter((part) => part !== '').join('\n');
  }
  return { kind: 'tool_result', toolUseId, text, promptText: text, media, cache };
}
