import { MngError, UsageError } from '../../errors.js';
import { randomHex } from '../../random.js';

/** Letters, digits, '-' and '_', starting with a letter or digit, at most 63 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const PREFIX_PATTERN = /^([A-Za-z0-9][A-Za-z0-9_.-]*)?$/;

/** Is this a prefix mng accepts (MNG_PREFIX)? */
export function isPrefix(prefix: string): boolean {
  return PREFIX_PATTERN.test(prefix) && prefix.length <= 40;
}

export function validateName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    const why =
      name === ''
        ? 'it is empty'
        : name.length > 63
          ? `it is ${name.length} characters long (at most 63)`
          : !/^[A-Za-z0-9]/.test(name)
            ? 'it must start with a letter or digit'
            : "use only letters, digits, '-' and '_'";
    throw new UsageError(`invalid agent name ${JSON.stringify(name)}: ${why}`);
  }
  return name;
}

export function validatePrefix(prefix: string): string {
  if (!isPrefix(prefix)) {
    throw new MngError(
      `invalid MNG_PREFIX ${JSON.stringify(prefix)}: use letters, digits, '.', '-' and '_', starting with a letter or digit`,
    );
  }
  return prefix;
}

/** A fresh name when the user gives none: `agent-` and six hex digits. */
export function generateName(): string {
  return `agent-${randomHex(6)}`;
}

/** A host's unique id (a label): 16 hex digits. */
export function generateId(): string {
  return randomHex(16);
}

export function containerName(prefix: string, name: string): string {
  return `${prefix}${name}`;
}
