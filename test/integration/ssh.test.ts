import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { cleanDaemon2, DAEMON2, requireDaemon2 } from '../helpers/daemon2.js';
import { cachedImage, docker, inspectContainer } from '../helpers/docker.js';
import { Sandbox } from '../helpers/sandbox.js';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/ssh-tools');

const sb = new Sandbox('ssh');
afterAll(() => sb.cleanup());

const sockets = () => join(sb.dataDir, 'sockets');
const knownHosts = (name: string) => join(sb.dataDir, 'hosts', sb.container(name), 'known_hosts');
const clientKey = () => join(sb.dataDir, 'keys', 'client', 'id_ed25519');

/** Close every shared connection (as when ControlPersist runs out), so the next ssh must handshake again. */
const closeMasters = () => sb.closeMasters();

async function sshPort(name: string): Promise<number> {
  return Number((await inspectContainer(sb.container(name))).NetworkSettings.Ports['22/tcp'][0].HostPort);
}

/** The ed25519 host key a host's sshd presents on its published port, read with the real ssh-keyscan. */
async function keyscan(name: string): Promise<string> {
  const r = await execa('ssh-keyscan', ['-t', 'ed25519', '-p', String(await sshPort(name)), '127.0.0.1'], {
    reject: false,
  });
  const line = r.stdout.split('\n').find((l) => l.includes('ssh-ed25519'));
  if (!line) throw new Error(`ssh-keyscan found no key: ${r.stderr}`);
  return line.split(' ').slice(1).join(' ');
}

/** No ssh banner or warning of ssh's own may reach a user of mng commands. */
function expectNoSshNoise(stderr: string): void {
  expect(stderr).not.toMatch(
    /@@@|WARNING|Warning: Permanently added|Host key verification failed|kex_exchange_identification/,
  );
}

describe('one shared connection per host', () => {
  beforeAll(() => sb.create('a'));

  it('a warm exec reuses the connection that create opened, and -v says so', async () => {
    const r = await sb.mng(['-v', 'exec', 'a', '--', 'echo', 'warm']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('warm\n');
    expect(r.stderr).toMatch(/reusing the shared connection to /);
    expect(r.stderr).not.toMatch(/opened a shared connection/);
  });

  it('with no live connection, exec opens one without a word, and the next exec reuses it', async () => {
    await closeMasters();
    const first = await sb.mng(['-v', 'exec', 'a', '--', 'true']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/opened a shared connection/);
    const quiet = await sb.mng(['exec', 'a', '--', 'echo', 'x']);
    expect(quiet.stderr).toBe('');
    const second = await sb.mng(['-v', 'exec', 'a', '--', 'true']);
    expect(second.stderr).toMatch(/reusing the shared connection/);
  });

  it('the sockets folder is private (0700) and the socket paths fit the unix limit', async () => {
    const st = (await execa('stat', ['-c', '%a', sockets()])).stdout.trim();
    expect(st).toBe('700');
    const names = readdirSync(sockets());
    expect(names.length).toBeGreaterThan(0);
    for (const s of names) expect(join(sockets(), s).length).toBeLessThan(104);
  });

  it('50 execs started at once all succeed with their own output, with or without a live connection', async () => {
    for (const warm of [false, true]) {
      if (!warm) await closeMasters();
      const runs = await Promise.all(
        Array.from({ length: 50 }, (_, i) => sb.mng(['exec', 'a', '--', 'echo', `n${i}`])),
      );
      runs.forEach((r, i) => {
        expect(r.exitCode, `exec ${i} (${warm ? 'warm' : 'cold'}): ${r.stderr}`).toBe(0);
        expect(r.stdout).toBe(`n${i}\n`);
        expectNoSshNoise(r.stderr);
      });
    }
  }, 180_000);
});

describe('host keys', () => {
  beforeAll(() => Promise.all([sb.create('k1'), sb.create('k2')]));

  it('every host presents a host key of its own, the one mng pinned for it', async () => {
    const [k1, k2] = [await keyscan('k1'), await keyscan('k2')];
    expect(k1).not.toBe(k2);
    expect(readFileSync(knownHosts('k1'), 'utf8')).toBe(`${sb.container('k1')} ${k1}\n`);
    expect(readFileSync(knownHosts('k2'), 'utf8')).toBe(`${sb.container('k2')} ${k2}\n`);
  });

  it('the key pinned for one host is rejected for another', async () => {
    const r = await execa(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        `IdentityFile=${clientKey()}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${knownHosts('k1')}`,
        '-o',
        `HostKeyAlias=${sb.container('k1')}`,
        '-p',
        String(await sshPort('k2')),
        'agent@127.0.0.1',
        'true',
      ],
      { reject: false },
    );
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toMatch(/Host key verification failed/);
  });

  it('no private key is shared: each container holds only its own host key, never the client key; mng keeps no host private key', async () => {
    const priv = async (name: string) =>
      (await docker(['exec', sb.container(name), 'cat', '/mng/ssh_host_ed25519_key'])).stdout;
    expect(await priv('k1')).not.toBe(await priv('k2'));
    const client = readFileSync(clientKey(), 'utf8').trim();
    const inside = await docker(['exec', sb.container('k1'), 'sh', '-c', 'cat /mng/* 2>/dev/null']);
    // (the first lines of every OpenSSH private key look alike: compare the random part)
    expect(inside.stdout).not.toContain(client.split('\n').slice(2, -1).join('\n'));
    const local = (await execa('grep', ['-rl', 'PRIVATE KEY', sb.dataDir], { reject: false })).stdout
      .split('\n')
      .filter(Boolean);
    expect(local).toEqual([clientKey()]);
  });

  it("start --snapshot keeps the host's key", async () => {
    const before = await keyscan('k2');
    const snap = await sb.mng(['snapshot', 'create', 'k2']);
    expect(snap.exitCode, snap.stderr).toBe(0);
    const id = snap.stdout.trim().split(/\s+/)[0];
    const r = await sb.mng(['start', 'k2', '--snapshot', id]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await keyscan('k2')).toBe(before);
    const ex = await sb.mng(['exec', 'k2', '--', 'echo', 'same']);
    expect(ex.stdout).toBe('same\n');
    expect(ex.stderr).toBe('');
  });
});

