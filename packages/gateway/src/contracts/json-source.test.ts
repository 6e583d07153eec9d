import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSource, scanJson, spliceJsonBody, spliceJsonObject } from './json-source.ts';

const sourceOf = (text: string) => {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const source = jsonSource(text, scanJson(text, 128), parsed);
  if (!source) throw new Error('not an object');
  return { parsed, source };
};

describe('splicing a forwarded JSON body', () => {
  it('writes the same JSON as JSON.stringify, whatever changed at the top level', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.array(fc.string()),
        fc.integer({ min: 0, max: 4 }),
        (original, changes, removed, indent) => {
          const text = JSON.stringify(original, null, indent);
          const { parsed, source } = sourceOf(text);
          const forwarded: Record<string, unknown> = { ...parsed, ...changes };
          for (const name of removed) delete forwarded[name];
          expect(JSON.parse(spliceJsonObject(forwarded, source))).toEqual(
            JSON.parse(JSON.stringify(forwarded)),
          );
        },
      ),
    );
  });

  it('copies untouched members byte for byte, escapes and odd spacing included', () => {
    const text =
      '{ "mod\\u0065l" : "a" ,\n"messages":[ {"content":"say \\"}\\" {[", "role":"user"} ] , "n" :2 }';
    const { parsed, source } = sourceOf(text);
    const out = spliceJsonObject({ ...parsed, model: 'b' }, source);
    expect(out).toBe('{"model":"b","messages":[ {"content":"say \\"}\\" {[", "role":"user"} ],"n":2}');
  });

  it('takes the last of duplicate names, as JSON.parse does', () => {
    const { parsed, source } = sourceOf('{"a":[1],"a":[2]}');
    expect(spliceJsonObject({ ...parsed }, source)).toBe('{"a":[2]}');
  });

  it('finds nesting deeper than the limit, brackets inside strings not counted', () => {
    expect(scanJson('[[[1]]]', 3).tooDeep).toBe(false);
    expect(scanJson('[[[[1]]]]', 3).tooDeep).toBe(true);
    expect(scanJson('{"a":"[[[[[[["}', 3).tooDeep).toBe(false);
  });
});

describe('splicing into bytes', () => {
  it('gives the same bytes as the text splice, and counts image parts', () => {
    const text = `{"model":"a","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:${'x'.repeat(20_000)}"}}]}]}`;
    const bytes = Buffer.from(text);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const scan = scanJson(text, 128);
    const source = jsonSource(text, scan, parsed, bytes)!;
    expect(source.imageParts).toBe(2);
    expect(source.byteLength).toBe(bytes.length);
    const out = { ...parsed, model: 'b', max_tokens: 5 };
    expect(Buffer.isBuffer(spliceJsonBody(out, source))).toBe(true);
    expect(spliceJsonBody(out, source).toString()).toBe(spliceJsonObject(out, source));
    expect(JSON.parse(spliceJsonObject(out, source))).toEqual(out);
  });

  it('falls back to text when the bytes do not index like the text (non-ASCII)', () => {
    const text = '{"model":"é","messages":[]}';
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const source = jsonSource(text, scanJson(text, 128), parsed, Buffer.from(text))!;
    expect(source.bytes).toBeUndefined();
    expect(source.byteLength).toBe(Buffer.byteLength(text));
    expect(spliceJsonBody({ ...parsed, model: 'b' }, source)).toBe('{"model":"b","messages":[]}');
  });
});
