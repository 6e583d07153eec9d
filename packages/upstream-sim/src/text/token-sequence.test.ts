import { describe, expect, it } from 'vitest';
import { TokenSequence } from './token-sequence.ts';

describe('TokenSequence', () => {
  it('reads back its pieces in order, skipping empty ones, with their total length', () => {
    const sequence = new TokenSequence();
    sequence.append([200003, 882]);
    sequence.append([]);
    sequence.append([9906, 11, 1917]);
    sequence.append([200004]);
    expect(sequence.length).toBe(6);
    expect([...sequence.toUint32Array()]).toEqual([200003, 882, 9906, 11, 1917, 200004]);
    expect(new TokenSequence().toUint32Array()).toHaveLength(0);
  });
});
