import type { ArgumentsCamelCase } from 'yargs';
import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS } from '../../lib/config/config.js';
import { type CreateArgs, type CreateArgv, parseCreateArgs } from '../../lib/cli/create-args.js';
import { parser } from '../../lib/cli/main.js';
import { planCreate } from '../../lib/core/create/plan.js';
import { chooseDaemon } from '../../lib/docker/daemon.js';
import { UsageError } from '../../lib/errors.js';

// `mng create`'s command line → what it asks for (parseCreateArgs, pure) → the docker commands it would run
// (planCreate, pure): "what would run", without docker and without running the command.

/** Thrown from a middleware: yargs has parsed the command line, no handler has run. */
class Parsed extends Error {
  constructor(readonly argv: ArgumentsCamelCase) {
    super('parsed');
  }
}

/** mng's real parser on `mng create ARGS...`, stopped before the handler; then parseCreateArgs. */
async function asks(args: string[]): Promise<CreateArgs> {
  try {
    await parser(['create', ...args])
      .middleware((argv) => {
        throw new Parsed(argv as ArgumentsCamelCase);
      })
      .parseAsync();
  } catch (e) {
    if (e instanceof Parsed) return parseCreateArgs(e.argv as unknown as CreateArgv);
    throw e;
  }
  throw new Error('parsing finished without reaching the middleware');
}

/** The `docker run` a create with ARGS would run on the default provider (key and id fixed). */
async function dockerRun(args: string[], defaultStartArgs: string[] = []): Promise<string[]> {
  const a = await asks(args);
  const provider = { name: 'docker', ...PROVIDER_DEFAULTS, default_start_args: defaultStartArgs };
  const { name, agent, tags, startArgs, buildArgs, idleTimeout } = a;
  const plan = planCreate(
    'mng-',
    {
      name,
      agent,
      tags,
      startArgs,
      buildArgs,
      idleTimeout,
      provider,
      daemon: chooseDaemon(provider, {}),
      sshTimeoutSeconds: 60,
    },
    '0123456789abcdef',
    '2025-01-01T00:00:00.000Z',
  );
  return plan.launch('IMAGE', 'ssh-ed25519 KEY').run;
}

describe('what a create command line asks for', () => {
  it('a name alone: a shell agent on the default provider, connecting when on a terminal', async () => {
    expect(await asks(['x'])).toEqual({
      name: 'x',
      provider: 'docker',
      agent: { kind: 'shell' },
      agentGiven: false,
      tags: {},
      startArgs: [],
      buildArgs: [],
      idleTimeout: undefined,
      reuse: false,
      dryRun: false,
      format: 'human',
      connect: undefined,
      passEnv: [],
    });
  });

  it('--pass-env names variables of the environment, each once; anything else is a usage error', async () => {
    expect(
      (await asks(['x', '--pass-env', 'GITHUB_TOKEN', '--pass-env', 'A_1', '--pass-env', 'GITHUB_TOKEN'])).passEnv,
    ).toEqual(['GITHUB_TOKEN', 'A_1']);
    await expect(asks(['x', '--pass-env', 'K=V'])).rejects.toThrow(UsageError);
  });

  it('AGENT with its arguments after --, or a whole command line with --agent-cmd', async () => {
    expect((await asks(['x', 'claude', '--', '--model', 'opus'])).agent).toEqual({
      kind: 'program',
      program: 'claude',
      args: ['--model', 'opus'],
    });
    expect(await asks(['x', '--agent-cmd', 'make watch'])).toMatchObject({
      agent: { kind: 'command', command: 'make watch' },
      agentGiven: true,
    });
  });

  it('tags, -s and -b values in order, the idle timeout, --in, --from, the switches', async () => {
    const a = await asks([
      'x',
      '--in',
      'far',
      '--tag',
      'env=test',
      '--tag',
      'team=infra',
      '-s',
      '--cpus=2',
      '-s=-p=8080:80',
      '--dockerfile',
      'Dockerfile',
      '-b',
      '--no-cache',
      '--idle-timeout',
      '15m',
      '--from',
      '.',
      '--from-committed',
      '--target',
      '/src',
      '--reuse',
      '--dry-run',
      '--no-connect',
      '--format',
      'json',
    ]);
    expect(a).toMatchObject({
      provider: 'far',
      tags: { env: 'test', team: 'infra' },
      startArgs: ['--cpus=2', '-p=8080:80'],
      buildArgs: ['--no-cache'],
      dockerfile: { file: 'Dockerfile' },
      idleTimeout: 900,
      from: { path: '.', committed: true, target: '/src' },
      reuse: true,
      dryRun: true,
      connect: false,
      format: 'json',
    });
  });

  it('a generated name when none is given', async () => {
    expect((await asks([])).name).toMatch(/^agent-[0-9a-f]{6}$/);
  });
});

