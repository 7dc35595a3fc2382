/**
 * Reading docker's own option syntax (pflag), so mng can check the `-s` / `-b` tokens it passes through
 * without rewriting them: `--name value`, `--name=value`, `-e VALUE`, `-eVALUE`, `-e=VALUE`, `-it`.
 * A pure scanner; the tables (docker/option-tables.ts) list the options of Docker CLI 28 (`docker create --help`,
 * `docker build --help`) plus a few hidden aliases.
 */

export interface OptionTable {
  /** one-letter options → their long name */
  short: Record<string, string>;
  /** long options that take a value (the next token when not given with `=`) */
  withValue: ReadonlySet<string>;
  /** long options that take no value (`--rm`, `--rm=false`) */
  boolean: ReadonlySet<string>;
}

/** One option as docker will read it. `name` is the long name when known, else the name as written (without dashes). */
export interface ScannedOption {
  name: string;
  /** the value: given with `=`, attached (`-eFOO`), or the next token; undefined for a flag without one */
  value?: string;
  /** how the user wrote it, for messages: the token(s) joined with a space */
  text: string;
  /** index of the option's first token */
  index: number;
  /** whether the name is in the table */
  known: boolean;
}

export interface ScanResult {
  options: ScannedOption[];
  /** tokens that are neither an option nor an option's value (docker would take the first as IMAGE / PATH) */
  positionals: { token: string; index: number }[];
}

/**
 * Read `tokens` as docker's option parser would. An unknown long option without `=` takes the next token as
 * its value when that token does not start with '-' (docker would refuse an unknown option anyway; this only
 * keeps a newer option's value from being reported as a stray word).
 */
export function scanOptions(tokens: readonly string[], table: OptionTable): ScanResult {
  const options: ScannedOption[] = [];
  const positionals: ScanResult['positionals'] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === '--' || !tok.startsWith('-') || tok === '-') {
      positionals.push({ token: tok, index: i });
      continue;
    }
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const name = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
      const known = table.withValue.has(name) || table.boolean.has(name);
      if (eq >= 0) {
        options.push({ name, value: tok.slice(eq + 1), text: tok, index: i, known });
      } else if (table.withValue.has(name) || (!known && i + 1 < tokens.length && !tokens[i + 1].startsWith('-'))) {
        const value = tokens[i + 1];
        options.push({ name, value, text: value === undefined ? tok : `${tok} ${value}`, index: i, known });
        i++;
      } else {
        options.push({ name, text: tok, index: i, known });
      }
      continue;
    }
    // One or more one-letter options: booleans may be grouped (-it); a letter taking a value takes the rest
    // of the token (-eFOO, -e=FOO) or else the next token.
    const start = i;
    for (let j = 1; j < tok.length; j++) {
      const letter = tok[j];
      const long = table.short[letter];
      const name = long ?? letter;
      if (long && table.withValue.has(long)) {
        let value: string | undefined;
        let text = tok;
        if (j + 1 < tok.length) {
          value = tok.slice(tok[j + 1] === '=' ? j + 2 : j + 1);
        } else {
          value = tokens[i + 1];
          if (value !== undefined) text = `${tok} ${value}`;
          i++;
        }
        options.push({ name, value, text, index: start, known: true });
        break;
      }
      if (j + 1 < tok.length && tok[j + 1] === '=') {
        options.push({ name, value: tok.slice(j + 2), text: tok, index: start, known: Boolean(long) });
        break;
      }
      options.push({ name, text: tok, index: start, known: Boolean(long) });
    }
  }
  return { options, positionals };
}

/** pflag's reading of a boolean option's value: no value means true. */
export function flagIsOn(value: string | undefined): boolean {
  return value === undefined || ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}
