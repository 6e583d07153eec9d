import { describe, expect, it } from 'vitest';
import { progressPercent } from './gpu-progress.ts';

describe('progressPercent', () => {
  it('reads steps, frames, ComfyUI value/max and plain percentages', () => {
    expect(progressPercent({ step: 5, steps: 20 })).toBe(25);
    expect(progressPercent({ frame: 10, frames: 30 })).toBe(33);
    expect(progressPercent({ value: 3, max: 4, prompt_id: 'p' })).toBe(75);
    expect(progressPercent({ progress: 42.4 })).toBe(42);
  });

  it('never says 100 while running, and nothing about shapes it does not know', () => {
    expect(progressPercent({ step: 20, steps: 20 })).toBe(99);
    expect(progressPercent({ percent: 250 })).toBe(99);
    expect(progressPercent({ step: 1, steps: 0 })).toBeUndefined();
    expect(progressPercent({ status: 'running', prompt_id: 'p' })).toBeUndefined();
    expect(progressPercent('half way')).toBeUndefined();
    expect(progressPercent([1, 2])).toBeUndefined();
    expect(progressPercent(undefined)).toBeUndefined();
  });
});
