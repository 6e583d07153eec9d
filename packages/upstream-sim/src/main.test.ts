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
});
