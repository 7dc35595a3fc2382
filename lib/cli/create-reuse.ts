import type { ProviderConfig } from '../config/config.js';
import { agentCommandLine, type AgentSpec } from '../core/container/scripts.js';
import { MngError } from '../errors.js';
import type { Context } from './setup.js';
import { tokens } from './options.js';

/**
 * `mng create NAME --reuse` when NAME exists: a running host is printed as create would print it, a stopped one is
 * started. Returns false when there is no such host (create goes on and makes it).
 */
export async function reuseHost(
  ctx: Context,
  provider: ProviderConfig,
  name: string,
  agent: AgentSpec,
  argv: {
    startArg?: unknown;
    tag?: unknown;
    dockerfile?: string;
    agent?: string;
    agentCmd?: string;
    format: 'human' | 'json';
  },
): Promise<boolean> {
  const { findReusable } = await import('../core/create/reuse.js');
  const { parseTags } = await import('../core/model/tags.js');
  const host = await findReusable(ctx.core, provider, name, {
    image: argv.dockerfile !== undefined ? 'dockerfile' : provider.default_image,
    startArgs: [...provider.default_start_args, ...tokens(argv.startArg)],
    tags: parseTags(tokens(argv.tag)),
    agentCommand: argv.agent !== undefined || argv.agentCmd !== undefined ? agentCommandLine(agent) : undefined,
  });
  if (!host) return false;
  let current = host;
  if (host.state === 'stopped') {
    const { startHosts } = await import('../core/lifecycle/lifecycle.js');
    const { sshTimeoutSeconds } = await import('./setup.js');
    const [outcome] = await startHosts(ctx.core, [{ provider, host }], { sshTimeoutSeconds: sshTimeoutSeconds() });
    if (outcome.status === 'failed') throw outcome.error;
    current = outcome.host;
  } else if (host.state !== 'running') {
    throw new MngError(`agent '${name}' exists but is ${host.state}: --reuse starts only stopped hosts`, {
      hint: `mng destroy ${name} and create it again`,
    });
  }
  const { agentJson } = await import('./format.js');
  if (argv.format === 'json') {
    ctx.output.result(
      JSON.stringify({
        ...agentJson(current, ctx.core.dataDir),
        reused: host.state === 'running' ? 'running' : 'started',
      }),
    );
  } else {
    ctx.output.result(name);
    ctx.output.progress(
      host.state === 'running'
        ? `Agent '${name}' exists and runs: reused`
        : `Agent '${name}' was stopped: started it again`,
    );
  }
  return true;
}
