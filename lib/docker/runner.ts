import { Runner, type RunOptions, type RunResult } from '../process/runner.js';
import { type Daemon, insecureDaemonWarning } from './daemon.js';
import { classifyDockerFailure, type DockerFailure, dockerError } from './errors.js';

export interface DockerRunOptions extends RunOptions {
  /** "No such container/image" is an answer, returned with its exit code, not thrown; other failures still throw */
  allowMissing?: boolean;
}

/** A docker call's result; `failure` says what kind of failure a non-zero exit was (see classifyDockerFailure). */
export interface DockerResult extends RunResult {
  failure?: DockerFailure;
}

/** Daemons on plain TCP this process has warned about (once each, whichever runner made the call). */
const warnedAbout = new Set<string>();

/** The process runner plus docker calls: each daemon's environment, and every failure through the one mapping. */
export class DockerRunner extends Runner {
  /**
   * Run a docker command against one daemon. Throws a DockerError (unreachable, docker's own message) on failure. The
   * first call to a daemon on plain TCP without TLS says so (insecureDaemonWarning).
   */
  async docker(daemon: Daemon, args: readonly string[], opts: DockerRunOptions = {}): Promise<DockerResult> {
    const { allowMissing, ...runOpts } = opts;
    const insecure = insecureDaemonWarning(daemon);
    if (insecure && !warnedAbout.has(daemon.address)) {
      warnedAbout.add(daemon.address);
      this.warn(insecure);
    }
    const result: DockerResult = await this.run(
      'docker',
      args,
      {
        missingHint: 'install the Docker CLI (https://docs.docker.com/engine/install/) and try again',
        ...runOpts,
        check: false,
      },
      daemon.env,
    );
    if (result.exitCode === 0) return result;
    result.failure = classifyDockerFailure(result.stderr);
    const missing = result.failure === 'gone' || result.failure === 'no such image';
    if (opts.check !== false && !(allowMissing && missing)) {
      throw dockerError(opts.display ?? args, result.exitCode, result.stderr, daemon);
    }
    return result;
  }
}
