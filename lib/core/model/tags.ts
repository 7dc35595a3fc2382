import { UsageError } from '../../errors.js';

/** Tag keys: a letter or digit, then letters, digits, '.', '_' and '-'. Values: any text without a newline. */
export const TAG_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `--tag KEY=VALUE` values → tags. Malformed or repeated keys are usage errors. */
export function parseTags(values: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const raw of values) {
    const eq = raw.indexOf('=');
    if (eq < 0) throw new UsageError(`invalid tag ${JSON.stringify(raw)}: expected KEY=VALUE`);
    const key = raw.slice(0, eq);
    const value = raw.slice(eq + 1);
    if (!TAG_KEY.test(key)) {
      throw new UsageError(
        `invalid tag key ${JSON.stringify(key)}: start with a letter or digit, then letters, digits, '.', '_' or '-'`,
      );
    }
    if (/[\r\n]/.test(value)) throw new UsageError(`invalid tag value for '${key}': it must not contain a newline`);
    if (Object.hasOwn(tags, key)) throw new UsageError(`tag '${key}' is given twice`);
    tags[key] = value;
  }
  return tags;
}

export interface TagFilter {
  key: string;
  /** undefined: the key only has to be there */
  value?: string;
}

/** `--tag KEY=VALUE` (exact) or `--tag KEY` (present) filters for `list`. */
export function parseTagFilters(values: readonly string[]): TagFilter[] {
  return values.map((raw) => {
    const eq = raw.indexOf('=');
    const key = eq < 0 ? raw : raw.slice(0, eq);
    if (!TAG_KEY.test(key))
      throw new UsageError(`invalid tag filter ${JSON.stringify(raw)}: expected KEY or KEY=VALUE`);
    return eq < 0 ? { key } : { key, value: raw.slice(eq + 1) };
  });
}

/** Does a host with these tags pass every filter? */
export function matchesTags(tags: Record<string, string>, filters: readonly TagFilter[]): boolean {
  return filters.every((f) => Object.hasOwn(tags, f.key) && (f.value === undefined || tags[f.key] === f.value));
}
