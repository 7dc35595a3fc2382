import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS, type ProviderConfig } from '../../lib/config/config.js';
import type { Core } from '../../lib/core/core.js';
import { dryRunCreate } from '../../lib/core/create/dry-run.js';
import { passthroughWarnings, planCreate, resolveBuildSource, type CreateRequest } from '../../lib/core/create/plan.js';
import { chooseDaemon } from '../../lib/docker/daemon.js';
import { buildBuildArgs, buildRemoveImagesArgs } from '../../lib/docker/args.js';
import { DockerRunner } from '../../lib/docker/runner.js';
import { type MngError, UsageError } from '../../lib/errors.js';
import { quoteArgv } from '../../lib/shell.js';

const provider = (over: Partial<ProviderConfig> = {}): ProviderConfig => ({
  name: 'docker',
  ...PROVIDER_DEFAULTS,
  default_start_args: [],
  ...over,
});

/** A request to `over.provider` (default: the local one), on the daemon that provider means with no DOCKER_HOST. */
function request(over: Partial<CreateRequest> = {}): CreateRequest {
  const p = over.provider ?? provider();
  return {
    name: 'demo',
    provider: p,
    daemon: chooseDaemon(p, {}),
    agent: { kind: 'shell' },
    startArgs: [],
    tags: {},
    sshTimeoutSeconds: 60,
    ...over,
  };
}

const ID = '0123456789abcdef';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIClientKey mng client';
/** The init script's arguments a shell agent and KEY give (the host's own public files, see initArgs). */
const INIT_ARGS = [
  '--host-id',
  ID,
  '--authorized-key',
  KEY,
  '--agent-bin',
  '',
  '--agent-cmd',
  'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi',
  '--agent-user',
  'agent',
];
const plan = (over: Partial<CreateRequest> = {}) => planCreate('mng-', request(over), ID, '2025-01-01T00:00:00.000Z');

/** What comes between mng's --publish/--label/idle flags and its --entrypoint: exactly the pass-through tokens. */
function passedToCreate(argv: string[]): string[] {
  const lastOwn = Math.max(argv.lastIndexOf('--label'), argv.lastIndexOf('--health-retries'));
  return argv.slice(lastOwn + 2, argv.indexOf('--entrypoint'));
}

describe('buildBuildArgs', () => {
  it("mng's flags, then the -b values verbatim and in order, then the context", () => {
    expect(
      buildBuildArgs({
        dockerfile: '/w/docker/Dockerfile',
        context: '/w',
        tag: 'mng-built:1',
        buildArgs: ['--no-cache', '--build-arg=MY_VAR=value', '--target=dev', '--build-arg', 'A=b'],
      }),
    ).toEqual([
      'build',
      '--file',
      '/w/docker/Dockerfile',
      '--tag',
      'mng-built:1',
      '--force-rm',
      '--no-cache',
      '--build-arg=MY_VAR=value',
      '--target=dev',
      '--build-arg',
      'A=b',
      '/w',
    ]);
  });

  it('image clean-up: untag without --force, so a parent of a cached prepared image stays', () => {
    expect(buildRemoveImagesArgs([`mng-built:${ID}`])).toEqual(['rmi', `mng-built:${ID}`]);
  });
});

