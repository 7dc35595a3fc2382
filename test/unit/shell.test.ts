import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quote, quoteArgv } from '../../lib/shell.js';

/** What a real POSIX sh makes of a quoted command line: one printed line per word. */
function shWords(line: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent-home' },
  });
  return out.split('\0').slice(0, -1);
}

const AWKWARD = [
  'plain',
  'two words',
  '',
  ' ',
  "it's",
  "''",
  '"double"',
  '$HOME',
  '${PATH}',
  '$(echo pwned)',
  '`echo pwned`',
  'a;b',
  'a && b',
  'a|b',
  'x > y',
  '*',
  '?',
  '[ab]',
  '~',
  '~/x',
  '#not a comment',
  'back\\slash',
  'tab\there',
  'new\nline',
  '!bang',
  '{a,b}',
  'ünïcode ✓',
  '-n',
  '--flag=value with space',
];

describe('quote', () => {
  it.each(['abc', 'ABC-123_x', 'a.b,c', '/usr/bin/env', 'key=value', 'user@host:22', '100%', '+x', '-e', 'a^b'])(
    'leaves the safe word %j alone',
    (w) => {
      expect(quote(w)).toBe(w);
    },
  );

  it('single-quotes anything else', () => {
    expect(quote('')).toBe("''");
    expect(quote('two words')).toBe("'two words'");
    expect(quote('$HOME')).toBe("'$HOME'");
    expect(quote('a;b')).toBe("'a;b'");
    expect(quote('~')).toBe("'~'");
    expect(quote('*')).toBe("'*'");
  });

  it("escapes single quotes as '\\''", () => {
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote("'")).toBe("''\\'''");
  });

  it.each(AWKWARD)('survives a real sh unchanged: %j', (arg) => {
    expect(shWords(quote(arg))).toEqual([arg]);
  });
});

describe('quoteArgv', () => {
  it('joins quoted words with single spaces', () => {
    expect(quoteArgv(['docker', 'run', '--label', 'mng.tags={"a":"b"}', 'two words'])).toBe(
      `docker run --label 'mng.tags={"a":"b"}' 'two words'`,
    );
    expect(quoteArgv([])).toBe('');
    expect(quoteArgv([''])).toBe("''");
  });

  it('round-trips a whole awkward argv through a real sh', () => {
    expect(shWords(quoteArgv(AWKWARD))).toEqual(AWKWARD);
  });
});
