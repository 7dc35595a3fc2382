import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { containersNamed, docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, interruptWhen, Sandbox } from '../helpers/sandbox.js';

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

  it('accepts 63 characters: the longest container name, ssh alias, host folder and socket path work end to end', async () => {
    const name = `l${'o'.repeat(61)}g`;
    expect(name).toHaveLength(63);
    const made = await sb.mng(['create', name, '--no-connect']);
    expect(made.exitCode, made.stderr).toBe(0);
    expect(made.stdout).toBe(`${name}\n`);
    expect(await containersNamed(sb.container(name))).toEqual([sb.container(name)]);
    const ex = await sb.mng(['exec', name, '--', 'echo', 'long']);
    expect(ex.stdout, ex.stderr).toBe('long\n');
    const plain = await execa('ssh', sb.sshArgs(name, ['echo', 'alias']), { reject: false });
    expect(plain.stdout, plain.stderr).toBe('alias');
    expect(existsSync(join(sb.dataDir, 'hosts', sb.container(name), 'known_hosts'))).toBe(true);
    const sockets = readdirSync(join(sb.dataDir, 'sockets'));
    expect(sockets.length).toBeGreaterThan(0);
    for (const s of sockets) expect(join(sb.dataDir, 'sockets', s).length).toBeLessThan(104);
    const list = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout);
    expect(list.agents.map((a: any) => a.name)).toContain(name);
    const gone = await sb.mng(['destroy', name, '--force']);
    expect(gone.exitCode, gone.stderr).toBe(0);
    expect(await containersNamed(sb.container(name))).toEqual([]);
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
    const r = await sb.mng(['create', 'sshdhang', '--no-connect'], { env: { MNG_SSH_TIMEOUT: '2' } });
    expectFailure(r, 1, /timed out after 2s waiting for sshd in container '.*sshdhang' \(step: wait for ssh\)/);
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

describe('a host mng cannot reach over ssh', () => {
  it('exec says why in one line and exits 1 (its sshd is frozen: nothing answers)', async () => {
    await sb.create('frozen');
    try {
      await docker(['exec', sb.container('frozen'), 'sh', '-c', 'kill -STOP "$(cat /run/mng/sshd.pid)"']);
      await sb.closeMasters(); // (the connection create left open has an sshd process of its own)
      const r = await sb.mng(['exec', 'frozen', '--', 'echo', 'never']);
      expectFailure(r, 1, /cannot reach agent 'frozen' over ssh: .*timed out/i);
      expect(r.stdout).toBe('');
    } finally {
      await docker(['rm', '-f', sb.container('frozen')]);
    }
  });
});

describe('a create that fails leaves nothing behind', () => {
  it('after the host booted (its agent is not on the PATH): no ssh entry or pinned key, no completion name, no anonymous volume', async () => {
    const volumeLabel = `mngtest.volume=${sb.container('nopath')}`;
    await sb.create('survivor'); // a name the completion cache does list
    const r = await sb.mng([
      'create',
      'nopath',
      'no-such-agent',
      '--no-connect',
      '-s',
      `--mount=type=volume,dst=/data,volume-label=${volumeLabel}`,
    ]);
    expectFailure(r, 1, /agent command 'no-such-agent' is not on the PATH of image/);
    await expectNoContainers('nopath');
    expect(existsSync(join(sb.dataDir, 'hosts', sb.container('nopath')))).toBe(false);
    expect(existsSync(join(sb.dataDir, 'hosts', sb.container('survivor'), 'known_hosts'))).toBe(true);
    const names = await sb.mng(['--get-yargs-completions', 'exec', ''], { env: { DOCKER_HOST: 'tcp://127.0.0.1:9' } });
    expect(names.stdout.split('\n')).toContain('survivor');
    expect(names.stdout.split('\n')).not.toContain('nopath');
    expect((await docker(['volume', 'ls', '-q', '--filter', `label=${volumeLabel}`])).stdout).toBe('');
    await docker(['rm', '-f', sb.container('survivor')]); // (later tests count this sandbox's containers)
  });

  it('Ctrl-C during the --from copy: exit 130, the container and its entry are removed', async () => {
    // a folder with a 2 GB file (sparse here, 2 GB of zeros in the copy): the copy takes a while
    const dir = join(sb.dir, 'big');
    mkdirSync(dir);
    await execa('truncate', ['-s', '2G', join(dir, 'zeros')]);
    const child = sb.spawn(['create', 'copying', '--from', dir, '--no-connect']);
    const { r, stderr } = await interruptWhen(
      child,
      (e) => /^Copying .*big into \S+copying:\/workspace$/m.test(e),
      'the copy',
    );
    expect(r.exitCode, stderr).toBe(130);
    expect(stderr).toMatch(/mng: error: interrupted/);
    expect(String(r.stderr)).not.toMatch(/^\s+at /m);
    await expectNoContainers('copying');
    expect(existsSync(join(sb.dataDir, 'hosts', sb.container('copying')))).toBe(false);
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

describe('a host port that is taken (two daemons hand out ports from one range)', () => {
  /** A port nothing listens on now. */
  async function freePort(): Promise<number> {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise((r) => srv.close(r));
    return port;
  }

  it('docker run made the container but could not start it: mng starts it again, and the host works', async () => {
    // A process of this machine holds the port, as the other daemon's port proxy does, until mng's first docker start
    // after the failed docker run: docker's own error, then a start that gets the port.
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
    const child = sb.spawn(['-v', 'create', 'porttaken', '--no-connect', '-s', `-p=127.0.0.1:${port}:80`]);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/^\+ docker start /m.test(stderr)) holder.close();
    });
    const r = await child;
    holder.close();
    expect(r.exitCode, stderr).toBe(0);
    // docker run failed (the port), and mng started the container it had made
    expect(stderr).toMatch(
      /^\+ docker run --detach --name \S+porttaken [^\n]*\n {2}\(docker exit 125 after \d+ ms\)$/m,
    );
    expect(stderr).toMatch(/^\+ docker start \S+porttaken\n {2}\(docker exit 0 after \d+ ms\)$/m);
    const ex = await sb.mng(['exec', 'porttaken', '--', 'echo', 'ok']);
    expect(ex.stdout).toBe('ok\n');
    const c = await inspectContainer(sb.container('porttaken'));
    expect(c.NetworkSettings.Ports['80/tcp'][0].HostPort).toBe(String(port));
  });

  it("when no start gets a port: docker's error, and the container is removed", async () => {
    // A container of the same daemon holds the port: every start fails.
    const port = await freePort();
    const holder = sb.container('portholder');
    await docker([
      'run',
      '--detach',
      '--name',
      holder,
      '--publish',
      `127.0.0.1:${port}:80`,
      '--entrypoint',
      'sleep',
      sb.baseImage,
      '600',
    ]);
    try {
      const r = await sb.mng(['-v', 'create', 'portgone', '--no-connect', '-s', `-p=127.0.0.1:${port}:80`]);
      expectFailure(r, 1, /docker start failed \(exit \d+\): .*port is already allocated/);
      expect(r.stderr).toMatch(/^\+ docker run --detach --name \S+portgone /m);
      expect(r.stderr.match(/^\+ docker start /gm)).toHaveLength(4);
      await expectNoContainers('portgone');
    } finally {
      await docker(['rm', '-f', holder]);
    }
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
    expect(verbose.stderr).toMatch(/^\+ ssh -F \/dev\/null .* -O check -l agent -p \d+ -- 127\.0\.0\.1$/m);
    expect(verbose.stderr).toMatch(/^\+ ssh -F \/dev\/null .* -l agent -p \d+ -- 127\.0\.0\.1 'cd /m);
    expect(verbose.stderr).toMatch(/\(ssh exit 0 after \d+ ms\)/);
    expect(verbose.stderr).not.toMatch(/^\+ docker /m);
    const list = await sb.mng(['-v', 'list']);
    expect(list.stderr).toMatch(/^\+ docker ps /m);
    expect(list.stderr).toMatch(/\(docker exit 0 after \d+ ms\)/);
    expect(existsSync(join(sb.dataDir, 'ssh_config'))).toBe(true);
  });
});
