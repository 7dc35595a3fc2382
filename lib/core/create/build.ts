import type { Daemon } from '../../docker/daemon.js';
import { dockerError, dockerReason, meaningfulLines } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import { quoteArgv } from '../../shell.js';
import type { Core } from '../core.js';
import type { BuildSource } from './plan.js';

/** A line of `docker build` output that names a step (legacy builder, or BuildKit's plain progress) → the step. */
export function buildStep(line: string): string | undefined {
  const m = /^Step (\d+\/\d+) : (.*)$/.exec(line) ?? /^#\d+ \[[^\]]*?(\d+\/\d+)\] (.*)$/.exec(line);
  return m ? `step ${m[1]} (${m[2].trim()})` : undefined;
}

/** Build output that says nothing about why a step failed (the legacy builder's narration). */
const NARRATION = /^\s*---> |^Removing intermediate container |^Sending build context /;

/**
 * docker build of the user's Dockerfile (`args`: the plan's build argv), its output streamed; a failure names the
 * step and shows docker's last lines.
 */
export async function buildFromDockerfile(
  core: Core,
  daemon: Daemon,
  args: string[],
  source: BuildSource,
  image: string,
): Promise<void> {
  core.progress(`Building image ${image} from ${source.dockerfile}`);
  let step: string | undefined;
  const tail: string[] = [];
  const res = await core.runner.docker(daemon, args, {
    check: false,
    onLine: (raw) => {
      const [line] = meaningfulLines(raw);
      if (line === undefined) return;
      core.stream(line);
      const named = buildStep(line);
      if (named) {
        step = named;
        tail.length = 0;
      } else if (!NARRATION.test(line)) {
        tail.push(line);
        if (tail.length > 3) tail.splice(0, tail.length - 3);
      }
    },
  });
  if (res.exitCode === 0) return;
  // The specific case: a step failed, and its last lines say why. Anything else (no daemon, a bad flag) is docker's.
  if (!step || res.failure === 'unreachable') throw dockerError(args, res.exitCode, res.stderr, daemon);
  const shown = tail.length > 0 ? tail.join(' | ') : dockerReason(res.stderr);
  throw new MngError(`docker build of ${source.dockerfile} failed at ${step}: ${shown}`, {
    failed: { command: quoteArgv(['docker', ...args]), exitCode: res.exitCode, stderr: res.stderr },
  });
}
