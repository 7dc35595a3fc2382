import { Runner, type RunOptions, type RunResult } from '../process/runner.js';
import { dockerError, isNoSuchObject, type DaemonRef } from './errors.js';

export interface DockerRunOptions extends RunOptions {
  /** "No such container/image" is an answer, returned with its exit code, not thrown; other failures still throw */
  allowMissing?: boolean;
}

/** The process runner plus docker calls: DOCKER_HOST per provider, and every failure through the one mapping (dockerError). */
export class DockerRunner extends Runner {
  /** Run a docker command against one daemon. Throws MngError (daemon unreachable, docker's own message) on failure. */
  async docker(daemon: DaemonRef, args: readonly string[], opts: DockerRunOptions = {}): Promise<RunResult> {
    const env: Record<string, string> = {};
    if (daemon.host) env.DOCKER_HOST = daemon.host;
    const { allowMissing, ...runOpts } = opts;
    const result = await this.run(
      'docker',
      args,
      {
        missingHint: 'install the Docker CLI (https://docs.docker.com/engine/install/) and try again',
        ...runOpts,
        check: false,
      },
      env,
    );
    if (result.exitCode !== 0 && opts.check !== false && !(allowMissing && isNoSuchObject(result.stderr))) {
      throw dockerError(args, result.exitCode, result.stderr, daemon);
    }
    return result;
  }
}
