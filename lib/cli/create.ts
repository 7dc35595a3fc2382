import type { Argv, ArgumentsCamelCase } from 'yargs';
import { type CreateArgv, parseCreateArgs } from './create-args.js';

export const command = 'create [name] [agent]';
export const describe = 'Create a host (a container with sshd) and start an agent in tmux inside it';

/** The options, in the order help shows them. */
const OPTIONS = {
  in: { type: 'string', default: 'docker', describe: 'provider instance ([providers.NAME] in the config)' },
  'agent-cmd': { type: 'string', describe: 'the agent as a whole shell command line (instead of AGENT)' },
  connect: {
    type: 'boolean',
    describe: 'attach to the agent when done (default: when on a terminal; --no-connect to not)',
  },
  format: { choices: ['human', 'json'] as const, default: 'human' as const, describe: 'output format' },
  count: {
    type: 'number',
    requiresArg: true,
    describe: 'make NAME-1..NAME-N in parallel, with the same options',
  },
  tag: {
    type: 'string',
    nargs: 1,
    describe: 'KEY=VALUE tag (repeatable); stored as a container label, fixed at creation',
  },
  dockerfile: {
    type: 'string',
    describe: "build the image from this Dockerfile (instead of the provider's default_image)",
  },
  'dockerfile-context': { type: 'string', describe: "build context folder (default: the Dockerfile's folder)" },
  'build-arg': {
    alias: 'b',
    type: 'string',
    nargs: 1,
    describe: 'docker build option, as is, repeatable (docker build --help)',
  },
  'start-arg': {
    alias: 's',
    type: 'string',
    nargs: 1,
    describe: 'docker run option, as is, repeatable (docker run --help)',
  },
  'idle-timeout': {
    type: 'string',
    describe:
      "stop the host after this long without activity: 90, 30s, 15m, 2h, 1h30m; 0 or disabled = never (default: the provider's default_idle_timeout)",
  },
  from: {
    type: 'string',
    describe:
      'copy this folder in before the agent starts; a git repository comes with its history and uncommitted changes',
  },
  'from-committed': {
    type: 'boolean',
    describe: 'with --from a repository: its HEAD only, without the uncommitted changes',
  },
  target: {
    type: 'string',
    describe:
      'where --from puts the files in the container; the agent, exec and connect start there (default /workspace)',
  },
  egress: {
    type: 'string',
    describe:
      "where the agent may connect: open, none, or allow=LIST of names (*.x for subdomains), IPs and CIDRs, each with an optional :PORT (default: the provider's default_egress)",
  },
  'pass-env': {
    type: 'string',
    nargs: 1,
    describe:
      'hand the variable KEY of your environment to the agent at every start, kept nowhere Docker records (repeatable)',
  },
  'dry-run': { type: 'boolean', describe: 'print the docker commands that would run, and run nothing' },
  reuse: {
    type: 'boolean',
    describe:
      'if NAME exists: print it (running) or start it (stopped); an error if it was made with another image, -s or tags',
  },
} as const;

export function builder(y: Argv): Argv<CreateArgv> {
  return y
    .positional('name', { type: 'string', describe: "agent name: letters, digits, '-', '_' (generated when omitted)" })
    .positional('agent', {
      type: 'string',
      describe:
        "claude, codex or an [agents.NAME] of the config (installed, signed in, unattended), else a program on the image's PATH (default: a shell); its arguments go after --",
    })
    .options(OPTIONS)
    .example('$0 create my-agent --in docker', 'a shell agent in a fresh container')
    .example('$0 create a --dockerfile Dockerfile -b --no-cache', 'build the image; one docker build token per -b')
    .example('$0 create a -s --cpus=2 -s -v=/src:/data', 'one docker run token per -s')
    .example('$0 create fix-42 claude --from .', 'Claude Code on the repository here, signed in, in /workspace')
    .example('$0 create a --pass-env GITHUB_TOKEN', 'the agent gets $GITHUB_TOKEN at every start')
    .example('$0 create my-agent claude -- --model opus', 'run a program with arguments')
    .example('$0 create a --egress allow=github.com,*.npmjs.org', "only these hosts, through mng's filter")
    .example(
      '$0 create a --idle-timeout 15m',
      'stop the host after 15 minutes without activity',
    ) as unknown as Argv<CreateArgv>;
}

/** Parse (pure; usage errors before anything runs) → the one lazy boundary → plan, run and print (cli/create-run.ts). */
export async function handler(argv: ArgumentsCamelCase<CreateArgv>): Promise<void> {
  const args = parseCreateArgs(argv);
  if (argv.count !== undefined) {
    const { runCreateCount } = await import('./create-count.js');
    return runCreateCount(argv, args, argv.count);
  }
  const { runCreate } = await import('./create-run.js');
  await runCreate(argv, args);
}