describe('access that repairs itself through Docker', () => {
  beforeAll(() => sb.create('r'));

  it('after the data folder is wiped, exec works and says once that it restored access', async () => {
    await closeMasters();
    rmSync(sb.dataDir, { recursive: true, force: true });
    const r = await sb.mng(['exec', 'r', '--', 'echo', 'back']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('back\n');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mng: warning: restored ssh access to agent 'r' through Docker/);
    expectNoSshNoise(r.stderr);
    const again = await sb.mng(['exec', 'r', '--', 'true']);
    expect(again.stderr).toBe('');
    // the alias works again too
    const plain = await execa('ssh', sb.sshArgs('r', ['echo', 'alias']), { reject: false });
    expect(plain.stdout, plain.stderr).toBe('alias');
  });

  it('a wrong pinned key (the "host identification has changed" case) is repaired without ssh\'s banner', async () => {
    await closeMasters();
    await sb.create('other');
    writeFileSync(
      knownHosts('r'),
      readFileSync(knownHosts('other'), 'utf8').replace(sb.container('other'), sb.container('r')),
    );
    const r = await sb.mng(['exec', 'r', '--', 'echo', 'fixed']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('fixed\n');
    expect(r.stderr).toMatch(/restored ssh access to agent 'r'/);
    expectNoSshNoise(r.stderr);
  });

  it('another user of the same daemon (own data folder) gets access through Docker', async () => {
    const env = { XDG_DATA_HOME: join(sb.dir, 'second-user') };
    const r = await sb.mng(['exec', 'r', '--', 'echo', 'hello'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello\n');
    expect(r.stderr).toMatch(/restored ssh access/);
    // and the first user still gets in
    await closeMasters();
    const first = await sb.mng(['exec', 'r', '--', 'echo', 'still']);
    expect(first.stdout, first.stderr).toBe('still\n');
  });
});

describe("plain ssh, scp and rsync through mng's ssh config", () => {
  let blocker: Server | undefined;
  beforeAll(async () => {
    // The fixture (rsync, with sshd, tmux and git) is built once per machine and base image, then kept: apt-get is slow.
    // The host is built FROM it with this run's label, so the built image and what mng derives from it go at the end.
    const baseId = (await docker(['image', 'inspect', '--format', '{{.Id}}', sb.baseImage])).stdout.trim();
    const tools = await cachedImage(`mngtest-cache/ssh-tools:${baseId.replace('sha256:', '').slice(0, 12)}`, FIXTURE, {
      BASE: sb.baseImage,
    });
    const dockerfile = join(sb.dir, 'ssh-tools.Dockerfile');
    writeFileSync(dockerfile, `FROM ${tools}\nLABEL ${sb.runLabel}\n`);
    await sb.create('t', ['--dockerfile', dockerfile]);
  }, 240_000);
  afterAll(() => blocker?.close());

  const cfg = () => join(sb.dataDir, 'ssh_config');

  it('ssh, scp in and out, and rsync -e "ssh -F FILE" reach the host by its alias', async () => {
    const alias = sb.container('t');
    const ssh = await execa('ssh', ['-F', cfg(), '-o', 'BatchMode=yes', alias, 'echo', 'plain'], { reject: false });
    expect(ssh.stdout, ssh.stderr).toBe('plain');
    const local = join(sb.dir, 'xfer');
    mkdirSync(join(local, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(local, 'in.txt'), 'scp in\n');
    writeFileSync(join(local, 'tree', 'sub', 'deep.txt'), 'rsync in\n');
    const scpIn = await execa(
      'scp',
      ['-F', cfg(), '-o', 'BatchMode=yes', join(local, 'in.txt'), `${alias}:/tmp/in.txt`],
      { reject: false },
    );
    expect(scpIn.exitCode, scpIn.stderr).toBe(0);
    expect((await docker(['exec', alias, 'cat', '/tmp/in.txt'])).stdout).toBe('scp in');
    const scpOut = await execa(
      'scp',
      ['-F', cfg(), '-o', 'BatchMode=yes', `${alias}:/tmp/in.txt`, join(local, 'out.txt')],
      { reject: false },
    );
    expect(scpOut.exitCode, scpOut.stderr).toBe(0);
    expect(readFileSync(join(local, 'out.txt'), 'utf8')).toBe('scp in\n');
    const rsync = await execa(
      'rsync',
      ['-a', '-e', `ssh -F ${cfg()} -o BatchMode=yes`, `${join(local, 'tree')}/`, `${alias}:/tmp/tree/`],
      { reject: false },
    );
    expect(rsync.exitCode, rsync.stderr).toBe(0);
    expect((await docker(['exec', alias, 'cat', '/tmp/tree/sub/deep.txt'])).stdout).toBe('rsync in');
    const back = await execa(
      'rsync',
      ['-a', '-e', `ssh -F ${cfg()} -o BatchMode=yes`, `${alias}:/tmp/tree/`, join(local, 'back')],
      { reject: false },
    );
    expect(back.exitCode, back.stderr).toBe(0);
    expect(readFileSync(join(local, 'back', 'sub', 'deep.txt'), 'utf8')).toBe('rsync in\n');
  });

  it('the alias follows stop and start onto a new port', async () => {
    const before = await sshPort('t');
    expect((await sb.mng(['stop', 't'])).exitCode).toBe(0);
    // hold the old port, so docker must hand out another
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(before, '127.0.0.1', () => r()));
    const start = await sb.mng(['start', 't']);
    expect(start.exitCode, start.stderr).toBe(0);
    expect(await sshPort('t')).not.toBe(before);
    const ssh = await execa('ssh', sb.sshArgs('t', ['echo', 'moved']), { reject: false });
    expect(ssh.stdout, ssh.stderr).toBe('moved');
    const ex = await sb.mng(['exec', 't', '--', 'echo', 'moved']);
    expect(ex.stdout, ex.stderr).toBe('moved\n');
  });

  it('mng ssh-config --install adds one Include line to ~/.ssh/config, keeping the rest byte for byte; then `ssh ALIAS` works', async () => {
    const home = sb.env.HOME;
    const file = join(home, '.ssh', 'config');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    const original =
      '# mine\nHost build\n\tHostName build.example.com   # tabs and comments stay\n\nHost *\n  ServerAliveInterval 15\n';
    writeFileSync(file, original, { mode: 0o600 });
    const shown = await sb.mng(['ssh-config']);
    expect(shown.stdout).toBe(`${cfg()}\nInclude ${cfg()}\n`);
    const install = await sb.mng(['ssh-config', '--install']);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(`Include ${cfg()}\n${original}`);
    expect(readFileSync(`${file}.mng-backup`, 'utf8')).toBe(original);
    expect((await sb.mng(['ssh-config', '--install'])).stdout).toMatch(/already includes/);
    expect(readFileSync(file, 'utf8')).toBe(`Include ${cfg()}\n${original}`);
    // OpenSSH reads ~ from the password database, so the test names the file; a user just types `ssh mng-t`.
    const ssh = await execa('ssh', ['-F', file, '-o', 'BatchMode=yes', sb.container('t'), 'echo', 'included'], {
      reject: false,
    });
    expect(ssh.stdout, ssh.stderr).toBe('included');
    const un = await sb.mng(['ssh-config', '--uninstall']);
    expect(un.exitCode, un.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('a ~/.ssh/config that is a symlink is left alone, with the line to add', async () => {
    const home = join(sb.dir, 'home-link');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, 'dotfile'), 'Host x\n');
    await execa('ln', ['-s', join(home, 'dotfile'), join(home, '.ssh', 'config')]);
    const r = await sb.mng(['ssh-config', '--install'], { env: { HOME: home } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /^mng: error: .*config was left alone: it is a symbolic link \(add this line at its top yourself: Include /,
    );
    expect(readFileSync(join(home, 'dotfile'), 'utf8')).toBe('Host x\n');
  });

  it("destroy forgets the host's entry and pinned key", async () => {
    await sb.create('gone');
    expect(existsSync(join(sb.dataDir, 'hosts', sb.container('gone')))).toBe(true);
    expect((await sb.mng(['destroy', 'gone', '--force'])).exitCode).toBe(0);
    expect(existsSync(join(sb.dataDir, 'hosts', sb.container('gone')))).toBe(false);
  });
});

describe('through the tcp:// daemon', () => {
  beforeAll(async () => {
    requireDaemon2();
    sb.writeConfig(`[providers.far]\nbackend = "docker"\nhost = "${DAEMON2}"\ndefault_image = "${sb.baseImage}"\n`);
    await sb.create('far', ['--in', 'far']);
  }, 240_000);
  afterAll(async () => {
    await cleanDaemon2(sb);
    sb.useImage();
  });

  it('reuses the shared connection, runs 20 execs at once, and repairs access after the data folder is lost', async () => {
    const warm = await sb.mng(['-v', 'exec', 'far', '--', 'echo', 'remote']);
    expect(warm.stdout, warm.stderr).toBe('remote\n');
    expect(warm.stderr).toMatch(/reusing the shared connection/);
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sb.mng(['exec', 'far', '--', 'echo', `r${i}`])),
    );
    for (const [i, r] of runs.entries()) expect(r.stdout, r.stderr).toBe(`r${i}\n`);
    await closeMasters();
    rmSync(sb.dataDir, { recursive: true, force: true });
    const r = await sb.mng(['exec', 'far', '--', 'echo', 'repaired']);
    expect(r.stdout, r.stderr).toBe('repaired\n');
    expect(r.stderr).toMatch(/restored ssh access to agent 'far'/);
    expectNoSshNoise(r.stderr);
  });

  it('plain ssh reaches it by its alias through the daemon (ProxyCommand)', async () => {
    const r = await execa('ssh', sb.sshArgs('far', ['echo', 'proxied'], 'far'), { reject: false });
    expect(r.stdout, r.stderr).toBe('proxied');
    expect(readFileSync(join(sb.dataDir, 'hosts', sb.alias('far', 'far'), 'ssh_config'), 'utf8')).toContain(
      'ProxyCommand',
    );
  });
});
