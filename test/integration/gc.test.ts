import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import { containerExists, docker, imageExists, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('gc');
let snapshotRef = '';
afterAll(async () => {
  if (snapshotRef) await docker(['rmi', '-f', snapshotRef], { reject: false });
  await sb.cleanup();
});

// Labels as an interrupted mng command leaves them (an id of 16 hex digits: a made-up one would fail mng's gate).
const labels = (name: string) => [
  '--label',
  `mng.id=${createHash('sha256').update(name).digest('hex').slice(0, 16)}`,
  '--label',
  `mng.prefix=${sb.prefix}`,
  '--label',
  `mng.name=${name}`,
  '--label',
  'mng.provider=docker',
];

beforeAll(async () => {
  await Promise.all([sb.create('keep'), sb.create('idle'), sb.create('lost'), sb.create('gone')]);
  expect((await sb.mng(['stop', 'idle'])).exitCode).toBe(0);
  // Containers mng did not make, with names that look like its own: never touched.
  await docker(['create', '--name', sb.container('foreign'), sb.baseImage, 'true']);
  await docker(['create', '--name', `${sb.container('keep')}.new-00aa11`, sb.baseImage, 'true']);
  // A create killed before docker start: mng's labels, never started.
  await docker(['create', '--name', sb.container('killed'), ...labels('killed'), sb.baseImage, 'true']);
  // A start --snapshot killed after making the replacement, before removing the old container.
  await docker(['create', '--name', `${sb.container('keep')}.new-bb22cc`, ...labels('keep'), sb.baseImage, 'true']);
  // ... and one killed between removing the old container and renaming the new one.
  await docker(['rename', sb.container('lost'), `${sb.container('lost')}.new-dd33ee`]);
  // A host whose container went away without mng: its ssh entry and snapshot stay behind.
  const snap = await sb.mng(['snapshot', 'create', 'gone']);
  expect(snap.exitCode, snap.stderr).toBe(0);
  snapshotRef = (
    await docker([
      'images',
      '--filter',
      `label=mng.snapshot.prefix=${sb.prefix}`,
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ])
  ).stdout.trim();
  expect(snapshotRef).toMatch(new RegExp(`^mng-snapshot/${sb.container('gone')}:`));
  await docker(['rm', '-f', sb.container('gone')]);
  // A shared-connection socket whose ssh master was killed: nothing answers on it.
  mkdirSync(join(sb.dataDir, 'sockets'), { recursive: true, mode: 0o700 });
  // (a process listening on it is killed, as a master can be: the socket file stays, and nothing answers on it)
  await execa(
    process.execPath,
    [
      '-e',
      "require('net').createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'))",
      deadSocket,
    ],
    { reject: false },
  );
});

const entry = (name: string) => join(sb.dataDir, 'hosts', sb.container(name));
const deadSocket = join(sb.dataDir, 'sockets', 'f'.repeat(40));

const ours = (out: string) => out.split('\n').filter((l) => l.includes(sb.prefix));

describe('gc', () => {
  it('--dry-run lists what it would do and does nothing; young leftovers wait for --older-than', async () => {
    const young = await sb.mng(['gc', '--dry-run']);
    expect(young.exitCode, young.stderr).toBe(0);
    expect(ours(young.stdout).join('\n')).not.toMatch(/killed|bb22cc/);
    const r = await sb.mng(['gc', '--dry-run', '--older-than', '0']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ours(r.stdout).sort()).toEqual(
      [
        `would remove container ${sb.container('keep')}.new-bb22cc (provider docker): a replacement of ${sb.container('keep')} left behind by an interrupted start --snapshot`,
        `would remove container ${sb.container('killed')} (provider docker): never started: left behind by an interrupted create`,
        `would remove ssh-entry ${sb.container('gone')}: ssh config entry and pinned host key of a host that no longer exists`,
        `would rename container ${sb.container('lost')}.new-dd33ee to ${sb.container('lost')} (provider docker): the host, left under its temporary name by an interrupted start --snapshot`,
      ].sort(),
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `snapshot mng-snapshot/${sb.container('gone')}:\\S+: snapshot of agent 'gone', which no longer exists \\(kept`,
      ),
    );
    expect(await containerExists(sb.container('killed'))).toBe(true);
    expect(await containerExists(`${sb.container('lost')}.new-dd33ee`)).toBe(true);
    expect(existsSync(entry('gone'))).toBe(true);
    expect(r.stdout).toContain(`would remove ssh-socket ${deadSocket}: ssh connection socket that no process answers`);
    expect(existsSync(deadSocket)).toBe(true);
  });

  it('removes what mng left behind, and never a foreign container or a healthy host', async () => {
    const r = await sb.mng(['gc', '--older-than', '0', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const actions = JSON.parse(r.stdout).actions.filter((a: any) => a.ref.includes(sb.prefix));
    expect(actions.map((a: any) => `${a.op} ${a.kind} ${a.ref}`).sort()).toEqual(
      [
        `keep snapshot ${snapshotRef}`,
        `remove container ${sb.container('keep')}.new-bb22cc`,
        `remove container ${sb.container('killed')}`,
        `remove ssh-entry ${sb.container('gone')}`,
        `rename container ${sb.container('lost')}.new-dd33ee`,
      ].sort(),
    );
    expect(actions.every((a: any) => a.error === null)).toBe(true);
    expect(await containerExists(sb.container('killed'))).toBe(false);
    expect(await containerExists(`${sb.container('keep')}.new-bb22cc`)).toBe(false);
    // foreign containers of the same prefix are untouched
    expect(await containerExists(sb.container('foreign'))).toBe(true);
    expect(await containerExists(`${sb.container('keep')}.new-00aa11`)).toBe(true);
    // healthy hosts, running and stopped, are untouched
    expect((await inspectContainer(sb.container('keep'))).State.Status).toBe('running');
    expect((await inspectContainer(sb.container('idle'))).State.Status).toBe('exited');
    // the host under a temporary name is back
    const exec = await sb.mng(['exec', 'lost', '--', 'echo', 'back']);
    expect(exec.stdout).toBe('back\n');
    expect(existsSync(entry('gone'))).toBe(false);
    expect(existsSync(entry('keep'))).toBe(true);
    expect(existsSync(deadSocket)).toBe(false);
    expect(await imageExists(snapshotRef)).toBe(true);
  });

  it('--snapshots removes snapshots of hosts that are gone; a second run finds nothing of ours', async () => {
    const r = await sb.mng(['gc', '--snapshots', '--provider', 'docker']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ours(r.stdout)).toEqual([
      `removed snapshot ${snapshotRef} (provider docker): snapshot of agent 'gone', which no longer exists`,
    ]);
    expect(await imageExists(snapshotRef)).toBe(false);
    const again = await sb.mng(['gc', '--dry-run', '--older-than', '0', '--snapshots']);
    expect(ours(again.stdout)).toEqual([]);
  });

  it('rejects a bad --older-than', async () => {
    expectFailure(await sb.mng(['gc', '--older-than', 'soon']), 2, /--older-than/);
  });
});

describe('gc with a daemon that does not answer', () => {
  const down = new Sandbox('gcdown');
  afterAll(() => down.cleanup());

  it('keeps the ssh entries (it cannot tell which hosts are gone), names the daemon and exits 1', async () => {
    await down.create('lost');
    await docker(['rm', '-f', down.container('lost')]);
    down.writeConfig(
      `[providers.docker]\nbackend = "docker"\ndefault_image = "${down.baseImage}"\n[providers.down]\nbackend = "docker"\nhost = "tcp://127.0.0.1:1"\n`,
    );
    const r = await down.mng(['gc', '--older-than', '0']);
    expectFailure(r, 1, /1 item could not be cleaned up/);
    expect(r.stderr).toMatch(/^mng: warning: provider 'down': cannot reach the Docker daemon/m);
    expect(existsSync(join(down.dataDir, 'hosts', down.container('lost')))).toBe(true);
    // every daemon answering, the same entry goes: what kept it was the daemon that did not answer
    down.useImage();
    const again = await down.mng(['gc', '--older-than', '0']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout.split('\n')).toContain(
      `removed ssh-entry ${down.container('lost')}: ssh config entry and pinned host key of a host that no longer exists`,
    );
    expect(existsSync(join(down.dataDir, 'hosts', down.container('lost')))).toBe(false);
  });
});
