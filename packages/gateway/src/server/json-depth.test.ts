import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.ts';

describe('nestsDeeperThan', () => {
  it('counts object and array nesting', () => {
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[[1]]}]}', 4)).toBe(true);
    expect(nestsDeeperThan(`${'['.repeat(129)}${']'.repeat(129)}`)).toBe(true);
    expect(nestsDeeperThan(`${'['.repeat(128)}${']'.repeat(128)}`)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(JSON.stringify({ text: '['.repeat(1_000) }))).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ text: `\\"${'{'.repeat(1_000)}` }))).toBe(false);
    expect(nestsDeeperThan(`["\\\\", ${'['.repeat(200)}${']'.repeat(200)}]`)).toBe(true);
  });

  it('siblings do not add up', () => {
    expect(nestsDeeperThan(JSON.stringify(Array.from({ length: 1_000 }, () => [[1]])), 3)).toBe(false);
  });
});
