import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../lib/config/duration.js';

describe('parseDuration', () => {
  it.each([
    [800, 800],
    [0, 0],
    ['800', 800],
    ['30s', 30],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86400],
    ['0', 0],
    ['0s', 0],
    ['disabled', 0],
    ['off', 0],
    ['DISABLED', 0],
    [' 15m ', 900],
    ['15 m', 900],
    ['2H', 7200],
    ['1h30m', 5400],
    ['2m30s', 150],
    ['1d12h', 129600],
    ['1h0m5s', 3605],
  ] as const)('%j → %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (n) => {
    expect(parseDuration(n)).toBeUndefined();
  });

  it.each(['', ' ', '-5', '1.5h', '15 minutes', '2w', 'm', 'h2', '30m1h', '1h1h', 'never', '0x10', '1e3', 'on'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, 'disabled'],
    [30, '30s'],
    [90, '90s'],
    [800, '800s'],
    [60, '1m'],
    [900, '15m'],
    [3600, '1h'],
    [5400, '90m'],
    [7200, '2h'],
    [86400, '1d'],
    [90000, '25h'],
    [172800, '2d'],
  ])('%d → %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const s of [0, 1, 59, 60, 61, 800, 900, 3600, 7200, 86400, 90061]) {
      expect(parseDuration(formatDuration(s))).toBe(s);
    }
  });
});
