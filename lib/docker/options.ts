/**
 * Reading docker's own option syntax (pflag), so mng can check the `-s` / `-b` tokens it passes through
 * without rewriting them: `--name value`, `--name=value`, `-e VALUE`, `-eVALUE`, `-e=VALUE`, `-it`.
 * Pure data and a pure scanner; the tables list the options of Docker CLI 28 (`docker create --help`,
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

/** `docker create` (and `docker run`, whose extra options are listed as well, so they can be named in errors). */
export const RUN_OPTIONS: OptionTable = {
  short: {
    a: 'attach',
    c: 'cpu-shares',
    d: 'detach',
    e: 'env',
    h: 'hostname',
    i: 'interactive',
    l: 'label',
    m: 'memory',
    p: 'publish',
    P: 'publish-all',
    q: 'quiet',
    t: 'tty',
    u: 'user',
    v: 'volume',
    w: 'workdir',
  },
  withValue: new Set([
    'add-host',
    'attach',
    'blkio-weight',
    'blkio-weight-device',
    'cap-add',
    'cap-drop',
    'cgroup-parent',
    'cgroupns',
    'cidfile',
    'cpu-period',
    'cpu-quota',
    'cpu-rt-period',
    'cpu-rt-runtime',
    'cpu-shares',
    'cpus',
    'cpuset-cpus',
    'cpuset-mems',
    'device',
    'device-cgroup-rule',
    'device-read-bps',
    'device-read-iops',
    'device-write-bps',
    'device-write-iops',
    'dns',
    'dns-option',
    'dns-search',
    'domainname',
    'entrypoint',
    'env',
    'env-file',
    'expose',
    'gpus',
    'group-add',
    'health-cmd',
    'health-interval',
    'health-retries',
    'health-start-period',
    'health-timeout',
    'hostname',
    'ip',
    'ip6',
    'ipc',
    'isolation',
    'kernel-memory',
    'label',
    'label-file',
    'link',
    'link-local-ip',
    'log-driver',
    'log-opt',
    'mac-address',
    'memory',
    'memory-reservation',
    'memory-swap',
    'memory-swappiness',
    'mount',
    'name',
    'network',
    'network-alias',
    'oom-score-adj',
    'pid',
    'pids-limit',
    'platform',
    'publish',
    'pull',
    'restart',
    'runtime',
    'security-opt',
    'shm-size',
    'stop-signal',
    'stop-timeout',
    'storage-opt',
    'sysctl',
    'tmpfs',
    'ulimit',
    'user',
    'userns',
    'uts',
    'volume',
    'volume-driver',
    'volumes-from',
    'workdir',
    // docker run only
    'detach-keys',
    // hidden aliases and platform-specific options docker still accepts
    'net',
    'net-alias',
    'dns-opt',
    'cpu-count',
    'cpu-percent',
    'io-maxbandwidth',
    'io-maxiops',
  ]),
  boolean: new Set([
    'disable-content-trust',
    'help',
    'init',
    'interactive',
    'no-healthcheck',
    'oom-kill-disable',
    'privileged',
    'publish-all',
    'quiet',
    'read-only',
    'rm',
    'tty',
    'use-api-socket',
    // docker run only
    'detach',
    'sig-proxy',
  ]),
};

/** `docker build` (legacy builder), plus the BuildKit options, so either builder's tokens read right. */
export const BUILD_OPTIONS: OptionTable = {
  short: { c: 'cpu-shares', f: 'file', m: 'memory', o: 'output', q: 'quiet', t: 'tag' },
  withValue: new Set([
    'add-host',
    'build-arg',
    'cache-from',
    'cgroup-parent',
    'cpu-period',
    'cpu-quota',
    'cpu-shares',
    'cpuset-cpus',
    'cpuset-mems',
    'file',
    'iidfile',
    'isolation',
    'label',
    'memory',
    'memory-swap',
    'network',
    'platform',
    'security-opt',
    'shm-size',
    'tag',
    'target',
    'ulimit',
    // BuildKit (buildx)
    'allow',
    'annotation',
    'attest',
    'build-context',
    'builder',
    'cache-to',
    'call',
    'metadata-file',
    'no-cache-filter',
    'output',
    'progress',
    'secret',
    'ssh',
  ]),
  boolean: new Set([
    'compress',
    'disable-content-trust',
    'force-rm',
    'help',
    'no-cache',
    'pull',
    'quiet',
    'rm',
    'check',
    'load',
    'push',
  ]),
};

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
