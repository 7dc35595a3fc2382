// A failed docker call, in one place: what kind of failure its stderr shows (the classifier; everything else checks
// the kind, never the message), and the one-line error a user sees.

import { MngError } from '../errors.js';
import { quoteArgv } from '../shell.js';
import { type Daemon, daemonWhere } from './daemon.js';

/** What went wrong, as far as mng acts on it; `other` is everything mng only reports. */
export type DockerFailure =
  /** the daemon did not answer (not: the daemon could not reach a registry) */
  | 'unreachable'
  /** no container by that name or id (any more) */
  | 'gone'
  | 'no such image'
  /** a network the container is to join does not exist (mng's own is made then) */
  | 'no such network'
  /** another container has the name */
  | 'name taken'
  /** the host port is held by something else (two daemons hand out ports from one range) */
  | 'port taken'
  /** an image a container or another image still uses */
  | 'in use'
  | 'paused'
  | 'not running'
  /** the container's log driver keeps nothing docker can read back (`--log-driver=none`) */
  | 'logs unreadable'
  /** the container's command could not be run at all (no such file, not executable) */
  | 'command not found'
  | 'other';

/** Each kind and the stderr that shows it, most specific first (a name conflict says "Conflict" too). */
const KINDS: [Exclude<DockerFailure, 'other'>, RegExp][] = [
  ['unreachable', /Cannot connect to the Docker daemon|error during connect|Is the docker daemon running\?/i],
  ['name taken', /The container name "[^"]*" is already in use/i],
  ['port taken', /port is already allocated|address already in use/i],
  [
    'in use',
    /unable to (remove|delete) .*(is using its referenced image|is being used by|has dependent child images)/i,
  ],
  ['no such network', /network \S+ (not found|is ambiguous)/i],
  ['gone', /No such container|No such object/i],
  ['no such image', /No such image/i],
  ['paused', /cannot start a paused container|is paused, unpause/i],
  ['not running', /Container \S+ is not running/i],
  ['logs unreadable', /logging driver does not support reading/i],
  ['command not found', /exec: "[^"]*": (stat [^:]*: no such file or directory|executable file not found)/i],
];

/** The kind of failure a failed docker call's stderr shows. */
export function classifyDockerFailure(stderr: string): DockerFailure {
  return KINDS.find(([, re]) => re.test(stderr))?.[0] ?? 'other';
}

/** The lines docker printed on stderr, minus noise (deprecation banners, blank lines). */
export function meaningfulLines(stderr: string): string[] {
  const lines = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const noise =
    /^(DEPRECATED: The legacy builder|\s+Install the buildx component|\s+https:\/\/docs\.docker\.com\/go\/buildx)/;
  return lines.filter((l) => !noise.test(l));
}

/** docker's error text without its "docker: Error response from daemon:" wrapping, on one line. */
export function dockerReason(stderr: string): string {
  const lines = meaningfulLines(stderr);
  // The daemon's own reason beats the CLI's summary after it ("Error: failed to start containers: NAME").
  const daemonLine = [...lines].reverse().find((l) => /Error response from daemon: /i.test(l));
  const errorLine =
    daemonLine ??
    [...lines].reverse().find((l) => /error|denied|not found|no such|conflict|invalid|unknown|failed|cannot/i.test(l));
  const line = errorLine ?? lines[lines.length - 1] ?? 'no error output';
  return line
    .replace(/^docker: /, '')
    .replace(/^Error response from daemon: /i, '')
    .replace(/^Error: /, '')
    .replace(/\.?\s*See 'docker [a-z ]+--help'\.?$/, '')
    .trim();
}

/** A docker call that failed, with the kind of failure (see classifyDockerFailure). */
export class DockerError extends MngError {
  readonly kind: DockerFailure;

  constructor(message: string, kind: DockerFailure, opts: ConstructorParameters<typeof MngError>[1] = {}) {
    super(message, opts);
    this.name = 'DockerError';
    this.kind = kind;
  }
}

/** Is this error docker saying the container is not there (any more)? */
export function isGone(e: unknown): boolean {
  return e instanceof DockerError && e.kind === 'gone';
}

/**
 * Map a failed docker call to the one-line error a user sees: the one mapping. Callers that know a specific case
 * (a name taken, a port to retry, a build step) check its kind first and call this for everything else. The error
 * keeps the command line, its exit code and its stderr, as execa's errors do.
 */
export function dockerError(args: readonly string[], exitCode: number, stderr: string, daemon: Daemon): DockerError {
  const failed = { command: quoteArgv(['docker', ...args]), exitCode, stderr };
  const kind = classifyDockerFailure(stderr);
  if (kind === 'unreachable') {
    return new DockerError(
      `cannot reach the Docker daemon of provider '${daemon.provider}' (${daemonWhere(daemon)}): ${dockerReason(stderr)}`,
      kind,
      { hint: "start Docker there, or check DOCKER_HOST / the provider's host setting in the mng config", failed },
    );
  }
  const words = args.filter((a) => !a.startsWith('-'));
  const sub = ['container', 'image', 'network', 'volume'].includes(words[0])
    ? words.slice(0, 2).join(' ')
    : (words[0] ?? '');
  return new DockerError(`docker ${sub || 'command'} failed (exit ${exitCode}): ${dockerReason(stderr)}`, kind, {
    failed,
  });
}
