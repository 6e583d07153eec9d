import { isRecord } from '../json.ts';
import { hashText } from '../text/seeded-random.ts';
import { type FieldErrors, fail } from './errors.ts';
import { field, fieldName, joinPath, listField, snakeCase } from './proto-json.ts';
import { PART, PART_DATA_FIELDS } from './request-shapes.ts';
import type { InputContent, InputPart } from './types.ts';

/**
 * `contents[]` after the shape check: roles (`user` by default, else `user`/`model`), non-empty
 * parts, exactly one data field per part (an empty `text` counts as none, as in proto3), then
 * the function-calling turn order the API enforces.
 * @see https://ai.google.dev/api/caching#Content
 */
export function parseContents(value: unknown[], path: string, errors: FieldErrors): InputContent[] {
  if (value.length === 0) errors.add(path, 'contents is not specified');
  const contents = value.map((entry, index) => {
    const contentPath = `${path}[${index}]`;
    const content = isRecord(entry) ? entry : {};
    const role = field(content, 'role') ?? 'user';
    const parts = listField(content, 'parts');
    if (parts.length === 0) errors.add(joinPath(contentPath, 'parts'), 'contents.parts must not be empty.');
    return {
      role: role as string,
      parts: parts.map((part, partIndex) => parsePart(part, `${contentPath}.parts[${partIndex}]`, errors)),
    };
  });
  errors.throwIfAny();
  for (const content of contents) {
    if (content.role !== 'user' && content.role !== 'model') fail('Please use a valid role: user, model.');
  }
  const checked = contents as InputContent[];
  checkFunctionTurns(checked);
  return checked;
}

/** `systemInstruction`: only its parts matter (its role is ignored). */
export function parseSystemInstruction(value: unknown, path: string, errors: FieldErrors): InputPart[] {
  if (!isRecord(value)) return [];
  return listField(value, 'parts').map((part, index) => parsePart(part, `${path}.parts[${index}]`, errors));
}

export function parsePart(value: unknown, path: string, errors: FieldErrors): InputPart {
  const part = isRecord(value) ? value : {};
  const fields = PART.fields();
  const present = Object.keys(part).flatMap((key) => {
    const name = fieldName(key, fields);
    const set = part[key] !== null && part[key] !== undefined && part[key] !== '';
    return name && set && (PART_DATA_FIELDS as readonly string[]).includes(name) ? [name] : [];
  });
  const signatureValue = field(part, 'thoughtSignature');
  const signature = typeof signatureValue === 'string' && signatureValue !== '' ? signatureValue : undefined;
  if (present.length === 0) {
    errors.add(joinPath(path, 'data'), "required oneof field 'data' must have one initialized field");
    return { kind: 'other', json: '', signature };
  }
  if (present.length > 1) {
    errors.add(
      joinPath(path, 'data'),
      `oneof field 'data' is already set. Cannot set '${snakeCase(present[1] ?? '')}'`,
    );
  }
  const kind = present[0];
  const data = field(part, kind ?? '');
  const record = isRecord(data) ? data : {};
  switch (kind) {
    case 'text':
      return { kind: 'text', text: String(data), thought: field(part, 'thought') === true, signature };
    case 'inlineData': {
      const mimeType = String(field(record, 'mimeType') ?? '');
      const bytes = String(field(record, 'data') ?? '');
      return {
        kind: 'media',
        mimeType,
        identity: `${mimeType}:${bytes.length}:${hashText(bytes)}`,
        signature,
      };
    }
    case 'fileData': {
      const mimeType = String(field(record, 'mimeType') ?? '');
      return { kind: 'media', mimeType, identity: String(field(record, 'fileUri') ?? ''), signature };
    }
    case 'functionCall': {
      const name = requireName(record, joinPath(path, 'function_call'), errors);
      const args = field(record, 'args');
      return { kind: 'functionCall', name, args: isRecord(args) ? args : {}, signature };
    }
    case 'functionResponse': {
      const name = requireName(record, joinPath(path, 'function_response'), errors);
      const response = field(record, 'response');
      return { kind: 'functionResponse', name, response: isRecord(response) ? response : {}, signature };
    }
    default:
      return { kind: 'other', json: JSON.stringify(data), signature };
  }
}

function requireName(record: Record<string, unknown>, path: string, errors: FieldErrors): string {
  const name = field(record, 'name');
  if (typeof name !== 'string' || name === '') {
    errors.add(joinPath(path, 'name'), 'Name cannot be empty.');
    return '';
  }
  return name;
}

const isCallTurn = (content: InputContent): boolean =>
  content.role === 'model' && content.parts.some((part) => part.kind === 'functionCall');
const isResponseTurn = (content: InputContent): boolean =>
  content.role === 'user' && content.parts.some((part) => part.kind === 'functionResponse');
const count = (content: InputContent, kind: InputPart['kind']): number =>
  content.parts.filter((part) => part.kind === kind).length;

/**
 * The API's function-calling turn rules, in its words: a function call turn follows a user (or
 * function response) turn, a function response turn follows a function call turn, with one
 * response part per call part.
 */
function checkFunctionTurns(contents: readonly InputContent[]): void {
  contents.forEach((content, index) => {
    const previous = contents[index - 1];
    if (isCallTurn(content) && previous?.role !== 'user') {
      fail(
        'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
      );
    }
    if (!isResponseTurn(content)) return;
    if (!previous || !isCallTurn(previous)) {
      fail('Please ensure that function response turn comes immediately after a function call turn.');
    }
    if (count(content, 'functionResponse') !== count(previous, 'functionCall')) {
      fail(
        'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
      );
    }
  });
}

/**
 * Where the current turn starts: the last user content with something besides function
 * responses. Model contents after it are the steps of the turn in progress.
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
export function currentTurnStart(contents: readonly InputContent[]): number {
  return contents.findLastIndex(
    (content) => content.role === 'user' && content.parts.some((part) => part.kind !== 'functionResponse'),
  );
}
