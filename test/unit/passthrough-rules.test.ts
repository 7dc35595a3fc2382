import { describe, expect, it } from 'vitest';
import {
  bindMountSources,
  checkBuildArgs,
  checkStartArgs,
  publishesSshPort,
} from '../../lib/core/create/passthrough.js';
import { BUILD_OPTIONS, RUN_OPTIONS } from '../../lib/docker/option-tables.js';
import { scanOptions } from '../../lib/docker/options.js';

describe('scanOptions reads tokens as docker does', () => {
  it('long options with = or with the next token, and booleans', () => {
    const r = scanOptions(['--cpus=2', '--network', 'my-net', '--rm', '--init=false', '--env', '-x'], RUN_OPTIONS);
    expect(r.options.map((o) => [o.name, o.value])).toEqual([
      ['cpus', '2'],
      ['network', 'my-net'],
      ['rm', undefined],
      ['init', 'false'],
      ['env', '-x'],
    ]);
    expect(r.positionals).toEqual([]);
  });

  it('short options: -e VALUE, -eVALUE, -e=VALUE, grouped booleans, a group ending in a value', () => {
    const r = scanOptions(['-e', 'A=1', '-eB=2', '-e=C=3', '-it', '-itp8080:80', '-dP'], RUN_OPTIONS);
    expect(r.options.map((o) => [o.name, o.value])).toEqual([
      ['env', 'A=1'],
      ['env', 'B=2'],
      ['env', 'C=3'],
      ['interactive', undefined],
      ['tty', undefined],
      ['interactive', undefined],
      ['tty', undefined],
      ['publish', '8080:80'],
      ['detach', undefined],
      ['publish-all', undefined],
    ]);
  });

  it('words that are no option or value are positionals; an unknown option may take the next word', () => {
    const r = scanOptions(['alpine', '--cpus', '1', '--', '--future-opt', 'val', '--no-such-bool'], RUN_OPTIONS);
    expect(r.positionals.map((p) => p.token)).toEqual(['alpine', '--']);
    expect(r.options.map((o) => [o.name, o.value, o.known])).toEqual([
      ['cpus', '1', true],
      ['future-opt', 'val', false],
      ['no-such-bool', undefined, false],
    ]);
  });

  it('build options', () => {
    const r = scanOptions(['--no-cache', '--build-arg', 'A=b', '-t', 'x:y', '--target=dev', 'ctx'], BUILD_OPTIONS);
    expect(r.options.map((o) => [o.name, o.value])).toEqual([
      ['no-cache', undefined],
      ['build-arg', 'A=b'],
      ['tag', 'x:y'],
      ['target', 'dev'],
    ]);
    expect(r.positionals.map((p) => p.token)).toEqual(['ctx']);
  });
});

