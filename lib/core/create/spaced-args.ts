import { UsageError } from '../../errors.js';

/**
 * `-s "--cpus 2"`: the Python mng split each -s / -b value like a shell, so its users write an option and its value
 * in one. mng passes each value to docker as one token, and docker would read the option name `cpus 2`.
 * Returns the first such value, with the two ways to write it.
 */
export function spacedOption(values: readonly string[]): { value: string; name: string; rest: string } | undefined {
  for (const value of values) {
    const m = /^(-{1,2}[A-Za-z][A-Za-z0-9-]*)\s+(\S[\s\S]*)$/.exec(value);
    if (m) return { value, name: m[1], rest: m[2].trim() };
  }
  return undefined;
}

/** Throw a usage error for a `-s` / `-b` value holding an option and its value separated by a space. */
export function checkSpacedOptions(flag: '-s' | '-b', values: readonly string[]): void {
  const found = spacedOption(values);
  if (!found) return;
  const { value, name, rest } = found;
  const sep = /\s/.test(rest) ? null : rest;
  throw new UsageError(
    `${flag} ${JSON.stringify(value)}: each ${flag} value is one docker token, and this one holds a space after the option name`,
    sep === null
      ? `pass the option and its value as two ${flag} values: ${flag} ${name} ${flag} ${JSON.stringify(rest)}`
      : `write ${flag} ${name}=${sep} or ${flag} ${name} ${flag} ${sep}`,
  );
}
