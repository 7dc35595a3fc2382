import { describe, expect, it } from 'vitest';
import {
  containerName,
  generateId,
  generateName,
  NAME_PATTERN,
  validateName,
  validatePrefix,
} from '../../lib/core/model/naming.js';
import { MngError, UsageError } from '../../lib/errors.js';

function usageErrorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('validateName', () => {
  it.each(['a', 'alpha', 'my-agent', 'my_agent', 'Agent-2', '0', '9lives', 'a'.repeat(63)])(
    'accepts %j and returns it',
    (name) => {
      expect(validateName(name)).toBe(name);
    },
  );

  it.each([
    ['', 'it is empty'],
    ['../x', 'it must start with a letter or digit'],
    ['-x', 'it must start with a letter or digit'],
    ['_x', 'it must start with a letter or digit'],
    ['.hidden', 'it must start with a letter or digit'],
    ['a b', "use only letters, digits, '-' and '_'"],
    ['a/b', "use only letters, digits, '-' and '_'"],
    ['a.b', "use only letters, digits, '-' and '_'"],
    ['a:b', "use only letters, digits, '-' and '_'"],
    ['naïve', "use only letters, digits, '-' and '_'"],
    ['x\n', "use only letters, digits, '-' and '_'"],
    ['a'.repeat(64), 'it is 64 characters long (at most 63)'],
    ['a'.repeat(100), 'it is 100 characters long (at most 63)'],
  ])('rejects %j as a usage error (exit 2): %s', (name, why) => {
    const e = usageErrorOf(() => validateName(name));
    expect(e.exitCode).toBe(2);
    expect(e).toBeInstanceOf(MngError);
    expect(e.message).toBe(`invalid agent name ${JSON.stringify(name)}: ${why}`);
  });
});

describe('validatePrefix', () => {
  it.each(['mng-', 'mngtest-1a2b-create-', 'team.a_', 'x', ''])('accepts %j', (p) => {
    expect(validatePrefix(p)).toBe(p);
  });

  it.each(['-mng', '.x', 'a b', 'a/b', 'mng:', 'a'.repeat(41)])('rejects %j with an error naming MNG_PREFIX', (p) => {
    expect(() => validatePrefix(p)).toThrow(MngError);
    expect(() => validatePrefix(p)).toThrow(`invalid MNG_PREFIX ${JSON.stringify(p)}`);
  });

  it('allows 40 characters, not 41', () => {
    expect(validatePrefix('p'.repeat(40))).toBe('p'.repeat(40));
    expect(() => validatePrefix('p'.repeat(41))).toThrow(/MNG_PREFIX/);
  });
});

describe('generated names and ids', () => {
  it('generateName gives agent- and six hex digits, a valid name, different each time', () => {
    const names = Array.from({ length: 50 }, generateName);
    for (const n of names) {
      expect(n).toMatch(/^agent-[0-9a-f]{6}$/);
      expect(NAME_PATTERN.test(n)).toBe(true);
      expect(validateName(n)).toBe(n);
    }
    expect(new Set(names).size).toBeGreaterThan(45);
  });

  it('generateId gives 16 hex digits', () => {
    const ids = Array.from({ length: 20 }, generateId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(20);
  });
});

describe('containerName', () => {
  it('is the prefix followed by the name', () => {
    expect(containerName('mng-', 'alpha')).toBe('mng-alpha');
    expect(containerName('', 'alpha')).toBe('alpha');
  });
});