describe('checkStartArgs: the -s values that would break the host are refused', () => {
  const refused = (args: string[]) => checkStartArgs(args);

  it.each([
    // the command lines of the issue pass
    [['--cpus=4', '--memory=16g']],
    [['--gpus=all']],
    [['-v=/host/data:/container/data']],
    [['--network=my-network']],
    [['--network', 'my-network']],
    [['-p=8080:80']],
    [['-p', '127.0.0.1::80']],
    [['--cpus=2']],
    [['-e=FOO=bar', '-e', 'X=--name']],
    [['-e', 'MY_MNG_IDLE=1']],
    // harmless repeats of mng's own flags and neighbours of the refused ones
    [['--init']],
    [['--init=true']],
    [['--rm=false']],
    [['-P']],
    [['-p', '2222:2222']],
    [['-p', '22/udp']],
    [['-p', '8022:80']],
    [['--label', 'team=infra', '-l=x.mng.y=1']],
    [['-it']],
    [['--future-opt', 'value']],
    [[]],
  ])('allows %j', (args) => {
    expect(refused(args)).toBeUndefined();
  });

  it.each([
    [['--name=x'], '--name=x', /NAME argument/],
    [['--name', 'x'], '--name x', /NAME argument/],
    [['--cpus=1', '--name', 'x'], '--name x', /NAME argument/],
    [['--entrypoint=/bin/bash'], '--entrypoint=/bin/bash', /AGENT or --agent-cmd/],
    [['--entrypoint', ''], '--entrypoint ', /entrypoint/],
    [['--rm'], '--rm', /stops/],
    [['--rm=true'], '--rm=true', /stops/],
    [['-d'], '-d', /background/],
    [['--detach'], '--detach', /background/],
    [['-dit'], '-dit', /background/],
    [['--sig-proxy=false'], '--sig-proxy=false', /docker create does not take/],
    [['--detach-keys', 'ctrl-x'], '--detach-keys ctrl-x', /docker create does not take/],
    [['--init=false'], '--init=false', /init as PID 1/],
    [['--network=none'], '--network=none', /unreachable/],
    [['--network', 'none'], '--network none', /unreachable/],
    [['--net=none'], '--net=none', /unreachable/],
    [['--network=host'], '--network=host', /every interface/],
    [['--network=container:other'], '--network=container:other', /cannot publish/],
    [['-p', '2222:22'], '-p 2222:22', /port 22/],
    [['-p=22'], '-p=22', /port 22/],
    [['--publish=0.0.0.0:2222:22/tcp'], '--publish=0.0.0.0:2222:22/tcp', /port 22/],
    [['-p', '[::1]:2222:22'], '-p [::1]:2222:22', /port 22/],
    [['-p', '20-30:20-30'], '-p 20-30:20-30', /port 22/],
    [['--label=mng.name=evil'], '--label=mng.name=evil', /mng\.\*/],
    [['-l', 'mng.id=1'], '-l mng.id=1', /mng\.\*/],
    [['--help'], '--help', /docker run --help/],
    [['--health-cmd', 'true'], '--health-cmd true', /idle watcher uses docker's health check.*--idle-timeout/],
    [['--health-interval=5s'], '--health-interval=5s', /health check/],
    [['--no-healthcheck'], '--no-healthcheck', /health check/],
    [['-e', 'MNG_IDLE_TIMEOUT=5'], '-e MNG_IDLE_TIMEOUT=5', /--idle-timeout/],
    [['alpine'], 'alpine', /take it as the image/],
    [['--cpus=1', 'my-image'], 'my-image', /take it as the image/],
    [['--'], '--', /take it as the image/],
  ])('refuses %j', (args, text, message) => {
    const p = refused(args);
    expect(p?.text).toBe(text);
    expect(p?.message).toMatch(message);
  });

  it('reports the first problem and where it is', () => {
    expect(checkStartArgs(['--cpus=1', '--rm', '--name=x'])).toMatchObject({ index: 1, text: '--rm' });
    expect(checkStartArgs(['--network', 'none', '--rm'])).toMatchObject({ index: 0, text: '--network none' });
  });

  it('a value that looks like a refused option is just a value', () => {
    expect(checkStartArgs(['-e', '--rm'])).toBeUndefined();
    expect(checkStartArgs(['--label', '--name=x'])).toBeUndefined();
    expect(checkStartArgs(['--workdir', 'none', '--hostname', 'host'])).toBeUndefined();
  });
});

describe('publishesSshPort', () => {
  it.each([
    ['22', true],
    ['22/tcp', true],
    ['22/TCP', true],
    ['2222:22', true],
    ['127.0.0.1::22', true],
    ['1-100:1-100', true],
    ['22/udp', false],
    ['22:2222', false],
    ['8080:80', false],
    ['222', false],
    ['23-30', false],
    ['127.0.0.1::80', false],
  ])('%s → %s', (spec, expected) => {
    expect(publishesSshPort(spec)).toBe(expected);
  });
});

describe('checkBuildArgs', () => {
  it.each([
    [['--no-cache']],
    [['--build-arg=MY_VAR=value', '--target=dev']],
    [['--build-arg', 'A=b']],
    [['-t', 'mine:latest', '--label', 'a=b', '-q']],
    [['--pull', '--network=host']],
  ])('allows %j', (args) => {
    expect(checkBuildArgs(args)).toBeUndefined();
  });

  it('refuses a stray word (a second build context), suggesting --build-arg for K=V', () => {
    expect(checkBuildArgs(['MY_VAR=value'])).toMatchObject({ index: 0, text: 'MY_VAR=value' });
    expect(checkBuildArgs(['MY_VAR=value'])?.message).toMatch(/did you mean -b --build-arg=MY_VAR=value\?/);
    expect(checkBuildArgs(['--no-cache', '.'])?.message).toMatch(/second build context/);
    expect(checkBuildArgs(['--no-cache', '.'])?.message).not.toMatch(/did you mean/);
  });

  it('refuses mng.* labels and --help', () => {
    expect(checkBuildArgs(['--label=mng.built-for=x'])?.message).toMatch(/mng\.\*/);
    expect(checkBuildArgs(['--help'])?.message).toMatch(/docker build --help/);
  });
});

describe('bindMountSources', () => {
  it('finds host paths of -v and --mount type=bind, not named or anonymous volumes', () => {
    expect(
      bindMountSources([
        '-v=/host/data:/data',
        '-v',
        './rel:/rel:ro',
        '--volume',
        'named:/n',
        '-v',
        '/anon',
        '--volume=~/x:/x',
        '--mount',
        'type=bind,source=/src,target=/t',
        '--mount=type=bind,src=/s2,dst=/t2',
        '--mount',
        'type=volume,source=v,target=/v',
        '--mount',
        'source=/no-type-means-volume,target=/x',
        '-e',
        '-v=/not/a/mount:/x',
      ]),
    ).toEqual(['/host/data', './rel', '~/x', '/src', '/s2']);
  });
});
