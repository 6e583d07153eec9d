import { describe, expect, it } from 'vitest';
import { encodeMultipart } from './multipart.ts';

describe('encodeMultipart', () => {
  it('is a form any standard parser reads back: fields, and a file with its name, type and exact bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    const { body, contentType } = encodeMultipart([
      { name: 'type', value: 'tts' },
      { name: 'voices', file: { bytes, contentType: 'audio/wav', filename: 'my "voice".wav' } },
    ]);
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    expect(form.get('type')).toBe('tts');
    const voice = form.get('voices') as File;
    expect(voice.type).toBe('audio/wav');
    expect(voice.name).toBe('my "voice".wav');
    expect(Buffer.from(await voice.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
