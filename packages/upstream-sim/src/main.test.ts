import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('CLI', () => {
  it('prints its URL, serves the API and exits on SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', '0', '--model', 'demo-model'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = /^upstream-sim listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(line.toString())?.[1];
      expect(url).toBeDefined();
      const response = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer sk-cli' } });
      const list = (await response.json()) as { data: Array<{ id: string }> };
      expect(list.data.map((model) => model.id)).toEqual(['demo-model']);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('takes Kling key pairs: a JWT signed with the configured secret is accepted, another refused', async () => {
    const { signKlingToken } = await import('./kling/jwt.ts');
    const child = spawn(
      process.execPath,
      [MAIN, '--port', '0', '--kling-key', 'ak1:sk1', '--video-queued-ms', '0'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = /listening on (\S+)\n$/.exec(line.toString())?.[1] ?? '';
      const post = (token: string) =>
        fetch(`${url}/v1/videos/text2video`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'x' }),
        });
      expect((await post(signKlingToken('ak1', 'sk1'))).status).toBe(200);
      expect((await post(signKlingToken('ak1', 'ak1'))).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    await once(child, 'exit');
  });

  it('seeds RunPod endpoints from --runpod-endpoint ID=IMAGE', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', '0', '--runpod-endpoint', 'flux=me/flux:1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = /listening on (\S+)\n$/.exec(line.toString())?.[1] ?? '';
      const response = await fetch(`${url}/v2/serverless`, { headers: { authorization: 'Bearer k' } });
      const list = (await response.json()) as Array<{ id: string; image: string }>;
      expect(list.map((endpoint) => [endpoint.id, endpoint.image])).toEqual([['flux', 'me/flux:1']]);
    } finally {
      child.kill('SIGTERM');
    }
    await once(child, 'exit');
  });
});
