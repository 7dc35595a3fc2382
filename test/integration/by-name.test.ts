import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

// Commands given a name act at once when this machine recorded the host (it created or started it): the real docker
// call goes out first, with no lookup before it. Without a record, or when the record is out of date, the lookup
// decides, as before.

const sb = new Sandbox('byname');
afterAll(() => sb.cleanup());

/** The docker command lines `mng -v` printed, in order. */
function dockerCalls(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('+ docker '))
    .map((l) => l.slice(2));
}

/** Another machine (or a wiped data folder): the same daemon and prefix, a data folder with no records. */
function otherMachine(): Record<string, string> {
  const data = join(sb.dir, `other-data-${Math.random().toString(16).slice(2, 8)}`);
  mkdirSync(data, { recursive: true });
  return { XDG_DATA_HOME: data };
}

async function snapshotIdsOf(hostId: string): Promise<string[]> {
  const r = await docker(['images', '--quiet', '--no-trunc', '--filter', `label=mng.snapshot.host-id=${hostId}`]);
  return [...new Set(r.stdout.split('\n').filter(Boolean))];
}

describe('acting on a recorded host by name', () => {
  let hostId: string;
  beforeAll(async () => {
    await sb.create('rec');
    hostId = (await inspectContainer(sb.container('rec'))).Config.Labels['mng.id'];
  });

  it('stop: docker stop of the name is the first docker call; the host is stopped', async () => {
    const r = await sb.mng(['-v', 'stop', 'rec']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('rec\n');
    expect(dockerCalls(r.stderr)[0]).toBe(`docker stop ${sb.container('rec')}`);
    expect((await inspectContainer(sb.container('rec'))).State.Status).toBe('exited');
  });

  it('stop again: still says it was stopped already (the inspect alongside tells)', async () => {
    const r = await sb.mng(['-v', 'stop', 'rec']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/agent 'rec' is already stopped/);
    expect(dockerCalls(r.stderr)[0]).toBe(`docker stop ${sb.container('rec')}`);
  });

  it('start: docker start of the name is the first docker call; ssh works after it; start again says it runs', async () => {
    const r = await sb.mng(['-v', 'start', 'rec']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('rec\n');
    expect(dockerCalls(r.stderr)[0]).toBe(`docker start ${sb.container('rec')}`);
    const e = await sb.mng(['exec', 'rec', '--', 'echo', 'up']);
    expect(e.stdout).toBe('up\n');
    const again = await sb.mng(['start', 'rec']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/agent 'rec' is already running/);
  });

  it('snapshot create: docker commit is the first docker call; the snapshot belongs to the host', async () => {
    const r = await sb.mng(['-v', 'snapshot', 'create', 'rec', '--name', 'fast']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(dockerCalls(r.stderr)[0]).toMatch(/^docker commit --change /);
    const id = r.stdout.trim();
    const list = JSON.parse((await sb.mng(['snapshot', 'list', 'rec', '--format', 'json'])).stdout);
    expect(list.snapshots.map((s: any) => [s.id, s.name])).toContainEqual([id, 'fast']);
    expect((await snapshotIdsOf(hostId)).length).toBe(1);
  });

  it('without a record (another machine), each command looks the host up first and works', async () => {
    const env = otherMachine();
    const stop = await sb.mng(['-v', 'stop', 'rec'], { env });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(dockerCalls(stop.stderr)[0]).toBe(`docker container inspect ${sb.container('rec')}`);
    const snap = await sb.mng(['-v', 'snapshot', 'create', 'rec'], { env });
    expect(snap.exitCode, snap.stderr).toBe(0);
    expect(dockerCalls(snap.stderr)[0]).toBe(`docker container inspect ${sb.container('rec')}`);
    const start = await sb.mng(['-v', 'start', 'rec'], { env });
    expect(start.exitCode, start.stderr).toBe(0);
    expect(dockerCalls(start.stderr)[0]).toBe(`docker container inspect ${sb.container('rec')}`);
    expect((await snapshotIdsOf(hostId)).length).toBe(2);
  });

  it('a record written before it held the host id: snapshot looks the host up, and start records the id', async () => {
    const entry = join(sb.dataDir, 'hosts', sb.container('rec'), 'ssh_config');
    writeFileSync(entry, readFileSync(entry, 'utf8').replace(/^# mng host id: .*\n/m, ''));
    const snap = await sb.mng(['-v', 'snapshot', 'create', 'rec'], { env: {} });
    expect(snap.exitCode, snap.stderr).toBe(0);
    expect(dockerCalls(snap.stderr)[0]).toBe(`docker container inspect ${sb.container('rec')}`);
    expect(await sb.mng(['stop', 'rec'])).toMatchObject({ exitCode: 0 });
    expect(await sb.mng(['start', 'rec'])).toMatchObject({ exitCode: 0 });
    expect(readFileSync(entry, 'utf8')).toMatch(new RegExp(`^# mng host id: ${hostId}$`, 'm'));
  });
});

describe('a record that is out of date', () => {
  it('the container is gone: stop, start and snapshot say there is no such agent (the lookup), exit 1', async () => {
    await sb.create('gone');
    await docker(['rm', '-f', sb.container('gone')]);
    for (const cmd of [
      ['stop', 'gone'],
      ['start', 'gone'],
      ['snapshot', 'create', 'gone'],
    ]) {
      expectFailure(await sb.mng(cmd), 1, /no agent named 'gone'/);
    }
  });

  it('another host now has the name: snapshot removes the one it labelled for the old host and snapshots the new one', async () => {
    await sb.create('reborn');
    const oldId = (await inspectContainer(sb.container('reborn'))).Config.Labels['mng.id'];
    // Destroyed and made again from another machine: this machine's record still names the old host.
    const env = otherMachine();
    expect(await sb.mng(['destroy', 'reborn', '--force'], { env })).toMatchObject({ exitCode: 0 });
    const made = await sb.mng(['create', 'reborn', '--no-connect'], { env });
    expect(made.exitCode, made.stderr).toBe(0);
    const newId = (await inspectContainer(sb.container('reborn'))).Config.Labels['mng.id'];
    expect(newId).not.toBe(oldId);
    const r = await sb.mng(['snapshot', 'create', 'reborn']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await snapshotIdsOf(oldId)).toEqual([]);
    expect((await snapshotIdsOf(newId)).length).toBe(1);
  });
});

describe('several providers: a name may be on more than one', () => {
  it('stop looks the name up on every provider first (no record is trusted)', async () => {
    const two = new Sandbox('byname2');
    try {
      await two.create('multi');
      two.writeConfig(
        `[providers.docker]\nbackend = "docker"\ndefault_image = "${two.baseImage}"\n\n[providers.other]\nbackend = "docker"\ndefault_image = "${two.baseImage}"\n`,
      );
      const r = await two.mng(['-v', 'stop', 'multi']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(dockerCalls(r.stderr)[0]).toBe(`docker container inspect ${two.container('multi')}`);
      const named = await two.mng(['-v', 'start', 'multi', '--provider', 'docker']);
      expect(named.exitCode, named.stderr).toBe(0);
      expect(dockerCalls(named.stderr)[0]).toBe(`docker start ${two.container('multi')}`);
    } finally {
      await two.cleanup();
    }
  });
});
