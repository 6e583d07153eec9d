import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { builtInHandler } from './pick-handler.ts';
import { renderHandler } from './render.ts';
import type { HandlerContext, Json } from './types.ts';
import { videoHandler } from './video.ts';

function context(progress: Json[] = [], signal = new AbortController().signal): HandlerContext {
  return {
    signal,
    progress: (value) => progress.push(value),
    workerId: 'w1',
    endpointId: undefined,
    comfyUiUrl: undefined,
  };
}

function field(output: Json, list: string): Record<string, Json> {
  const entry = (output as Record<string, Json[]>)[list]?.[0];
  return entry as Record<string, Json>;
}

function chunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 8; offset < png.length; offset += 12 + png.readUInt32BE(offset)) {
    types.push(png.toString('latin1', offset + 4, offset + 8));
  }
  return types;
}

describe('render handler', () => {
  it("answers worker-comfyui's shape with a base64 PNG of the requested size, the same bytes for the same input", async () => {
    const progress: Json[] = [];
    const input = { prompt: 'a lighthouse at dusk', seed: 11, width: 128, height: 64, steps: 10 };
    const output = await renderHandler({ id: 'job-1', input }, context(progress));
    const image = field(output, 'images');
    expect(image).toMatchObject({ filename: 'job-1.png', type: 'base64' });
    const png = Buffer.from(image['data'] as string, 'base64');
    expect(png.readUInt32BE(16)).toBe(128);
    expect(png.readUInt32BE(20)).toBe(64);
    expect(progress).toEqual([{ step: 5, steps: 10 }]);
    const again = await renderHandler({ id: 'job-2', input }, context());
    expect(field(again, 'images')['data']).toBe(image['data']);
    const reseeded = await renderHandler({ id: 'job-3', input: { ...input, seed: 12 } }, context());
    expect(field(reseeded, 'images')['data']).not.toBe(image['data']);
  });

  it('fails a job without a prompt, and stops when aborted', async () => {
    await expect(renderHandler({ id: 'j', input: { seed: 1 } }, context())).rejects.toThrow(
      "Missing 'prompt' parameter",
    );
    const controller = new AbortController();
    const running = renderHandler(
      { id: 'j', input: { prompt: 'x', steps: 150 } },
      context([], controller.signal),
    );
    controller.abort(new Error('stopped'));
    await expect(running).rejects.toThrow('stopped');
  });
});

describe('video handler', () => {
  it('answers an APNG with seconds × fps frames and takes ~20 ms a frame', async () => {
    const startedAt = Date.now();
    const output = await videoHandler(
      { id: 'v1', input: { prompt: 'waves', seconds: 1, fps: 6, width: 32, height: 32 } },
      context(),
    );
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(6 * 20 - 5);
    const video = field(output, 'videos');
    expect(video).toMatchObject({
      filename: 'v1.png',
      type: 'base64',
      content_type: 'image/apng',
      seconds: 1,
    });
    const apng = Buffer.from(video['data'] as string, 'base64');
    const types = chunkTypes(apng);
    expect(types.filter((type) => type === 'fcTL')).toHaveLength(6);
    const actlAt = apng.indexOf('acTL', 0, 'latin1');
    expect(apng.readUInt32BE(actlAt + 4)).toBe(6);
    // The first frame is a plain IDAT: a viewer without APNG support shows it.
    const idatAt = apng.indexOf('IDAT', 0, 'latin1');
    expect(inflateSync(apng.subarray(idatAt + 4, idatAt + 4 + apng.readUInt32BE(idatAt - 4))).length).toBe(
      32 * 129,
    );
  });
});

describe('auto handler', () => {
  it('picks video for seconds or a video endpoint, render otherwise', async () => {
    const auto = builtInHandler('auto');
    const still = await auto({ id: 'a', input: { prompt: 'p', width: 16, height: 16, steps: 1 } }, context());
    expect(still).toHaveProperty('images');
    const moving = await auto(
      { id: 'b', input: { prompt: 'p', width: 16, height: 16, fps: 1 }, endpointId: 'wan-video' },
      context(),
    );
    expect(moving).toHaveProperty('videos');
    // A workflow goes to ComfyUI, which this context has no address for.
    await expect(auto({ id: 'c', input: { workflow: {}, seconds: 1 } }, context())).rejects.toThrow(
      'COMFYUI_URL is not set',
    );
  });
});