describe('planCreate: the argv of every command line of the issue', () => {
  it.each([
    [['--cpus=4', '--memory=16g']],
    [['--gpus=all']],
    [['-v=/host/data:/container/data']],
    [['--network=my-network']],
    [['--network', 'my-network']],
    [['-p=8080:80']],
    [['--cpus=2']],
    [['-e=FOO=bar']],
    [['-p=127.0.0.1::80']],
  ])("-s %j goes to docker create verbatim, after mng's flags, before the image", (startArgs) => {
    const launch = plan({ startArgs }).launch('IMAGE', KEY);
    const argv = launch.create;
    expect(argv.slice(0, 6)).toEqual(['create', '--name', 'mng-demo', '--init', '--publish', '127.0.0.1::22']);
    // docker run --detach: the same container, created and started in one call
    expect(launch.run).toEqual(['run', '--detach', ...argv.slice(1)]);
    expect(passedToCreate(argv)).toEqual(startArgs);
    expect(argv.slice(argv.indexOf('--entrypoint'))).toEqual([
      '--entrypoint',
      '/bin/sh',
      'IMAGE',
      '/mng/init',
      ...INIT_ARGS,
    ]);
  });

  it('default_start_args come first, then the -s values, so a -s value can override a default', () => {
    const p = plan({
      provider: provider({ default_start_args: ['--cpus=1', '--memory=1g'] }),
      startArgs: ['--cpus=2'],
    });
    expect(p.startArgs).toEqual(['--cpus=1', '--memory=1g', '--cpus=2']);
    expect(passedToCreate(p.launch('IMAGE', KEY).create)).toEqual(['--cpus=1', '--memory=1g', '--cpus=2']);
    expect(p.labels['mng.start-args']).toBe(JSON.stringify(['--cpus=1', '--memory=1g', '--cpus=2']));
  });

  it('without --dockerfile: no build, the image is default_image (or the one asked for)', () => {
    expect(plan().buildArgv).toBeUndefined();
    expect(plan().image).toBe(PROVIDER_DEFAULTS.default_image);
    expect(plan({ image: 'mine:1' }).image).toBe('mine:1');
  });

  it('with --dockerfile: docker build tagged and labelled for this host; the container runs what was built', () => {
    const p = plan({
      build: { dockerfile: '/w/Dockerfile', context: '/w' },
      buildArgs: ['--no-cache'],
      startArgs: ['--cpus=2'],
    });
    expect(p.image).toBe(`mng-built:${ID}`);
    expect(p.buildArgv).toEqual([
      'build',
      '--file',
      '/w/Dockerfile',
      '--tag',
      `mng-built:${ID}`,
      '--force-rm',
      '--no-cache',
      '/w',
    ]);
    expect(p.labels['mng.image']).toBe(`mng-built:${ID}`);
    expect(p.launch(p.image, KEY).create.slice(-12, -10)).toEqual([`mng-built:${ID}`, '/mng/init']);
  });

  it("start (create copies nothing into /mng: the image has mng's files, the init's arguments the host's own)", () => {
    expect(plan().launch('IMAGE', KEY).start).toEqual(['start', 'mng-demo']);
  });

  it('a -s value that would break the host is a usage error (exit 2) naming it', () => {
    const attempt = () => plan({ startArgs: ['--cpus=1', '--name', 'other'] });
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/^-s --name other: mng names the container itself/);
    let error: unknown;
    try {
      attempt();
    } catch (e) {
      error = e;
    }
    expect((error as MngError).exitCode).toBe(2);
  });

  it('a bad default_start_args entry is named as such', () => {
    expect(() => plan({ provider: provider({ default_start_args: ['--rm'] }) })).toThrow(
      /^default_start_args of provider 'docker': --rm:/,
    );
  });

  it('a -b value that would be a second build context is a usage error', () => {
    expect(() => plan({ build: { dockerfile: '/w/Dockerfile', context: '/w' }, buildArgs: ['MY_VAR=value'] })).toThrow(
      /^-b MY_VAR=value: is not a docker build option.*did you mean -b --build-arg=MY_VAR=value/,
    );
  });
});

