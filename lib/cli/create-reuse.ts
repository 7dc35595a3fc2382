import type { ProviderConfig } from '../config/config.js';
import { agentCommandLine } from '../core/container/agent.js';
import { findReusable } from '../core/create/reuse.js';
import { startHosts } from '../core/lifecycle/start.js';
import type { Daemon } from '../docker/daemon.js';
import { MngError } from '../errors.js';
import type { CreateArgs } from './create-args.js';
import { agentJson } from './format.js';
import { type Context, sshTimeoutSeconds } from './setup.js';

/**
 * `mng create NAME --reuse` when NAME exists: a running host is printed as create would print it, a stopped one is
 * started. Returns false when there is no such host (create goes on and makes it).
 */
export async function reuseHost(
  ctx: Context,
  provider: ProviderConfig,
  daemon: Daemon,
  args: CreateArgs,
): Promise<boolean> {
  const { name } = args;
  const host = await findReusable(ctx.core, daemon, name, {
    image: args.dockerfile !== undefined ? 'dockerfile' : provider.default_image,
    startArgs: [...provider.default_start_args, ...args.startArgs],
    tags: args.tags,
    agentCommand: args.agentGiven ? agentCommandLine(args.agent) : undefined,
  });
  if (!host) return false;
  let current = host;
  if (host.state === 'stopped') {
    const [outcome] = await startHosts(ctx.core, [host], { sshTimeoutSeconds: sshTimeoutSeconds() });
    if (outcome.status === 'failed') throw outcome.error;
    current = outcome.host;
  } else if (host.state !== 'running') {
    throw new MngError(`agent '${name}' exists but is ${host.state}: --reuse starts only stopped hosts`, {
      hint: `mng destroy ${name} and create it again`,
    });
  }
  const reused = host.state === 'running' ? 'running' : 'started';
  if (args.format === 'json') {
    ctx.output.result(JSON.stringify({ ...agentJson(current, ctx.core.dataDir), reused }));
  } else {
    ctx.output.result(name);
    ctx.output.progress(
      reused === 'running'
        ? `Agent '${name}' exists and runs: reused`
        : `Agent '${name}' was stopped: started it again`,
    );
  }
  return true;
}
