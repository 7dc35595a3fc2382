import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UsageError } from '../errors.js';
import type { CreateRequest } from '../core/create/create.js';
import type { GlobalArgs } from './setup.js';
import { tokens } from './options.js';

interface CreateArgs extends GlobalArgs {
  name?: string;
  agent?: string;
  in: string;
  'agent-cmd'?: string;
  connect?: boolean;
  format: 'human' | 'json';
  tag?: string | string[];
  'build-arg'?: string | string[];
  'start-arg'?: string | string[];
  dockerfile?: string;
  'dockerfile-context'?: string;
  'dry-run'?: boolean;
  'idle-timeout'?: string;
  reuse?: boolean;
  from?: string;
  'from-committed'?: boolean;
  target?: string;
  '--'?: (string | number)[];
}

export const command = 'create [name] [agent]';
export const describe = 'Create a host (a container with sshd) and start an agent in tmux inside it';

export function builder(y: Argv): Argv<CreateArgs> {
  return y
    .positional('name', { type: 'string', describe: "agent name: letters, digits, '-', '_' (generated when omitted)" })
    .positional('agent', {
      type: 'string',
      describe: "program on the image's PATH to run as the agent (default: a shell); its arguments go after --",
    })
    .option('in', { type: 'string', default: 'docker', describe: 'provider instance ([providers.NAME] in the config)' })
    .option('agent-cmd', { type: 'string', describe: 'the agent as a whole shell command line (instead of AGENT)' })
    .option('connect', {
      type: 'boolean',
      describe: 'attach to the agent when done (default: when on a terminal; --no-connect to not)',
    })
    .option('format', { choices: ['human', 'json'] as const, default: 'human' as const, describe: 'output format' })
    .option('tag', {
      type: 'string',
      nargs: 1,
      describe: 'KEY=VALUE tag (repeatable); stored as a container label, fixed at creation',
    })
    .option('dockerfile', {
      type: 'string',
      describe: "build the image from this Dockerfile (instead of the provider's default_image)",
    })
    .option('dockerfile-context', {
      type: 'string',
      describe: "build context folder (default: the Dockerfile's folder)",
    })
    .option('build-arg', {
      alias: 'b',
      type: 'string',
      nargs: 1,
      describe: 'docker build option, as is, repeatable (docker build --help)',
    })
    .option('start-arg', {
      alias: 's',
      type: 'string',
      nargs: 1,
      describe: 'docker run option, as is, repeatable (docker run --help)',
    })
    .option('idle-timeout', {
      type: 'string',
      describe:
        "stop the host after this long without activity: 90, 30s, 15m, 2h, 1h30m; 0 or disabled = never (default: the provider's default_idle_timeout)",
    })
    .option('from', {
      type: 'string',
      describe:
        'copy this folder in before the agent starts; a git repository comes with its history and uncommitted changes',
    })
    .option('from-committed', {
      type: 'boolean',
      describe: 'with --from a repository: its HEAD only, without the uncommitted changes',
    })
    .option('target', {
      type: 'string',
      describe:
        'where --from puts the files in the container; the agent, exec and connect start there (default /workspace)',
    })
    .option('dry-run', { type: 'boolean', describe: 'print the docker commands that would run, and run nothing' })
    .option('reuse', {
      type: 'boolean',
      describe:
        'if NAME exists: print it (running) or start it (stopped); an error if it was made with another image, -s or tags',
    })
    .example('$0 create my-agent --in docker', 'a shell agent in a fresh container')
    .example('$0 create a --dockerfile Dockerfile -b --no-cache', 'build the image; one docker build token per -b')
    .example('$0 create a -s --cpus=2 -s -v=/src:/data', 'one docker run token per -s')
    .example('$0 create fix-42 claude --from .', 'the repository here, with its uncommitted changes, in /workspace')
    .example('$0 create my-agent claude -- --model opus', 'run a program with arguments')
    .example(
      '$0 create a --idle-timeout 15m',
      'stop the host after 15 minutes without activity',
    ) as unknown as Argv<CreateArgs>;
}

