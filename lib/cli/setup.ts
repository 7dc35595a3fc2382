import { loadConfig, type Config, type ProviderConfig } from '../config/config.js';
import { sshTimeoutFromEnv } from '../config/env.js';
import { dataDir, namePrefix } from '../config/paths.js';
import type { Core } from '../core/core.js';
import { applyDockerContext } from '../core/hosts/docker-context.js';
import type { Host } from '../core/hosts/hosts.js';
import { validatePrefix } from '../core/model/naming.js';
import { DockerRunner } from '../docker/runner.js';
import { MngError } from '../errors.js';
import { makeOutput, type Output } from './output.js';

export interface GlobalArgs {
  verbose?: boolean;
  quiet?: boolean;
}

export interface Context {
  core: Core;
  config: Config;
  output: Output;
}

/**
 * Build what a command handler needs from the global flags. `interruptible` commands (create, destroy) abort
 * their running docker call on Ctrl-C and clean up; interactive ones (exec, connect) leave Ctrl-C to ssh.
 */
export async function makeContext(args: GlobalArgs, opts: { interruptible: boolean }): Promise<Context> {
  const output = makeOutput({ quiet: Boolean(args.quiet) });
  let signal: AbortSignal | undefined;
  if (opts.interruptible) {
    const controller = new AbortController();
    signal = controller.signal;
    process.on('SIGINT', () => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort();
    });
    process.on('SIGTERM', () => controller.abort());
  } else {
    process.on('SIGINT', () => {
      /* the ssh child handles Ctrl-C */
    });
  }
  const runner = new DockerRunner({
    verbose: Boolean(args.verbose),
    log: (line) => process.stderr.write(output.err.dim(line) + '\n'),
    signal,
  });
  const config = await loadConfig();
  // host = "" follows the docker context too: one `docker context inspect`, only when a non-default context is in use.
  await applyDockerContext(runner, config);
  const core: Core = {
    runner,
    prefix: validatePrefix(namePrefix()),
    dataDir: dataDir(),
    progress: output.progress,
    warn: output.warn,
    stream: output.stream,
    debug: (line) => {
      if (args.verbose) process.stderr.write(output.err.dim(`  ${line}`) + '\n');
    },
  };
  return { core, config, output };
}

/** The providers a command taking NAME searches: the one named by --provider, else all configured ones. */
export function providersFor(config: Config, provider: string | undefined): ProviderConfig[] {
  if (provider !== undefined) {
    const p = config.providers[provider];
    if (!p)
      throw new MngError(`unknown provider '${provider}' (configured: ${Object.keys(config.providers).join(', ')})`);
    return [p];
  }
  return Object.values(config.providers);
}

/**
 * The agents a command names, found across the providers --provider selects (all by default). Every name is
 * resolved before the command does anything, so a typo acts on nothing: one batched docker inspect per provider.
 */
export async function locateAgents(
  ctx: Context,
  provider: string | undefined,
  names: readonly string[],
): Promise<{ provider: ProviderConfig; host: Host }[]> {
  const { locateHosts } = await import('../core/hosts/locate.js');
  return locateHosts(ctx.core, providersFor(ctx.config, provider), [...new Set(names)]);
}

/** How long to wait for sshd after a start: `MNG_SSH_TIMEOUT` (seconds or a duration), default 60. */
export function sshTimeoutSeconds(env: Record<string, string | undefined> = process.env): number {
  return sshTimeoutFromEnv(env);
}
