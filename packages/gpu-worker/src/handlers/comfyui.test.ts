import { type ComfyUiSim, comfyDefaultWorkflow, readPngInfo, startComfyUiSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comfyUiHandler } from './comfyui.ts';
import type { HandlerContext, Json } from './types.ts';

let comfy: ComfyUiSim;
beforeAll(async () => {
  comfy = await startComfyUiSim({ stepMs: 10 });
});
afterAll(async () => {
  await comfy.close();
});

const context = (signal = new AbortController().signal): HandlerContext => ({
  signal,
  progress: () => undefined,
  workerId: 'w1',
  endpointId: undefined,
  comfyUiUrl: comfy.url,
});

function workflow(text: string, seed: number, steps = 3): Record<string, Json> {
  return {
    ...comfyDefaultWorkflow({
      text,
      seed,
      steps,
      width: 32,
      height: 24,
      batchSize: 2,
      negative: '',
      filenamePrefix: 'out',
    }),
    '10': { class_type: 'PreviewImage', inputs: { images: ['8', 0] } },
  };
}

function parameters(png: Buffer): Record<string, unknown> {
  const at = png.indexOf('tEXtparameters\0', 0, 'latin1');
  const length = png.readUInt32BE(at - 4);
  return JSON.parse(png.toString('latin1', at + 15, at + 4 + length)) as Record<string, unknown>;
}

interface ImagesOutput {
  images: { filename: string; type: string; data: string }[];
  errors?: string[];
}

describe('comfyui handler against the ComfyUI fake', () => {
  it('queues the workflow, waits for history, and returns the saved images (not previews) as base64', async () => {
    const output = (await comfyUiHandler(
      { id: 'j1', input: { workflow: workflow('a castle', 99) } },
      context(),
    )) as unknown as ImagesOutput;
    expect(output.errors).toBeUndefined();
    expect(output.images).toHaveLength(2);
    for (const image of output.images) {
      expect(image.type).toBe('base64');
      expect(image.filename).toMatch(/^out_\d{5}_\.png$/);
      const png = Buffer.from(image.data, 'base64');
      expect(readPngInfo(png)).toMatchObject({ width: 32, height: 24 });
      expect(parameters(png)).toMatchObject({
        positive: 'a castle',
        seed: 99,
        steps: 3,
        width: 32,
        height: 24,
      });
    }
  });

  it('accepts the workflow as a JSON string and uploads input images for LoadImage', async () => {
    const pixel = Buffer.from('iVBORw0KGgo=', 'base64');
    const graph = {
      '1': { class_type: 'LoadImage', inputs: { image: 'ref.png' } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'copy' } },
    };
    const output = (await comfyUiHandler(
      {
        id: 'j2',
        input: {
          workflow: JSON.stringify(graph),
          images: [{ name: 'ref.png', image: `data:image/png;base64,${pixel.toString('base64')}` }],
        },
      },
      context(),
    )) as unknown as ImagesOutput;
    expect(output.images).toHaveLength(1);
    const view = await fetch(`${comfy.url}/view?filename=ref.png&type=input`);
    expect(Buffer.from(await view.arrayBuffer()).equals(pixel)).toBe(true);
  });

  it("answers worker-comfyui's error shapes: missing workflow, validation failure, execution error", async () => {
    expect(await comfyUiHandler({ id: 'j3', input: {} }, context())).toEqual({
      error: "Missing 'workflow' parameter",
    });
    const invalid = workflow('x', 1);
    (invalid['9'] as { inputs: Record<string, Json> }).inputs['images'] = ['42', 0];
    const refused = (await comfyUiHandler({ id: 'j4', input: { workflow: invalid } }, context())) as {
      error: string;
    };
    expect(refused.error).toMatch(/^Workflow validation failed: .*Node 9: .*'42'/);
    const broken = (await comfyUiHandler(
      { id: 'j5', input: { workflow: workflow('[[sim:execution_error]]', 1) } },
      context(),
    )) as {
      error: string;
      details: string[];
    };
    expect(broken.error).toBe('Job processing failed');
    expect(broken.details[0]).toContain('Node Type: KSampler');
  });

  it('interrupts ComfyUI when the job is stopped', async () => {
    const controller = new AbortController();
    const running = comfyUiHandler(
      { id: 'j6', input: { workflow: workflow('long', 1, 1000) } },
      context(controller.signal),
    );
    await new Promise((resolve) => setTimeout(resolve, 60));
    controller.abort(new Error('stopped'));
    await expect(running).rejects.toThrow('stopped');
    await new Promise((resolve) => setTimeout(resolve, 30));
    const queue = (await (await fetch(`${comfy.url}/queue`)).json()) as { queue_running: unknown[] };
    expect(queue.queue_running).toEqual([]);
  });
});
