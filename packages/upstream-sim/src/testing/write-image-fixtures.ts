import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startUpstreamSim } from '../server.ts';
import { captureImageFixtures } from './image-fixtures.ts';

/**
 * `node packages/upstream-sim/src/testing/write-image-fixtures.ts`: regenerates the recorded
 * request/response pairs under each image vendor's `__fixtures__/` (then `npx biome check --write`
 * on them, which folds short arrays onto one line).
 */
const PENDING_MS = 400;
const sim = await startUpstreamSim({ bflPendingMs: PENDING_MS });
try {
  const fixtures = await captureImageFixtures(sim, 'sim-fixture-key', PENDING_MS);
  for (const [folder, set] of Object.entries(fixtures)) {
    const dir = fileURLToPath(new URL(`../${folder}/__fixtures__/`, import.meta.url));
    mkdirSync(dir, { recursive: true });
    for (const [name, fixture] of Object.entries(set)) {
      writeFileSync(`${dir}${name}.json`, `${JSON.stringify(fixture, null, 2)}\n`);
    }
    console.log(`${folder}: ${Object.keys(set).length} fixtures`);
  }
} finally {
  await sim.close();
}
