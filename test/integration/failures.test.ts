import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { containersNamed, docker } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('fail');
afterAll(() => sb.cleanup());

/** No container of these agents (default: of this whole sandbox) is left on the daemon. */
async function expectNoContainers(...names: string[]) {
  if (names.length === 0) {
    expect(await containersNamed(sb.prefix)).toEqual([]);
    return;
  }
  for (const n of names) expect(await containersNamed(sb.container(n))).toEqual([]);
}

describe('bad input', () => {
  for (const name of ['../x', 'a b', '-x', 'x'.repeat(64), '']) {
    it(`rejects the name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name)} as a usage error`, async () => {
      const r = await sb.mng(
        name.startsWith('-') ? ['create', '--no-connect', '--', name] : ['create', name, '--no-connect'],
      );
      if (name.startsWith('-')) {
        // `mng create -- -x` gives -x as an agent argument without an agent: still a usage error, nothing created.
        expectFailure(r, 2, /arguments after -- are for AGENT, but no AGENT was given/);
      } else {
        expectFailure(r, 2, /invalid agent name/);
      }
      await expectNoContainers();
    });
  }

  it('rejects a name that looks like a flag', async () => {
    expectFailure(await sb.mng(['create', '-x', '--no-connect']), 2, /Unknown argument: x/);
  });

  it('accepts 63 characters', async () => {
    const { validateName } = await import('../../lib/core/naming.js');
    expect(validateName('a'.repeat(63))).toBe('a'.repeat(63));
  });

  it('rejects an unknown command and an unknown flag with exit 2', async () => {
    expectFailure(await sb.mng(['frobnicate']), 2, /Unknown argument: frobnicate/);
    expectFailure(await sb.mng(['list', '--bogus']), 2, /Unknown argument: bogus/);
    expectFailure(await sb.mng(['list', '--format', 'xml']), 2, /Invalid values/);
  });

  it('rejects an unknown provider', async () => {
    expectFailure(await sb.mng(['create', 'p1', '--in', 'nowhere', '--no-connect']), 1, /unknown provider 'nowhere'/);
    await expectNoContainers();
  });
});

describe('environment faults', () => {
  it('says so when there is no docker binary on PATH', async () => {
    // PATH with node (which mng runs on), ssh-keygen and ssh, but no docker
    const bin = join(sb.dir, 'bin-no-docker');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    for (const tool of ['ssh-keygen', 'ssh'])
      symlinkSync((await execa('sh', ['-c', `command -v ${tool}`])).stdout.trim(), join(bin, tool));
    const r = await sb.mng(['create', 'nodocker', '--no-connect'], { env: { PATH: bin } });
    expectFailure(r, 1, /'docker' was not found on PATH/);
    expectFailure(await sb.mng(['list'], { env: { PATH: bin } }), 1, /'docker' was not found on PATH/);
  });

  it('says so when the daemon cannot be reached', async () => {
    const env = { DOCKER_HOST: 'tcp://127.0.0.1:1' };
    expectFailure(
      await sb.mng(['create', 'down', '--no-connect'], { env }),
      1,
      /cannot reach the Docker daemon of provider 'docker' \(tcp:\/\/127\.0\.0\.1:1\)/,
    );
    expectFailure(await sb.mng(['list'], { env }), 1, /cannot reach the Docker daemon/);
    expectFailure(await sb.mng(['exec', 'down', '--', 'true'], { env }), 1, /cannot reach the Docker daemon/);
    expectFailure(await sb.mng(['destroy', 'down', '--force'], { env }), 1, /cannot reach the Docker daemon/);
  });

  it('says so when the image is not there and cannot be pulled', async () => {
    const image = `mngtest-${sb.runId}-absent:latest`;
    sb.useImage(image);
    try {
      const r = await sb.mng(['create', 'noimage', '--no-connect']);
      expectFailure(
        r,
        1,
        new RegExp(`image '${image}' is not on the daemon of provider 'docker' and could not be pulled`),
      );
      await expectNoContainers();
    } finally {
      sb.useImage();
    }
  });
});

describe('sshd that never comes up', () => {
  const fixture = resolve(import.meta.dirname, '../../fixtures/broken-sshd');
  const images = { exit: '', hang: '' };
  beforeAll(async () => {
    for (const mode of ['exit', 'hang'] as const) {
      images[mode] = `mngtest-${sb.runId}-sshd-${mode}:latest`;
      await docker([
        'build',
        '-q',
        '-t',
        images[mode],
        '--label',
        sb.runLabel,
        '--build-arg',
        `BASE=${sb.baseImage}`,
        '--build-arg',
        `MODE=${mode}`,
        fixture,
      ]);
    }
  });
  afterAll(async () => {
    sb.useImage();
    await docker(['rmi', '-f', images.exit, images.hang], { reject: false });
  });
  const useImage = (image: string) => sb.useImage(image);

  it('fails at once when sshd exits, naming the step, and removes the container', async () => {
    useImage(images.exit);
    const r = await sb.mng(['create', 'sshdexit', '--no-connect']);
    expectFailure(
      r,
      1,
      /sshd did not start in container '.*sshdexit' \(step: (start|wait for ssh)\): the container exited with code 1/,
    );
    await expectNoContainers();
  });

  it('times out when sshd never answers, and removes the container', async () => {
    useImage(images.hang);
    const r = await sb.mng(['create', 'sshdhang', '--no-connect'], { env: { MNG_SSH_TIMEOUT: '4' } });
    expectFailure(r, 1, /timed out after 4s waiting for sshd in container '.*sshdhang' \(step: wait for ssh\)/);
    await expectNoContainers();
  });

  it('removes the container when interrupted with Ctrl-C (SIGINT)', async () => {
    useImage(images.hang);
    const child = sb.spawn(['create', 'interrupted', '--no-connect']);
    let seen = false;
    for (let i = 0; i < 300 && !seen; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = (await containersNamed(sb.container('interrupted'))).length > 0;
    }
    expect(seen).toBe(true);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/interrupted/);
    expect(String(r.stderr)).not.toMatch(/^\s+at /m);
    await expectNoContainers();
  });
});

