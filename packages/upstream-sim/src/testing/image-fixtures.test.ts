import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSim, type UpstreamSim } from '../server.ts';
import { captureImageFixtures, type ImageFixture, type ImageFixtures, shapeOf } from './image-fixtures.ts';

const PENDING_MS = 400;
let sim: UpstreamSim;
let live: ImageFixtures;

beforeAll(async () => {
  sim = await startUpstreamSim({ bflPendingMs: PENDING_MS });
  live = await captureImageFixtures(sim, 'sim-fixture-key', PENDING_MS);
});
afterAll(() => sim.close());

function stored(folder: string): Record<string, ImageFixture> {
  const dir = fileURLToPath(new URL(`../${folder}/__fixtures__/`, import.meta.url));
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => [
        name.replace(/\.json$/, ''),
        JSON.parse(readFileSync(`${dir}${name}`, 'utf8')) as ImageFixture,
      ]),
  );
}

describe('recorded image fixtures match what the simulator answers', () => {
  for (const folder of ['openai-images', 'gemini', 'bfl', 'ark-images'] as const) {
    it(`${folder}/__fixtures__`, () => {
      const files = stored(folder);
      expect(Object.keys(files).sort()).toEqual(Object.keys(live[folder]).sort());
      for (const [name, fixture] of Object.entries(files)) {
        const current = live[folder][name];
        expect(fixture.request, name).toEqual(
          current?.request && { ...current.request, url: fixture.request.url },
        );
        expect(fixture.response.status, name).toBe(current?.response.status);
        expect(shapeOf(fixture.response.body), name).toEqual(shapeOf(current?.response.body));
        // No fixture leaks the simulator's address.
        expect(JSON.stringify(fixture), name).not.toMatch(/127\.0\.0\.1|__delivery|\[\[sim:(?!moderated)/);
      }
    });
  }
});
