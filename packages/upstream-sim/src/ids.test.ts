import { describe, expect, it } from 'vitest';
import { randomHex, randomId } from './ids.ts';

describe('random ids', () => {
  it('are distinct across many refills of the entropy pool and keep to their alphabet', () => {
    // 5,000 × 32 bytes is ~39 refills of the 4 KiB pool.
    const ids = Array.from({ length: 5_000 }, () => randomHex('req_', 32));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(randomId('call_', 24)).toMatch(/^call_[A-Za-z0-9]{24}$/);
  });

  it('use every symbol of the alphabet about evenly', () => {
    const counts = new Map<string, number>();
    for (const char of randomHex('', 64_000)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(16);
    // 4,000 expected per hex digit; a stuck or repeating pool would be far off.
    for (const count of counts.values()) expect(Math.abs(count - 4_000)).toBeLessThan(400);
  });
});