describe('usage errors, before anything is read or made', () => {
  it.each([
    [['x', 'prog', '--agent-cmd', 'ls'], 'give the agent either as AGENT or with --agent-cmd, not both'],
    [['x', '--', 'a'], 'arguments after -- are for AGENT, but no AGENT was given'],
    [['x', '--agent-cmd', ' '], '--agent-cmd must not be empty'],
    [['x', '--dockerfile-context', '.'], '--dockerfile-context needs --dockerfile'],
    [['x', '--idle-timeout', 'soon'], /^--idle-timeout "soon": expected seconds or a duration/],
    [['x', '-s', '--cpus 2'], /^-s "--cpus 2": each -s value is one docker token/],
    [['x', '-b', '--build-arg A=b'], /^-b "--build-arg A=b": each -b value is one docker token/],
    [['--reuse'], '--reuse needs a NAME'],
    [['x', '--from-committed'], '--from-committed needs --from'],
    [['x', '--target', '/src'], '--target needs --from'],
    [['x', '--tag', 'novalue'], /tag/],
    [['../x'], /^invalid agent name "\.\.\/x"/],
  ])('%j', async (args, message) => {
    const e = await asks(args).catch((err) => err);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  });
});

describe('what would run', () => {
  it("mng's own flags, then default_start_args, then the -s values, verbatim and in order, then the image", async () => {
    const run = await dockerRun(['x', '-s', '--cpus=2', '-s', '-e', '-s', 'FOO=bar'], ['--memory=4g']);
    expect(run.slice(0, 4)).toEqual(['run', '--detach', '--name', 'mng-x']);
    const entry = run.indexOf('--entrypoint');
    expect(run.slice(entry - 4, entry)).toEqual(['--memory=4g', '--cpus=2', '-e', 'FOO=bar']);
    expect(run.slice(entry, entry + 3)).toEqual(['--entrypoint', '/bin/sh', 'IMAGE']);
  });

  it("the tags and the agent go into labels; the agent and this machine's key into the init's arguments", async () => {
    const run = await dockerRun(['x', 'claude', '--tag', 'env=test', '--', '--model', 'opus']);
    expect(run).toContain('mng.tags={"env":"test"}');
    expect(run).toContain('mng.agent-command=claude --model opus');
    expect(run[run.indexOf('/mng/init') + 2]).toMatch(/^[0-9a-f]{16}$/);
    expect(run.slice(run.indexOf('/mng/init') + 1)).toEqual([
      '--host-id',
      run[run.indexOf('/mng/init') + 2],
      '--authorized-key',
      'ssh-ed25519 KEY',
      '--agent-bin',
      'claude',
      '--agent-cmd',
      'exec claude --model opus',
      '--agent-user',
      'agent',
    ]);
  });

  it('a -s value that would break the host is refused (exit 2) by the plan', async () => {
    await expect(dockerRun(['x', '-s', '--rm'])).rejects.toThrow(UsageError);
  });
});
