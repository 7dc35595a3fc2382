import { describe, expect, it } from 'vitest';
import { randomHex } from '../../lib/random.js';

describe('randomHex', () => {
  it('gives exactly the digits asked for, hex only, at any length', () => {
    for (const n of [1, 6, 8, 9, 16, 40]) expect(randomHex(n)).toMatch(new RegExp(`^[0-9a-f]{${n}}$`));
  });

  it('does not repeat itself: 10,000 16-digit values are all different, and every digit shows up', () => {
    const values = Array.from({ length: 10_000 }, () => randomHex(16));
    expect(new Set(values).size).toBe(values.length);
    expect(new Set(values.join('')).size).toBe(16);
  });
});
