import { MngError } from '../errors.js';
import { quoteArgv } from '../shell.js';

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

/**
 * Is this stderr docker saying it cannot reach its daemon? A bare `dial tcp …: connection refused` is not enough:
 * the daemon prints that too when *it* cannot reach a registry (`docker pull`, a build's FROM), and then it answered.
 */
export function isDaemonUnreachable(stderr: string): boolean {
  return /Cannot connect to the Docker daemon|error during connect|Is the docker daemon running\?/i.test(stderr);
}

/** Is this stderr docker saying an object does not exist? */
export function isNoSuchObject(stderr: string): boolean {
  return /No such (container|image|object|network|volume)|Error: No such/i.test(stderr);
}

export interface DaemonRef {
  /** provider instance name, for messages */
  provider: string;
  /** DOCKER_HOST value, '' = environment default */
  host: string;
}

/**
 * Map a failed docker call to the one-line error a user sees: the one mapping. Callers that know a specific case
 * (a name taken, a port to retry, a build step) check for it first and call this for everything else. The error
 * keeps the command line, its exit code and its stderr, as execa's errors do.
 */
export function dockerError(args: readonly string[], exitCode: number, stderr: string, daemon: DaemonRef): MngError {
  const failed = { command: quoteArgv(['docker', ...args]), exitCode, stderr };
  if (isDaemonUnreachable(stderr)) {
    const where =
      daemon.host ||
      process.env.DOCKER_HOST ||
      (process.env.DOCKER_CONTEXT ? `docker context ${process.env.DOCKER_CONTEXT}` : 'the local socket');
    return new MngError(
      `cannot reach the Docker daemon of provider '${daemon.provider}' (${where}): ${dockerReason(stderr)}`,
      {
        hint: "start Docker there, or check DOCKER_HOST / the provider's host setting in the mng config",
        failed,
      },
    );
  }
  const words = args.filter((a) => !a.startsWith('-'));
  const sub = ['container', 'image', 'network', 'volume'].includes(words[0])
    ? words.slice(0, 2).join(' ')
    : (words[0] ?? '');
  return new MngError(`docker ${sub || 'command'} failed (exit ${exitCode}): ${dockerReason(stderr)}`, { failed });
}