describe('passthroughWarnings', () => {
  it('-b without --dockerfile is ignored, with a warning', () => {
    expect(passthroughWarnings(request({ buildArgs: ['--no-cache'] }))).toEqual([
      '-b values go to docker build, which runs only with --dockerfile; ignored: --no-cache',
    ]);
  });

  it("bind mounts on a remote daemon: the path is on the daemon's machine", () => {
    const remote = provider({
      name: 'far',
      host: 'ssh://me@server',
      default_start_args: ['--mount=type=bind,src=/d,dst=/d'],
    });
    expect(
      passthroughWarnings(request({ provider: remote, startArgs: ['-v=/host/data:/data', '-v', 'named:/n'] })),
    ).toEqual([
      "the bind mount source /d is a path on the machine of provider 'far' (ssh://me@server), not on this one",
      "the bind mount source /host/data is a path on the machine of provider 'far' (ssh://me@server), not on this one",
    ]);
  });

  it('no warning for the local daemon', () => {
    expect(passthroughWarnings(request({ startArgs: ['-v=/host/data:/data'] }))).toEqual([]);
  });
});

describe('dryRunCreate', () => {
  const warnings: string[] = [];
  const core: Core = {
    // a runner that must not be used
    runner: new Proxy(new DockerRunner(), {
      get: () => {
        throw new Error('dry run ran something');
      },
    }),
    prefix: 'mng-',
    dataDir: '/nonexistent/data',
    progress: () => {},
    warn: (m) => warnings.push(m),
    stream: () => {},
    debug: () => {},
  };

  it('prints the shell-quoted build and run lines of the same plan, with comments', async () => {
    const req = request({
      build: { dockerfile: '/w/My Dockerfile', context: '/w' },
      buildArgs: ['--build-arg=A=b c'],
      startArgs: ['-e=FOO=bar baz', '--cpus=2'],
    });
    const lines = await dryRunCreate(core, req);
    const commands = lines.filter((l) => !l.startsWith('#'));
    expect(commands).toHaveLength(2);
    const id = /--tag mng-built:([0-9a-f]{16}) /.exec(commands[0])![1];
    const p = planCreate('mng-', req, id, 'X');
    expect(commands[0]).toBe(quoteArgv(['docker', ...p.buildArgv!]));
    expect(commands[0]).toContain(`'--build-arg=A=b c' /w`);
    expect(commands[0]).toContain(`--file '/w/My Dockerfile'`);
    const createdAt = /--label mng\.created-at=(\S+) /.exec(commands[1])![1];
    const same = planCreate('mng-', req, id, createdAt, core.dataDir);
    expect(commands[1]).toBe(
      quoteArgv([
        'docker',
        ...same.launch(`mng-built:${id}`, '<public key of this machine, made at the first create>', undefined, {
          flags: ['--network', 'mng-hosts', '--cap-drop', 'NET_RAW'],
          publishSsh: true,
        }).shown.run,
      ]),
    );
    expect(commands[1]).toMatch(
      /^docker run --detach --name mng-demo --init --publish 127\.0\.0\.1::22 --pull=never --tmpfs \/run\/mng-secrets:mode=0711 --label /,
    );
    // no client key yet (the dry run makes none): a placeholder stands for it
    expect(commands[1]).toMatch(
      / -e=FOO=mng-redacted:[0-9a-f]{16} --cpus=2 --entrypoint \/bin\/sh mng-built:[0-9a-f]{16} \/mng\/init --host-id [0-9a-f]{16} --authorized-key '<public key of this machine, made at the first create>' --agent-bin '' --agent-cmd '.*' --agent-user agent$/,
    );
    expect(
      lines.some((l) =>
        /^# the container runs from mng-prepared:<image id>-g-u-[0-9a-f]{8} in place of the built image: .*openssh-server, tmux, git, sudo and the agent's user added when it lacks them/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(lines[lines.length - 1]).toMatch(
      /^# then: docker container inspect mng-demo .* and docker logs mng-demo \(the host key/,
    );
  });

  it('shows the client key a real create would authorize, when there is one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mng-unit-dry-'));
    try {
      mkdirSync(join(dataDir, 'keys', 'client'), { recursive: true });
      writeFileSync(join(dataDir, 'keys', 'client', 'id_ed25519.pub'), `${KEY}\n`);
      const lines = await dryRunCreate({ ...core, dataDir }, request());
      expect(lines.find((l) => l.startsWith('docker run'))).toMatch(
        new RegExp(` /mng/init --host-id [0-9a-f]{16} --authorized-key '${KEY}' --agent-bin '' `),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('with --from: docker create, the tar copy, then docker start (the files are there before the first start)', async () => {
    const from = { kind: 'git' as const, path: '/src/r', commit: 'c0ffee', target: '/workspace', committed: false };
    const lines = await dryRunCreate(core, request({ from }));
    const commands = lines.filter((l) => !l.startsWith('#'));
    expect(commands).toHaveLength(3);
    expect(commands[0]).toMatch(/^docker create --name mng-demo /);
    expect(commands[0]).toContain(
      ' --label mng.from-kind=git --label mng.from-path=/src/r --label mng.from-commit=c0ffee --label mng.from-target=/workspace ',
    );
    expect(commands[0]).toContain(' --workdir /workspace ');
    expect(commands[1]).toBe('docker cp - mng-demo:/');
    expect(commands[2]).toBe('docker start mng-demo');
    expect(lines).toContain(
      '# a tar of the repository /src/r at c0ffee (.git, its files and uncommitted changes) (paths under /workspace), made by mng, on stdin',
    );
  });

  it('prefixes DOCKER_HOST for a provider with its own daemon, and warns about bind mounts there', async () => {
    warnings.length = 0;
    const lines = await dryRunCreate(
      core,
      request({ provider: provider({ host: 'tcp://10.0.0.1:2375' }), startArgs: ['-v=/data:/data'] }),
    );
    for (const l of lines.filter((x) => !x.startsWith('#')))
      expect(l).toMatch(/^DOCKER_HOST=tcp:\/\/10\.0\.0\.1:2375 docker /);
    expect(warnings).toEqual([expect.stringMatching(/bind mount source \/data is a path on the machine of provider/)]);
  });

  it('refuses what a real create refuses', async () => {
    await expect(dryRunCreate(core, request({ startArgs: ['--network=none'] }))).rejects.toThrow(UsageError);
  });
});

describe('resolveBuildSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mng-unit-build-'));
  mkdirSync(join(dir, 'docker'));
  writeFileSync(join(dir, 'docker', 'Dockerfile'), 'FROM scratch\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the context is the Dockerfile's folder unless given; paths become absolute", async () => {
    expect(await resolveBuildSource('docker/Dockerfile', undefined, dir)).toEqual({
      dockerfile: join(dir, 'docker', 'Dockerfile'),
      context: join(dir, 'docker'),
    });
    expect(await resolveBuildSource('./docker/Dockerfile', '.', dir)).toEqual({
      dockerfile: join(dir, 'docker', 'Dockerfile'),
      context: dir,
    });
  });

  it('a missing Dockerfile or context is a usage error', async () => {
    await expect(resolveBuildSource('nope/Dockerfile', undefined, dir)).rejects.toThrow(
      /--dockerfile nope\/Dockerfile: no such file/,
    );
    await expect(resolveBuildSource('docker', undefined, dir)).rejects.toThrow(/no such file/);
    await expect(resolveBuildSource('docker/Dockerfile', 'missing', dir)).rejects.toThrow(
      /--dockerfile-context missing: no such folder/,
    );
  });
});

describe('dockerReason', () => {
  it("prefers the daemon's reason over the CLI's summary line after it", async () => {
    const { dockerReason } = await import('../../lib/docker/errors.js');
    expect(
      dockerReason(
        'Error response from daemon: could not select device driver "" with capabilities: [[gpu]]\nError: failed to start containers: c1',
      ),
    ).toBe('could not select device driver "" with capabilities: [[gpu]]');
    expect(dockerReason("unknown flag: --bogus\nSee 'docker run --help'.")).toBe('unknown flag: --bogus');
  });
});