describe('agent commands', () => {
  it("fails the create when AGENT is not on the image's PATH, and removes the container", async () => {
    const r = await sb.mng(['create', 'noagent', 'no-such-agent', '--no-connect']);
    expectFailure(r, 1, /agent command 'no-such-agent' is not on the PATH of image/);
    await expectNoContainers();
  });

  it('creates the host but reports an agent that exits at once', async () => {
    const r = await sb.mng(['create', 'quick', '--agent-cmd', 'echo bye; exit 3', '--no-connect', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).agent).toEqual({ state: 'exited', exit_code: 3 });
    expect(r.stderr).toMatch(/the agent of 'quick' exited at once \(status 3\)/);
    // The pane is kept, so its output can still be seen.
    const pane = await sb.mng(['exec', 'quick', '--', 'tmux', 'capture-pane', '-p', '-S', '-', '-t', 'agent']);
    expect(pane.stdout).toContain('bye');
  });

  it('runs AGENT with the arguments after --, in tmux', async () => {
    await sb.create('sleeper', ['sleep', '--', '100000']);
    const pane = await sb.mng([
      'exec',
      'sleeper',
      '--',
      'tmux',
      'display-message',
      '-p',
      '-t',
      'agent',
      '#{pane_dead} #{pane_pid}',
    ]);
    const [dead, panePid] = pane.stdout.trim().split(' ');
    expect(dead).toBe('0');
    // The agent runs as a child of the pane's wrapper shell, with its arguments intact.
    const ps = await sb.mng(['exec', 'sleeper', '--', 'ps', '-o', 'args=', '--ppid', panePid]);
    expect(ps.stdout.trim()).toBe('sleep 100000');
  });

  it('rejects AGENT together with --agent-cmd, and arguments without AGENT', async () => {
    expectFailure(
      await sb.mng(['create', 'both', 'bash', '--agent-cmd', 'top', '--no-connect']),
      2,
      /either as AGENT or with --agent-cmd/,
    );
    expectFailure(await sb.mng(['create', 'noag', '--no-connect', '--', '-l']), 2, /no AGENT was given/);
    await expectNoContainers('both', 'noag');
  });
});

describe('a host port the other daemon took (two daemons hand out ports from one range)', () => {
  /** A `docker` first on PATH that makes `docker run --detach` create the container and then fail to start it, as a taken port does; `docker start` too when `startFails`. */
  async function portTakenDocker(startFails: boolean): Promise<Record<string, string>> {
    const real = (await execa('sh', ['-c', 'command -v docker'])).stdout.trim();
    const bin = join(sb.dir, startFails ? 'bin-port-taken-always' : 'bin-port-taken-once');
    mkdirSync(bin, { recursive: true });
    const taken = `echo 'docker: Error response from daemon: driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:40000 failed: port is already allocated.' >&2; exit 125`;
    writeFileSync(
      join(bin, 'docker'),
      [
        '#!/bin/sh',
        `if [ "$1" = run ] && [ "$2" = --detach ]; then shift 2; ${real} create "$@" >/dev/null || exit $?; ${taken}; fi`,
        startFails ? `if [ "$1" = start ]; then ${taken}; fi` : '',
        `exec ${real} "$@"`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    return { PATH: `${bin}:${process.env.PATH}` };
  }

  it('docker run made the container but could not start it: mng starts it again, and the host works', async () => {
    const r = await sb.mng(['-v', 'create', 'porttaken', '--no-connect'], { env: await portTakenDocker(false) });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\+ docker run --detach --name \S+porttaken /m);
    expect(r.stderr).toMatch(/^\+ docker start \S+porttaken$/m);
    const ex = await sb.mng(['exec', 'porttaken', '--', 'echo', 'ok']);
    expect(ex.stdout).toBe('ok\n');
  });

  it("when no start gets a port: docker's error, and the container is removed", async () => {
    const r = await sb.mng(['-v', 'create', 'portgone', '--no-connect'], { env: await portTakenDocker(true) });
    expectFailure(r, 1, /docker start failed \(exit 125\): .*port is already allocated/);
    expect(r.stderr.match(/^\+ docker start /gm)).toHaveLength(4);
    await expectNoContainers('portgone');
  });
});

describe('output conventions', () => {
  it('-q keeps stderr quiet, -v prints every docker and ssh command line', async () => {
    const quiet = await sb.mng(['create', 'quiet', '-q', '--no-connect']);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe('quiet\n');
    // a warm exec: its shared connection answers, so no docker call is needed
    const verbose = await sb.mng(['-v', 'exec', 'quiet', '--', 'true']);
    expect(verbose.stderr).toMatch(/^\+ ssh -F \/dev\/null .* -O check -p \d+ root@127\.0\.0\.1$/m);
    expect(verbose.stderr).toMatch(/^\+ ssh -F \/dev\/null .* -p \d+ root@127\.0\.0\.1 -- /m);
    expect(verbose.stderr).toMatch(/\(ssh exit 0 after \d+ ms\)/);
    expect(verbose.stderr).not.toMatch(/^\+ docker /m);
    const list = await sb.mng(['-v', 'list']);
    expect(list.stderr).toMatch(/^\+ docker ps /m);
    expect(list.stderr).toMatch(/\(docker exit 0 after \d+ ms\)/);
    expect(existsSync(join(sb.dataDir, 'ssh_config'))).toBe(true);
  });
});
