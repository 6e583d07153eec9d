import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngInfo } from '../images/png.ts';
import { comfyDefaultWorkflow } from './default-workflow.ts';
import { type ComfyUiSim, startComfyUiSim } from './index.ts';

const textToImage = (overrides: { text?: string; seed?: number; steps?: number; width?: number } = {}) =>
  comfyDefaultWorkflow(overrides);

/** The `tEXt` chunks of a PNG, keyword → text. */
function pngText(bytes: Buffer): Record<string, string> {
  const text: Record<string, string> = {};
  for (let offset = 8; offset + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (type === 'tEXt') {
      const data = bytes.subarray(offset + 8, offset + 8 + length);
      const nul = data.indexOf(0);
      text[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    }
    offset += 12 + length;
  }
  return text;
}

let comfy: ComfyUiSim;
beforeAll(async () => {
  comfy = await startComfyUiSim({ stepMs: 10 });
});
afterAll(async () => {
  await comfy.close();
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${comfy.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface HistoryEntry {
  prompt: unknown[];
  outputs: Record<string, { images: { filename: string; subfolder: string; type: string }[] }>;
  status: { status_str: string; completed: boolean; messages: [string, unknown][] };
}

async function waitForHistory(promptId: string): Promise<HistoryEntry> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const history = (await (await fetch(`${comfy.url}/history/${promptId}`)).json()) as Record<
      string,
      HistoryEntry
    >;
    if (history[promptId]) return history[promptId];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('prompt never finished');
}

describe('ComfyUI fake: POST /prompt validation', () => {
  it('queues a valid graph and answers prompt_id, number, empty node_errors', async () => {
    const { status, body } = await post('/prompt', { prompt: textToImage(), client_id: 'c1' });
    expect(status).toBe(200);
    expect(body['prompt_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof body['number']).toBe('number');
    expect(body['node_errors']).toEqual({});
  });

  it('refuses a body without prompt (no_prompt)', async () => {
    const { status, body } = await post('/prompt', { client_id: 'c1' });
    expect(status).toBe(400);
    expect(body['error']).toMatchObject({ type: 'no_prompt' });
  });

  it('refuses a node without class_type', async () => {
    const { status, body } = await post('/prompt', { prompt: { '1': { inputs: {} } } });
    expect(status).toBe(400);
    expect(body['error']).toMatchObject({ type: 'invalid_prompt' });
  });

  it('names an unknown class_type in node_errors', async () => {
    const graph = { ...textToImage(), '10': { class_type: 'MagicUpscaler', inputs: {} } };
    const { status, body } = await post('/prompt', { prompt: graph });
    expect(status).toBe(400);
    expect(body['error']).toMatchObject({ type: 'prompt_outputs_failed_validation' });
    expect(body['node_errors']).toMatchObject({
      '10': { class_type: 'MagicUpscaler', errors: [{ type: 'missing_node_type' }] },
    });
  });

  it('refuses a link to a node that does not exist, and a link of the wrong type', async () => {
    const dangling = textToImage();
    dangling['8'].inputs.samples = ['99', 0];
    const first = await post('/prompt', { prompt: dangling });
    expect(first.status).toBe(400);
    expect(first.body['node_errors']).toHaveProperty('8');
    expect(JSON.stringify(first.body['node_errors'])).toContain("'99'");

    const mistyped = textToImage();
    mistyped['8'].inputs.samples = ['4', 0]; // a MODEL where a LATENT belongs
    const second = await post('/prompt', { prompt: mistyped });
    expect(second.status).toBe(400);
    expect(second.body['node_errors']).toMatchObject({ '8': { errors: [{ type: 'return_type_mismatch' }] } });
  });

  it('refuses out-of-range numbers and unknown combo values', async () => {
    const graph = textToImage({ steps: 0 });
    (graph['3'].inputs as Record<string, unknown>)['sampler_name'] = 'warp_drive';
    const { status, body } = await post('/prompt', { prompt: graph });
    expect(status).toBe(400);
    const types = (body['node_errors'] as Record<string, { errors: { type: string }[] }>)['3']!.errors.map(
      (error: { type: string }) => error.type,
    );
    expect(types).toEqual(expect.arrayContaining(['value_smaller_than_min', 'value_not_in_list']));
  });

  it('refuses a graph without an output node (prompt_no_outputs)', async () => {
    const { '9': _save, ...graph } = textToImage();
    const { status, body } = await post('/prompt', { prompt: graph });
    expect(status).toBe(400);
    expect(body['error']).toMatchObject({ type: 'prompt_no_outputs', message: 'Prompt has no outputs' });
  });
});

describe('ComfyUI fake: execution, history, view', () => {
  it('runs steps × 10 ms, then history holds outputs and a PNG carrying the effective parameters', async () => {
    const startedAt = Date.now();
    const { body } = await post('/prompt', {
      prompt: textToImage({ text: 'a red fox', seed: 7, steps: 10 }),
    });
    const promptId = body['prompt_id'] as string;
    expect(await (await fetch(`${comfy.url}/history/${promptId}`)).json()).toEqual({});
    const entry = await waitForHistory(promptId);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(95);
    expect(entry['status']).toMatchObject({ status_str: 'success', completed: true });
    expect(entry['prompt'][1]).toBe(promptId);
    const image = entry.outputs['9']!.images[0]!;
    expect(image).toMatchObject({ subfolder: '', type: 'output' });
    expect(image.filename).toMatch(/^ComfyUI_\d{5}_\.png$/);

    const view = await fetch(
      `${comfy.url}/view?${new URLSearchParams({ filename: image.filename, subfolder: '', type: 'output' })}`,
    );
    expect(view.status).toBe(200);
    expect(view.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await view.arrayBuffer());
    expect(readPngInfo(png)).toMatchObject({ width: 64, height: 48 });
    expect(JSON.parse(pngText(png)['parameters']!)).toMatchObject({
      positive: 'a red fox',
      negative: 'blurry',
      seed: 7,
      steps: 10,
      width: 64,
      height: 48,
    });
  });

  it('is deterministic: the same parameters give the same pixels, another seed others', async () => {
    const run = async (seed: number) => {
      const { body } = await post('/prompt', { prompt: textToImage({ seed, steps: 1 }) });
      const entry = await waitForHistory(body['prompt_id'] as string);
      const image = entry.outputs['9']!.images[0]!;
      const view = await fetch(`${comfy.url}/view?filename=${image.filename}&type=output`);
      return readPngInfo(Buffer.from(await view.arrayBuffer()));
    };
    const [first, again, other] = [await run(1), await run(1), await run(2)];
    expect(again.palette).toEqual(first.palette);
    expect(other.palette).not.toEqual(first.palette);
  });

  it('reports the queue, and an interrupt ends the running prompt with an error status', async () => {
    const { body } = await post('/prompt', { prompt: textToImage({ steps: 500 }) });
    const promptId = body['prompt_id'] as string;
    const queue = (await (await fetch(`${comfy.url}/queue`)).json()) as Record<string, unknown[][]>;
    expect(queue['queue_running']?.[0]?.[1]).toBe(promptId);
    expect(await (await fetch(`${comfy.url}/prompt`)).json()).toEqual({ exec_info: { queue_remaining: 1 } });
    expect((await fetch(`${comfy.url}/interrupt`, { method: 'POST', body: '{}' })).status).toBe(200);
    const entry = await waitForHistory(promptId);
    expect(entry['status'].status_str).toBe('error');
    expect(entry['status'].messages.map((message: unknown[]) => message[0])).toContain(
      'execution_interrupted',
    );
  });

  it('uploads an image (multipart), renames on collision, serves it, and lists it for LoadImage', async () => {
    const form = () => {
      const data = new FormData();
      data.append('image', new Blob([Buffer.from('png-bytes')], { type: 'image/png' }), 'cat.png');
      return data;
    };
    const first = await fetch(`${comfy.url}/upload/image`, { method: 'POST', body: form() });
    expect(await first.json()).toEqual({ name: 'cat.png', subfolder: '', type: 'input' });
    const second = await fetch(`${comfy.url}/upload/image`, { method: 'POST', body: form() });
    expect(await second.json()).toEqual({ name: 'cat (1).png', subfolder: '', type: 'input' });
    const view = await fetch(`${comfy.url}/view?filename=cat.png&type=input`);
    expect(await view.text()).toBe('png-bytes');
    const info = (await (await fetch(`${comfy.url}/object_info/LoadImage`)).json()) as {
      LoadImage: { input: { required: { image: [string[]] } } };
    };
    expect(info.LoadImage.input.required.image[0]).toEqual(['cat (1).png', 'cat.png']);
    const missing = await post('/prompt', {
      prompt: {
        '1': { class_type: 'LoadImage', inputs: { image: 'dog.png' } },
        '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
      },
    });
    expect(missing.status).toBe(400);
  });

  it('describes the known node classes in /object_info', async () => {
    const info = (await (await fetch(`${comfy.url}/object_info`)).json()) as Record<
      string,
      { input: { required: Record<string, unknown> }; output_node: boolean }
    >;
    expect(Object.keys(info).sort()).toEqual(
      [
        'CLIPTextEncode',
        'CheckpointLoaderSimple',
        'EmptyLatentImage',
        'KSampler',
        'LoadImage',
        'PreviewImage',
        'SaveImage',
        'VAEDecode',
      ].sort(),
    );
    expect(info['KSampler']!.input.required['steps']).toEqual(['INT', { default: 20, min: 1, max: 10000 }]);
    expect(info['SaveImage']!.output_node).toBe(true);
  });
});

describe('ComfyUI fake mounted in the main simulator', () => {
  it('serves the same API under /comfyui', async () => {
    const { startUpstreamSim } = await import('../server.ts');
    const sim = await startUpstreamSim();
    try {
      const info = (await (await fetch(`${sim.url}/comfyui/object_info/SaveImage`)).json()) as Record<
        string,
        unknown
      >;
      expect(Object.keys(info)).toEqual(['SaveImage']);
      const queued = await fetch(`${sim.url}/comfyui/prompt`, {
        method: 'POST',
        body: JSON.stringify({ prompt: textToImage({ steps: 1 }) }),
      });
      expect(queued.status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
