import { describe, expect, it } from 'vitest';
import { matchesTags, parseTagFilters, parseTags } from '../../lib/core/model/tags.js';
import { tokens } from '../../lib/cli/options.js';
import { UsageError } from '../../lib/errors.js';

describe('parseTags', () => {
  it('takes KEY=VALUE pairs, splitting at the first =', () => {
    expect(parseTags(['env=test', 'team=infra', 'note=a b=c', 'empty='])).toEqual({
      env: 'test',
      team: 'infra',
      note: 'a b=c',
      empty: '',
    });
    expect(parseTags([])).toEqual({});
  });

  it.each([
    ['novalue', /expected KEY=VALUE/],
    ['=x', /invalid tag key ""/],
    ['-x=1', /invalid tag key "-x"/],
    ['a b=1', /invalid tag key "a b"/],
    ['k=line\nbreak', /must not contain a newline/],
  ])('rejects %j as a usage error', (raw, pattern) => {
    expect(() => parseTags([raw])).toThrow(UsageError);
    expect(() => parseTags([raw])).toThrow(pattern);
  });

  it('rejects a repeated key', () => {
    expect(() => parseTags(['a=1', 'a=2'])).toThrow(/tag 'a' is given twice/);
  });
});

describe('tag filters', () => {
  const tags = { env: 'test', team: 'infra' };
  it('match exact values and bare keys; all filters must match', () => {
    expect(matchesTags(tags, parseTagFilters(['env=test']))).toBe(true);
    expect(matchesTags(tags, parseTagFilters(['env']))).toBe(true);
    expect(matchesTags(tags, parseTagFilters(['env=prod']))).toBe(false);
    expect(matchesTags(tags, parseTagFilters(['env=test', 'team=ops']))).toBe(false);
    expect(matchesTags(tags, parseTagFilters(['missing']))).toBe(false);
    expect(matchesTags(tags, [])).toBe(true);
  });

  it('reject a malformed key', () => {
    expect(() => parseTagFilters(['=x'])).toThrow(UsageError);
  });
});

describe('tokens', () => {
  it('normalises yargs repeatable values', () => {
    expect(tokens(undefined)).toEqual([]);
    expect(tokens('a')).toEqual(['a']);
    expect(tokens(['a', 'b'])).toEqual(['a', 'b']);
  });
});