export async function handler(argv: ArgumentsCamelCase<CreateArgs>): Promise<void> {
  const { makeContext, sshTimeoutSeconds } = await import('./setup.js');
  const { validateName, generateName } = await import('../core/model/naming.js');
  const { resolveProvider } = await import('../config/config.js');
  const { createHost, resolveBuildSource } = await import('../core/create/create.js');
  const { agentJson, agentStateJson, agentWarning } = await import('./format.js');
  const { sshConfigPath } = await import('../ssh/config.js');

  const rest = (argv['--'] ?? []).map(String);
  if (argv.agentCmd !== undefined && argv.agent !== undefined) {
    throw new UsageError('give the agent either as AGENT or with --agent-cmd, not both');
  }
  if (rest.length > 0 && argv.agent === undefined) {
    throw new UsageError('arguments after -- are for AGENT, but no AGENT was given');
  }
  const { parseTags } = await import('../core/model/tags.js');
  const tags = parseTags(tokens(argv.tag));
  const name = validateName(argv.name ?? generateName());
  const agent =
    argv.agentCmd !== undefined
      ? { kind: 'command' as const, command: argv.agentCmd }
      : argv.agent !== undefined
        ? { kind: 'program' as const, program: argv.agent, args: rest }
        : { kind: 'shell' as const };
  if (agent.kind === 'command' && agent.command.trim() === '') throw new UsageError('--agent-cmd must not be empty');

  if (argv.dockerfileContext !== undefined && argv.dockerfile === undefined) {
    throw new UsageError('--dockerfile-context needs --dockerfile');
  }

  const { parseIdleTimeoutOption, idleCheckIntervalSeconds } = await import('../core/model/idle.js');
  const idleTimeout = parseIdleTimeoutOption(argv.idleTimeout);
  const { checkSpacedOptions } = await import('../core/create/spaced-args.js');
  checkSpacedOptions('-s', tokens(argv.startArg));
  checkSpacedOptions('-b', tokens(argv.buildArg));
  if (argv.reuse && argv.name === undefined) throw new UsageError('--reuse needs a NAME');

  if ((argv.fromCommitted || argv.target !== undefined) && argv.from === undefined) {
    throw new UsageError(`${argv.fromCommitted ? '--from-committed' : '--target'} needs --from`);
  }
  const ctx = await makeContext(argv, { interruptible: true });
  const provider = resolveProvider(ctx.config, argv.in);
  if (argv.reuse && !argv.dryRun) {
    const { reuseHost } = await import('./create-reuse.js');
    if (await reuseHost(ctx, provider, name, agent, argv)) return;
  }
  const from =
    argv.from === undefined
      ? undefined
      : await (await import('../core/code/source.js')).resolveSource(ctx.core, argv.from, {
          committed: argv.fromCommitted,
          target: argv.target,
        });
  const request: CreateRequest = {
    name,
    provider,
    agent,
    build:
      argv.dockerfile === undefined ? undefined : await resolveBuildSource(argv.dockerfile, argv.dockerfileContext),
    buildArgs: tokens(argv.buildArg),
    startArgs: tokens(argv.startArg),
    tags,
    sshTimeoutSeconds: sshTimeoutSeconds(),
    idleTimeout,
    idleCheckInterval: idleCheckIntervalSeconds(),
    from,
  };
  if (argv.dryRun) {
    const { dryRunCreate } = await import('../core/create/dry-run.js');
    for (const line of await dryRunCreate(ctx.core, request)) ctx.output.result(line);
    return;
  }
  const result = await createHost(ctx.core, request);
  await (await import('../core/hosts/name-cache.js')).updateNames(ctx.core.dataDir, ctx.core.prefix, { add: [name] });
  const warning = agentWarning(name, result.agent);
  if (warning) ctx.output.warn(warning);
  if (argv.format === 'json') {
    ctx.output.result(
      JSON.stringify({ ...agentJson(result.host, ctx.core.dataDir), agent: agentStateJson(result.agent) }),
    );
  } else {
    ctx.output.result(name);
    ctx.output.progress(
      `Agent '${name}' is ready: mng connect ${name}  (or: ssh -F ${sshConfigPath(ctx.core.dataDir)} ${result.host.containerName})`,
    );
  }
  const connect = argv.connect ?? (Boolean(process.stdin.isTTY && process.stdout.isTTY) && argv.format !== 'json');
  if (connect) {
    const { connectToHost } = await import('../core/access/session.js');
    process.exitCode = await connectToHost(ctx.core, provider, result.host);
  }
}
