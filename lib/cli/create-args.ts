// `mng create`'s command line → what to create, checked: every usage error (exit 2) before anything is read or made.
// Pure: unit-tested as "this command line asks for this" (test/unit/create-args.test.ts).

import { checkPassEnv } from '../core/agents/secret-args.js';
import type { AgentSpec } from '../core/container/agent.js';
import { checkSpacedOptions } from '../core/create/spaced-args.js';
import { parseIdleTimeoutOption } from '../core/model/idle.js';
import { generateName, validateName } from '../core/model/naming.js';
import { parseTags } from '../core/model/tags.js';
import { type EgressPolicy, parseEgress } from '../core/network/egress.js';
import { UsageError } from '../errors.js';
import { tokens } from './options.js';
import type { GlobalArgs } from './setup.js';

/** The command line as yargs hands it over (camelCase keys; see the builder in cli/create.ts). */
export interface CreateArgv extends GlobalArgs {
  name?: string;
  agent?: string;
  in: string;
  agentCmd?: string;
  connect?: boolean;
  format: 'human' | 'json';
  tag?: string | string[];
  buildArg?: string | string[];
  startArg?: string | string[];
  dockerfile?: string;
  dockerfileContext?: string;
  dryRun?: boolean;
  idleTimeout?: string;
  reuse?: boolean;
  count?: number;
  from?: string;
  fromCommitted?: boolean;
  egress?: string;
  target?: string;
  passEnv?: string | string[];
  '--'?: (string | number)[];
}

/** What the command line asks for. */
export interface CreateArgs {
  name: string;
  /** the provider instance (--in) */
  provider: string;
  agent: AgentSpec;
  /** the user named the agent (AGENT or --agent-cmd): --reuse compares it */
  agentGiven: boolean;
  tags: Record<string, string>;
  /** -s values, verbatim */
  startArgs: string[];
  /** -b values, verbatim */
  buildArgs: string[];
  dockerfile?: { file: string; context?: string };
  /** seconds (0 = never); the provider's default when absent */
  idleTimeout?: number;
  from?: { path: string; committed: boolean; target?: string };
  reuse: boolean;
  dryRun: boolean;
  format: 'human' | 'json';
  /** --connect / --no-connect; absent: connect when on a terminal */
  connect?: boolean;
  /** --egress, checked; absent: the provider's default_egress */
  egress?: EgressPolicy;
  /** --pass-env: names of the user's variables handed to the agent at every start */
  passEnv: string[];
}

/** The agent the command line names: a program with arguments, a whole command line, or a shell. */
function agentOf(argv: CreateArgv): AgentSpec {
  const rest = (argv['--'] ?? []).map(String);
  if (argv.agentCmd !== undefined && argv.agent !== undefined) {
    throw new UsageError('give the agent either as AGENT or with --agent-cmd, not both');
  }
  if (rest.length > 0 && argv.agent === undefined) {
    throw new UsageError('arguments after -- are for AGENT, but no AGENT was given');
  }
  if (argv.agentCmd !== undefined) return { kind: 'command', command: argv.agentCmd };
  return argv.agent !== undefined ? { kind: 'program', program: argv.agent, args: rest } : { kind: 'shell' };
}

/** --reuse and --from's companions, which only make sense with them. */
function checkCompanions(argv: CreateArgv): void {
  if (argv.reuse && argv.name === undefined) throw new UsageError('--reuse needs a NAME');
  if ((argv.fromCommitted || argv.target !== undefined) && argv.from === undefined) {
    throw new UsageError(`${argv.fromCommitted ? '--from-committed' : '--target'} needs --from`);
  }
}

/** The command line → what to create; a usage error for anything wrong with it. */
export function parseCreateArgs(argv: CreateArgv): CreateArgs {
  const agent = agentOf(argv);
  const tags = parseTags(tokens(argv.tag));
  const name = validateName(argv.name ?? generateName());
  if (agent.kind === 'command' && agent.command.trim() === '') throw new UsageError('--agent-cmd must not be empty');
  const startArgs = tokens(argv.startArg);
  const buildArgs = tokens(argv.buildArg);
  if (argv.dockerfileContext !== undefined && argv.dockerfile === undefined) {
    throw new UsageError('--dockerfile-context needs --dockerfile');
  }
  const idleTimeout = parseIdleTimeoutOption(argv.idleTimeout);
  const egress = argv.egress === undefined ? undefined : parseEgress(argv.egress);
  const passEnv = checkPassEnv(tokens(argv.passEnv));
  checkSpacedOptions('-s', startArgs);
  checkSpacedOptions('-b', buildArgs);
  checkCompanions(argv);
  return {
    name,
    provider: argv.in,
    agent,
    agentGiven: argv.agent !== undefined || argv.agentCmd !== undefined,
    tags,
    startArgs,
    buildArgs,
    ...(argv.dockerfile === undefined
      ? {}
      : { dockerfile: { file: argv.dockerfile, context: argv.dockerfileContext } }),
    idleTimeout,
    ...(argv.from === undefined
      ? {}
      : { from: { path: argv.from, committed: Boolean(argv.fromCommitted), target: argv.target } }),
    reuse: Boolean(argv.reuse),
    dryRun: Boolean(argv.dryRun),
    format: argv.format,
    connect: argv.connect,
    ...(egress ? { egress } : {}),
    passEnv,
  };
}
