import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanDaemon2, DAEMON2, requireDaemon2 } from '../helpers/daemon2.js';
import { expectFailure, MNG_BIN, Sandbox } from '../helpers/sandbox.js';
import { freePort, getLocal, serveInHost } from '../helpers/servers.js';

// `mng forward`: a port of a host on this machine's 127.0.0.1, held by a background ssh over the host's own route.
// Every local port is one the kernel just chose, so files running in parallel never ask for the same one.

const sb = new Sandbox('fwd');
afterAll(() => sb.cleanup());

/** The live forwards `mng forward NAME --list --format json` shows. */
async function forwardsOf(name: string): Promise<{ local: number; remote: number }[]> {
  const r = await sb.mng(['forward', name, '--list', '--format', 'json']);
  if (r.exitCode !== 0) throw new Error(`forward --list failed: ${r.stderr}`);
  return JSON.parse(r.stdout).forwards;
}

describe('mng forward on the local daemon', () => {
  beforeAll(async () => {
    await sb.create('web');
    await serveInHost(sb, 'web', 3000);
  });

  it('reaches a server in the host, outlives its command, shows in list; --stop closes it', async () => {
    const local = await freePort();
    const r = await sb.mng(['forward', 'web', `${local}:3000`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`127.0.0.1:${local} -> 3000\n`);
    // the command has returned; the forward runs on
    expect(await getLocal(local)).toBe('hello from web\n');
    expect(await forwardsOf('web')).toMatchObject([{ local, remote: 3000 }]);
    const list = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout).agents;
    expect(list.find((a: { name: string }) => a.name === 'web').forwards).toMatchObject([{ local, remote: 3000 }]);
    expect((await sb.mng(['list'])).stdout).toContain(`${local}:3000`);
    // the same local port again: said plainly, nothing started
    expectFailure(
      await sb.mng(['forward', 'web', `${local}:3000`]),
      1,
      /port \d+ of this machine is already forwarded/,
    );
    const stop = await sb.mng(['forward', 'web', '--stop', String(local)]);
    expect(stop.exitCode, stop.stderr).toBe(0);
    await expect.poll(() => getLocal(local), { timeout: 5000 }).toBe('error: ECONNREFUSED');
    expect(await forwardsOf('web')).toEqual([]);
    expectFailure(await sb.mng(['forward', 'web', '--stop', String(local)]), 1, /has no forward on local port/);
  });

  it('a busy local port is a clear error, and nothing is left running', async () => {
    const busy: Server = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    const port = (busy.address() as { port: number }).port;
    try {
      expectFailure(await sb.mng(['forward', 'web', `${port}:3000`]), 1, /local port \d+ is already in use/);
      expect(await forwardsOf('web')).toEqual([]);
    } finally {
      busy.close();
    }
  });

  it('ends when the host stops; a forward to a stopped host is refused', async () => {
    const local = await freePort();
    expect((await sb.mng(['forward', 'web', `${local}:3000`])).exitCode).toBe(0);
    expect(await getLocal(local)).toBe('hello from web\n');
    expect((await sb.mng(['stop', 'web'])).exitCode).toBe(0);
    await expect.poll(() => forwardsOf('web'), { timeout: 20_000 }).toEqual([]);
    expect(await getLocal(local)).toBe('error: ECONNREFUSED');
    // its bookkeeping went with it
    expect(readdirSync(join(sb.dataDir, 'hosts', sb.container('web'), 'forwards'))).toEqual([]);
    expectFailure(await sb.mng(['forward', 'web', `${await freePort()}:3000`]), 1, /agent 'web' is not running/);
  });
});

describe('mng forward: bad input', () => {
  it.each([
    [['forward', 'web', 'abc'], /'abc' is not \[LOCAL:\]PORT/],
    [['forward', 'web', '70000'], /'70000' is not \[LOCAL:\]PORT/],
    [['forward', 'web'], /give one of/],
    [['forward', 'nobody-here', '3000'], /no agent named 'nobody-here'|agent 'nobody-here'/],
  ])('%j', async (args, pattern) => {
    const r = await sb.mng(args);
    expect(r.exitCode).not.toBe(0);
    expectFailure(r, r.exitCode, pattern);
  });

  it('a privileged local port, for a user without the right: one line, nothing written', async () => {
    // an unprivileged user (nobody) with a home of its own: root may listen below 1024, so the test runs as nobody
    const home = mkdtempSync(join(tmpdir(), 'mngtest-fwd-nobody-'));
    chmodSync(home, 0o777);
    try {
      const r = await execa(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MNG_BIN, 'forward', 'web', '80'],
        {
          reject: false,
          extendEnv: false,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: home,
            XDG_DATA_HOME: join(home, 'data'),
            XDG_CONFIG_HOME: join(home, 'config'),
            MNG_PREFIX: sb.prefix,
            NO_COLOR: '1',
          },
        },
      );
      expectFailure(
        { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) },
        1,
        /local port 80 is privileged/,
      );
      expect(existsSync(join(home, 'data'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('mng forward through the tcp:// daemon (the docker exec route)', () => {
  beforeAll(async () => {
    requireDaemon2();
    sb.writeConfig(`[providers.far]\nbackend = "docker"\nhost = "${DAEMON2}"\ndefault_image = "${sb.baseImage}"\n`);
    await sb.create('far', ['--in', 'far']);
    await serveInHost(sb, 'far', 3000);
  }, 240_000);
  afterAll(async () => {
    await cleanDaemon2(sb);
    sb.useImage();
  });

  it('reaches the server, and ends when the host stops', async () => {
    const local = await freePort();
    const r = await sb.mng(['forward', 'far', `${local}:3000`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await getLocal(local)).toBe('hello from far\n');
    // its record is under the host's alias on this provider (mng-…far.far): --list finds it there
    expect(await forwardsOf('far')).toEqual([{ local, remote: 3000, pid: expect.any(Number) }]);
    expect((await sb.mng(['stop', 'far'])).exitCode).toBe(0);
    await expect.poll(() => forwardsOf('far'), { timeout: 20_000 }).toEqual([]);
    expect(await getLocal(local)).toBe('error: ECONNREFUSED');
  });
});
