import { describe, expect, it } from 'vitest';
import { gpuCharge, gpuHold } from './gpu-job-input.ts';

describe('GPU billing', () => {
  const perSecond = { perCallMicro: 0, perSecondMicro: 2_000_000, maxSeconds: 600 };
  it('charges per second to the millisecond, capped at maxSeconds', () => {
    expect(gpuCharge(perSecond, 1_234)).toBe(2_468_000);
    expect(gpuCharge(perSecond, 1)).toBe(2_000);
    expect(gpuCharge(perSecond, 10_000_000)).toBe(1_200_000_000);
    expect(gpuHold(perSecond)).toBe(1_200_000_000);
  });
  it('rounds a fraction of a micro-credit up, once', () => {
    // 0.06625 credits/s = 66 250 micro/s: 7 ms = 463.75 → 464
    expect(gpuCharge({ perCallMicro: 0, perSecondMicro: 66_250, maxSeconds: 60 }, 7)).toBe(464);
  });
  it('charges the per-call price whatever the run took', () => {
    const perCall = { perCallMicro: 50_000_000, perSecondMicro: 0, maxSeconds: 120 };
    expect(gpuCharge(perCall, 4_210)).toBe(50_000_000);
    expect(gpuHold(perCall)).toBe(50_000_000);
  });
});
