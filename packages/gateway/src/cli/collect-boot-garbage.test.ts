import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Reading {
  collected: boolean;
  youngBefore: number;
  youngAfter: number;
  heapBefore: number;
  heapAfter: number;
}

/** Runs start-up-like garbage then `collectBootGarbage` in a fresh Node, with the bin's heap flags. */
function runChild(nodeFlags: string[]): Reading {
  const module = join(import.meta.dirname, 'collect-boot-garbage.ts');
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { collectBootGarbage } from ${JSON.stringify(module)};
    const young = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    // Short-lived objects, a share of them kept for a while: V8 grows the young generation.
    let kept = [];
    for (let i = 0; i < 400_000; i++) {
      kept.push({ i, text: 'item ' + i });
      if (kept.length > 40_000) kept = [];
    }
    kept = [];
    const youngBefore = young();
    const heapBefore = process.memoryUsage().heapTotal;
    const collected = collectBootGarbage();
    console.log(JSON.stringify({ collected, youngBefore, youngAfter: young(), heapBefore, heapAfter: process.memoryUsage().heapTotal }));
  `;
  const output = execFileSync(
    process.execPath,
    [...nodeFlags, '--max-semi-space-size=4', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  return JSON.parse(output) as Reading;
}

describe('collectBootGarbage', () => {
  it('with --expose-gc shrinks the young generation to its minimum and the heap with it', () => {
    const reading = runChild(['--expose-gc']);
    expect(reading.collected).toBe(true);
    expect(reading.youngBefore).toBeGreaterThan(4 * 2 ** 20);
    expect(reading.youngAfter).toBeLessThanOrEqual(2 * 2 ** 20 + 2 ** 18);
    expect(reading.heapAfter).toBeLessThan(reading.heapBefore - 4 * 2 ** 20);
  });

  it('without it does nothing', () => {
    const reading = runChild([]);
    expect(reading.collected).toBe(false);
    expect(reading.youngAfter).toBe(reading.youngBefore);
  });
});
