import type { ArgumentsCamelCase } from 'yargs';
import { describe, expect, it } from 'vitest';
import { parser } from '../../lib/cli/main.js';
import { MngError, UsageError } from '../../lib/errors.js';

/** Thrown from a middleware: yargs has parsed and validated the command line, no handler has run. */
class Parsed extends Error {
  constructor(readonly argv: ArgumentsCamelCase) {
    super('parsed');
  }
}

/** Parse with mng's real parser, stopping before any command handler runs. */
async function parse(args: string[]): Promise<ArgumentsCamelCase> {
  try {
    await parser(args)
      .middleware((argv) => {
        throw new Parsed(argv as ArgumentsCamelCase);
      })
      .parseAsync();
  } catch (e) {
    if (e instanceof Parsed) return e.argv;
    throw e;
  }
  throw new Error('parsing finished without reaching the middleware');
}

/** What mng's own parser (with its handlers) rejects this command line with. */
async function rejection(args: string[]): Promise<MngError> {
  try {
    await parser(args).parseAsync();
  } catch (e) {
    expect(e).toBeInstanceOf(MngError);
    return e as MngError;
  }
  throw new Error(`expected ${JSON.stringify(args)} to fail`);
}

describe('usage errors (exit code 2)', () => {
  it.each([
    [['bogus'], /Unknown argument: bogus/],
    [['list', '--bogus'], /Unknown argument: bogus/],
    [['list', '--format', 'yaml'], /Invalid values:[\s\S]*format[\s\S]*yaml/],
    [['create', 'x', '--format', 'jsonl'], /Invalid values:[\s\S]*jsonl/],
    [['exec'], /no command given/],
    [['connect'], /Not enough non-option arguments/],
    [['destroy'], /refusing to destroy the selected agents without confirmation/],
    [['destroy', '--force'], /name the agents: NAME\.\.\., --tag KEY=VALUE, or '-'/],
    [['wait', 'a', '--until', 'sleeping'], /unknown state 'sleeping'/],
    [['wait', 'a', 'b'], /waiting for several agents needs --until/],
    [['create', 'x', '--count', '0'], /--count wants a whole number from 1 to 100, got "0"/],
    [['create', '--count', '2'], /--count needs a NAME/],
    [['list', '--watch', '--format', 'json'], /--watch shows the table/],
    [['list', 'extra'], /Unknown argument: extra/],
    [['create', '-x'], /Unknown argument: x/],
    [[], /a command is required/],
  ])('%j', async (args, message) => {
    const e = await rejection(args);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(message);
  });

  it.each([
    [['create', '../x'], 'invalid agent name "../x": it must start with a letter or digit'],
    [['create', 'a b'], "invalid agent name \"a b\": use only letters, digits, '-' and '_'"],
    [['create', 'a'.repeat(64)], `invalid agent name "${'a'.repeat(64)}": it is 64 characters long (at most 63)`],
    [['create', 'x', 'prog', '--agent-cmd', 'ls'], 'give the agent either as AGENT or with --agent-cmd, not both'],
    [['create', 'x', '--', 'a', '--b'], 'arguments after -- are for AGENT, but no AGENT was given'],
    [['create', 'x', '--agent-cmd', '  '], '--agent-cmd must not be empty'],
    [['exec', 'x'], 'no command given: mng exec NAME... -- CMD [ARGS...]'],
  ])('handler rejects %j before touching docker', async (args, message) => {
    const e = await rejection(args);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(message);
  });

  it('destroy without --force on a non-terminal stdin refuses, suggesting --force', async () => {
    // stdin is not a terminal here, whatever runs the tests
    const isTTY = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    try {
      const e = await rejection(['destroy', 'a', 'b', 'a']);
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toBe('refusing to destroy a, b without confirmation: stdin is not a terminal');
      expect(e.hint).toBe('pass --force');
    } finally {
      if (isTTY) Object.defineProperty(process.stdin, 'isTTY', isTTY);
      else delete (process.stdin as { isTTY?: boolean }).isTTY;
    }
  });
});

describe('parsing (no handler runs)', () => {
  it('create: name, agent and everything after -- for the agent, flags included', async () => {
    const argv = await parse(['create', 'my-agent', 'claude', '--', '--model', 'opus', '-v']);
    expect(argv._).toEqual(['create']);
    expect(argv.name).toBe('my-agent');
    expect(argv.agent).toBe('claude');
    expect(argv['--']).toEqual(['--model', 'opus', '-v']);
    expect(argv.verbose).toBeUndefined();
  });

  it('create: defaults', async () => {
    const argv = await parse(['create']);
    expect(argv.name).toBeUndefined();
    expect(argv.agent).toBeUndefined();
    expect(argv.in).toBe('docker');
    expect(argv.format).toBe('human');
    expect(argv.connect).toBeUndefined();
  });

  it('create: --in, --agent-cmd, --format json, --no-connect', async () => {
    const argv = await parse([
      'create',
      'x',
      '--in',
      'remote',
      '--agent-cmd',
      'npm start; bash',
      '--format',
      'json',
      '--no-connect',
    ]);
    expect(argv).toMatchObject({
      name: 'x',
      in: 'remote',
      agentCmd: 'npm start; bash',
      format: 'json',
      connect: false,
    });
  });

  it('global -v and -q anywhere', async () => {
    expect(await parse(['-v', 'list'])).toMatchObject({ verbose: true });
    expect(await parse(['list', '-q'])).toMatchObject({ quiet: true });
    expect(await parse(['list', '--verbose', '--quiet'])).toMatchObject({ verbose: true, quiet: true });
  });

  it('list / ls with --format and --provider', async () => {
    expect(await parse(['ls', '--format', 'jsonl', '--provider', 'remote'])).toMatchObject({
      _: ['ls'],
      format: 'jsonl',
      provider: 'remote',
    });
    expect(await parse(['list'])).toMatchObject({ format: 'human' });
  });

  it('exec: the command after -- is kept verbatim', async () => {
    const argv = await parse(['exec', 'x', '--provider', 'p', '--', 'sh', '-c', 'echo $HOME; exit 3', '--help']);
    expect(argv).toMatchObject({ names: ['x'], provider: 'p' });
    expect(argv['--']).toEqual(['sh', '-c', 'echo $HOME; exit 3', '--help']);
  });

  it('destroy / rm take several names and -f', async () => {
    expect(await parse(['rm', 'a', 'b', '-f'])).toMatchObject({ names: ['a', 'b'], force: true });
    expect(await parse(['destroy', 'a'])).toMatchObject({ names: ['a'] });
  });

  it('connect takes a name', async () => {
    expect(await parse(['connect', 'alpha'])).toMatchObject({ _: ['connect'], name: 'alpha' });
  });
});
