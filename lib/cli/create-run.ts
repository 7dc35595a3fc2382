// `mng create` after its command line is checked (cli/create-args.ts): plan, run, print. Loaded by the handler as one
// module, so that `mng --help`, completion and the other commands do not load what only create needs.

import { type ProviderConfig, resolveProvider } from '../config/config.js';
import { connectTo, sshTarget } from '../core/access/session.js';
import { agentArgv, agentStartScript } from '../core/agents/command.js';
import { resolveSource } from '../core/code/source.js';
import { createHost } from '../core/create/create.js';
import { dryRunCreate } from '../core/create/dry-run.js';
import { type CreateRequest, resolveBuildSource } from '../core/create/plan.js';
import { updateNames } from '../core/hosts/name-cache.js';
import { type EgressPolicy, parseEgress, withAgentEndpoints } from '../core/network/egress.js';
import { idleCheckIntervalSeconds } from '../core/model/idle.js';
import type { AgentType } from '../config/agent-types.js';
import type { Daemon } from '../docker/daemon.js';
import { MngError } from '../errors.js';
import { sshConfigPath } from '../ssh/config.js';
import type { CreateArgs, CreateArgv } from './create-args.js';
import { reuseHost } from './create-reuse.js';
import { agentJson, agentStateJson, agentWarning } from './format.js';
import { type Context, makeContext, sshTimeoutSeconds } from './setup.js';

/** The provider instance --in names, and its daemon. */
function providerOf(ctx: Context, args: CreateArgs): { provider: ProviderConfig; daemon: Daemon } {
  const provider = resolveProvider(ctx.config, args.provider);
  const daemon = ctx.daemons.get(provider.name);
  if (!daemon) throw new MngError(`provider '${provider.name}' has no daemon`);
  return { provider, daemon };
}

/** The provider's default_egress, checked in full (an error names the file and key). */
function defaultEgress(ctx: Context, provider: ProviderConfig): EgressPolicy {
  try {
    return parseEgress(provider.default_egress, 'default_egress');
  } catch (e) {
    throw new MngError(`${ctx.config.path}: [providers.${provider.name}] ${(e as Error).message}`);
  }
}

/**
 * A coding agent type (claude, codex, a configured one) named as AGENT: its program with its start script (resume,
 * unattended). Any other AGENT stays a program on the image's PATH.
 */
function typedAgent(ctx: Context, args: CreateArgs): CreateArgs & { agentType?: AgentType } {
  const { agent } = args;
  const agentType = agent.kind === 'program' ? ctx.core.agents?.types[agent.program] : undefined;
  if (!agentType || agent.kind !== 'program') return args;
  const [program, ...rest] = agentArgv(agentType, agent.args);
  return {
    ...args,
    agentType,
    agent: { kind: 'program', program, args: rest, script: agentStartScript(agentType, agent.args) },
  };
}

/** What the command line asks for → the request, with the files it names checked (I/O, no docker). */
export async function requestFor(ctx: Context, args: CreateArgs & { agentType?: AgentType }): Promise<CreateRequest> {
  const from = args.from && (await resolveSource(ctx.core, args.from.path, args.from));
  const build = args.dockerfile && (await resolveBuildSource(args.dockerfile.file, args.dockerfile.context));
  const { provider, daemon } = providerOf(ctx, args);
  return {
    name: args.name,
    provider,
    daemon,
    egress: withAgentEndpoints(args.egress ?? defaultEgress(ctx, provider), args.agentType?.name),
    agent: args.agent,
    build,
    buildArgs: args.buildArgs,
    startArgs: args.startArgs,
    tags: args.tags,
    sshTimeoutSeconds: sshTimeoutSeconds(),
    idleTimeout: args.idleTimeout,
    idleCheckInterval: idleCheckIntervalSeconds(),
    from,
    agentType: args.agentType,
    passEnv: args.passEnv,
  };
}

export async function runCreate(argv: CreateArgv, parsed: CreateArgs): Promise<void> {
  const ctx = await makeContext(argv, { interruptible: true });
  const args = typedAgent(ctx, parsed);
  const { provider, daemon } = providerOf(ctx, args);
  if (args.reuse && !args.dryRun && (await reuseHost(ctx, provider, daemon, args))) return;
  const request = await requestFor(ctx, args);
  if (args.dryRun) {
    for (const line of await dryRunCreate(ctx.core, request)) ctx.output.result(line);
    return;
  }
  const { host, agent } = await createHost(ctx.core, request);
  await updateNames(ctx.core.dataDir, ctx.core.prefix, { add: [args.name] });
  const warning = agentWarning(args.name, agent);
  if (warning) ctx.output.warn(warning);
  if (args.format === 'json') {
    ctx.output.result(JSON.stringify({ ...agentJson(host, ctx.core.dataDir), agent: agentStateJson(agent) }));
  } else {
    ctx.output.result(args.name);
    ctx.output.progress(
      `Agent '${args.name}' is ready: mng connect ${args.name}  (or: ssh -F ${sshConfigPath(ctx.core.dataDir)} ${host.alias})`,
    );
  }
  const connect = args.connect ?? (Boolean(process.stdin.isTTY && process.stdout.isTTY) && args.format !== 'json');
  if (connect) process.exitCode = await connectTo(ctx.core, sshTarget(host));
}
