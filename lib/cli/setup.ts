import { type Config, loadConfig } from '../config/config.js';
import { sshTimeoutFromEnv } from '../config/env.js';
import { agentTypes } from '../config/agent-types.js';
import { cacheDir, dataDir, namePrefix } from '../config/paths.js';
import type { Core } from '../core/core.js';
import type { Scope } from '../core/hosts/resolve.js';
import { validatePrefix } from '../core/model/naming.js';
import { buildContextInspectArgs, type Daemon, parseContextInspect, resolveDaemons } from '../docker/daemon.js';
import { DockerRunner } from '../docker/runner.js';
import { MngError } from '../errors.js';
import { safeText } from '../safe-text.js';
import { makeOutput, type Output } from './output.js';

export interface GlobalArgs {
  verbose?: boolean;
  quiet?: boolean;
}

export interface Context {
  core: Core;
  config: Config;
  output: Output;
  /** every configured provider's daemon, resolved once for this command */
  daemons: Map<string, Daemon>;
}

/** Ctrl-C: `interruptible` commands abort their running docker call and clean up; the others leave it to ssh. */
function interruptSignal(interruptible: boolean): AbortSignal | undefined {
  if (!interruptible) {
    process.on('SIGINT', () => {
      /* the ssh child handles Ctrl-C */
    });
    return undefined;
  }
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  return controller.signal;
}

/**
 * Build what a command handler needs from the global flags. `interruptible` commands (create, destroy) abort
 * their running docker call on Ctrl-C and clean up; interactive ones (exec, connect) leave Ctrl-C to ssh.
 */
export async function makeContext(args: GlobalArgs, opts: { interruptible: boolean }): Promise<Context> {
  const output = makeOutput({ quiet: Boolean(args.quiet) });
  const runner = new DockerRunner({
    verbose: Boolean(args.verbose),
    log: (line) => process.stderr.write(`${output.err.dim(safeText(line))}\n`),
    signal: interruptSignal(opts.interruptible),
    warn: output.warn,
  });
  const config = await loadConfig();
  const providers = Object.values(config.providers);
  // host = "" follows the docker context too: one `docker context inspect`, only when a non-default context is in use.
  const daemons = await resolveDaemons(providers, process.env, async (name) => {
    const follower = providers.find((p) => p.host === '')?.name ?? '';
    const asker: Daemon = { provider: follower, via: 'default', address: '', remote: false, env: {} };
    const r = await runner.docker(asker, buildContextInspectArgs(name), { check: false });
    return r.exitCode === 0 ? parseContextInspect(r.stdout) : undefined;
  });
  const core: Core = {
    runner,
    prefix: validatePrefix(namePrefix()),
    dataDir: dataDir(),
    progress: output.progress,
    warn: output.warn,
    stream: output.stream,
    debug: (line) => {
      if (args.verbose) process.stderr.write(`${output.err.dim(`  ${safeText(line)}`)}\n`);
    },
    agents: { types: agentTypes(config.agents), cacheDir: cacheDir(), env: process.env },
  };
  return { core, config, output, daemons };
}

/** Where a command taking NAME looks: the daemon of the provider --provider names, else every configured one's. */
export function scopeFor(ctx: Context, provider: string | undefined): Scope {
  if (provider === undefined) return { daemons: [...ctx.daemons.values()] };
  const daemon = ctx.daemons.get(provider);
  if (!daemon) {
    throw new MngError(`unknown provider '${provider}' (configured: ${[...ctx.daemons.keys()].join(', ')})`);
  }
  return { daemons: [daemon] };
}

/** How long to wait for sshd after a start: `MNG_SSH_TIMEOUT` (seconds or a duration), default 60. */
export function sshTimeoutSeconds(env: Record<string, string | undefined> = process.env): number {
  return sshTimeoutFromEnv(env);
}
