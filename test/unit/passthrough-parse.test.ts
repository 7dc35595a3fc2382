import { describe, expect, it } from 'vitest';
import { tokens } from '../../lib/cli/options.js';
import { parser } from '../../lib/cli/main.js';

/** The arguments exactly as the real parser hands them to create's handler, which never runs: a middleware stops it. */
class Parsed extends Error {
  constructor(readonly argv: Record<string, unknown>) {
    super('parsed');
  }
}

async function parsed(args: string[]): Promise<Record<string, unknown>> {
  try {
    await parser(args)
      .middleware((argv) => {
        throw new Parsed(argv);
      })
      .parseAsync();
  } catch (e) {
    if (e instanceof Parsed) return e.argv;
    throw e;
  }
  throw new Error('the handler was reached');
}

async function parse(args: string[]) {
  const argv = await parsed(args);
  return {
    b: tokens(argv.buildArg as string[] | string | undefined),
    s: tokens(argv.startArg as string[] | string | undefined),
    rest: ((argv['--'] as unknown[]) ?? []).map(String),
    argv,
  };
}

describe('mng create: -b and -s take exactly one token each, verbatim, in order', () => {
  it.each([
    [['-b', '--no-cache'], ['--no-cache'], []],
    [['-b=--no-cache'], ['--no-cache'], []],
    [['--build-arg', '--no-cache'], ['--no-cache'], []],
    [['--build-arg=--no-cache'], ['--no-cache'], []],
    [['-b', '--build-arg=A=b'], ['--build-arg=A=b'], []],
    [['-b', '--build-arg', '-b', 'A=b'], ['--build-arg', 'A=b'], []],
    [['-s', '--cpus=2', '-s', '-p=8080:80'], [], ['--cpus=2', '-p=8080:80']],
    [['-s=--cpus=2', '-b=--no-cache'], ['--no-cache'], ['--cpus=2']],
    [
      ['--start-arg', '--memory=16g', '-s', '-v=/host/data:/container/data'],
      [],
      ['--memory=16g', '-v=/host/data:/container/data'],
    ],
    [['-s', '--network', '-s', 'my-network'], [], ['--network', 'my-network']],
    [['-s', '--name', '-s', 'foo'], [], ['--name', 'foo']],
    // values that look like mng's own options stay docker's
    [['-s', '-v', '-s', '/src:/dst'], [], ['-v', '/src:/dst']],
    [['-s', '-h=myhost', '-s', '-q'], [], ['-h=myhost', '-q']],
    [['-s', '--help'], [], ['--help']],
    [['-s', '--format={{json .}}', '-b', '--no-connect'], ['--no-connect'], ['--format={{json .}}']],
    [['-s', '-e=FOO=bar', '-s', '2'], [], ['-e=FOO=bar', '2']],
  ])('%j', async (args, b, s) => {
    const r = await parse(['create', 'n', ...args]);
    expect(r.b).toEqual(b);
    expect(r.s).toEqual(s);
    // mng's own options are untouched by values that look like them
    expect(r.argv.verbose).toBeFalsy();
    expect(r.argv.format).toBe('human');
    expect(r.argv.connect).toBeUndefined();
  });

  it('keeps the order when -b and -s interleave with mng options', async () => {
    const r = await parse([
      'create',
      'n',
      '-s',
      '--cpus=1',
      '--dockerfile',
      'D',
      '-b',
      '--no-cache',
      '-s',
      '--memory=256m',
      '--no-connect',
      '-b',
      '--target=dev',
    ]);
    expect(r.s).toEqual(['--cpus=1', '--memory=256m']);
    expect(r.b).toEqual(['--no-cache', '--target=dev']);
    expect(r.argv.dockerfile).toBe('D');
    expect(r.argv.connect).toBe(false);
  });

  it('leaves the agent arguments after -- alone', async () => {
    const r = await parse(['create', 'n', 'sh', '-s', '-e=FOO=bar', '--', '-c', 'echo $FOO', '-s', 'x']);
    expect(r.s).toEqual(['-e=FOO=bar']);
    expect(r.argv.agent).toBe('sh');
    expect(r.rest).toEqual(['-c', 'echo $FOO', '-s', 'x']);
  });

  it('gives empty lists when neither is used', async () => {
    const r = await parse(['create', 'n']);
    expect(r.b).toEqual([]);
    expect(r.s).toEqual([]);
    expect(r.argv.dryRun).toBeUndefined();
  });

  it('reads --dockerfile, --dockerfile-context and --dry-run', async () => {
    const r = await parse([
      'create',
      'n',
      '--dockerfile',
      './docker/Dockerfile',
      '--dockerfile-context',
      '.',
      '--dry-run',
    ]);
    expect(r.argv.dockerfile).toBe('./docker/Dockerfile');
    expect(r.argv.dockerfileContext).toBe('.');
    expect(r.argv.dryRun).toBe(true);
  });

  it('refuses -b or -s without a value', async () => {
    await expect(parsed(['create', 'n', '-s'])).rejects.toThrow(/Not enough arguments following: s/);
    await expect(parsed(['create', 'n', '-b'])).rejects.toThrow(/Not enough arguments following: b/);
  });
});
