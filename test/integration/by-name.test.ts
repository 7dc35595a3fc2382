import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

// Commands given a name act on the container this machine recorded (it created or started the host: its record says
// which daemon and which container id), never on whatever container has the name now: stop and start ask Docker for
// that container by its id and act on the id; snapshot commits it at once. Without a record, or when the record is out
// of date, the lookup by name decides, as before.

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
  let containerId: string;
  beforeAll(async () => {
    await sb.create('rec');
    const c = await inspectContainer(sb.container('rec'));
    hostId = c.Config.Labels['mng.id'];
    containerId = c.Id;
  });

  it('stop: the recorded container is asked for by its id, then docker stop of that id; the host is stopped', async () => {
    const r = await sb.mng(['-v', 'stop', 'rec']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('rec\n');
    expect(dockerCalls(r.stderr)).toEqual([`docker container inspect ${containerId}`, `docker stop ${containerId}`]);
    expect((await inspectContainer(sb.container('rec'))).State.Status).toBe('exited');
  });

  it('stop again: says it was stopped already (what Docker said of it), and stops nothing', async () => {
    const r = await sb.mng(['-v', 'stop', 'rec']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/agent 'rec' is already stopped/);
    expect(dockerCalls(r.stderr)).toEqual([`docker container inspect ${containerId}`]);
  });

  it('start: docker start of the recorded id after its inspect; ssh works after it; start again says it runs', async () => {
    const r = await sb.mng(['-v', 'start', 'rec']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('rec\n');
    expect(dockerCalls(r.stderr).slice(0, 2)).toEqual([
      `docker container inspect ${containerId}`,
      `docker start ${containerId}`,
    ]);
    const e = await sb.mng(['exec', 'rec', '--', 'echo', 'up']);
    expect(e.stdout).toBe('up\n');
    const again = await sb.mng(['start', 'rec']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/agent 'rec' is already running/);
  });

  it('snapshot create: docker commit of the recorded id is the first docker call; the snapshot belongs to the host', async () => {
    const r = await sb.mng(['-v', 'snapshot', 'create', 'rec', '--name', 'fast']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(dockerCalls(r.stderr)[0]).toMatch(new RegExp(`^docker commit --change .* ${containerId} mng-snapshot/`));
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

  it('an entry written by an earlier mng (its record in comments, without the ids): migrated; snapshot looks the host up, and start records the ids', async () => {
    const dir = join(sb.dataDir, 'hosts', sb.container('rec'));
    const entry = readFileSync(join(dir, 'ssh_config'), 'utf8');
    rmSync(join(dir, 'record.json'));
    writeFileSync(
      join(dir, 'ssh_config'),
      entry.replace(/^(# Written by mng .*\n)/, '$1# mng provider: docker\n# mng daemon: \n'),
    );
    const snap = await sb.mng(['-v', 'snapshot', 'create', 'rec'], { env: {} });
    expect(snap.exitCode, snap.stderr).toBe(0);
    expect(dockerCalls(snap.stderr)[0]).toBe(`docker container inspect ${sb.container('rec')}`);
    expect(readFileSync(join(dir, 'ssh_config'), 'utf8')).not.toMatch(/# mng provider/);
    expect(await sb.mng(['stop', 'rec'])).toMatchObject({ exitCode: 0 });
    expect(await sb.mng(['start', 'rec'])).toMatchObject({ exitCode: 0 });
    expect(JSON.parse(readFileSync(join(dir, 'record.json'), 'utf8'))).toMatchObject({
      provider: 'docker',
      daemon: '',
      hostId,
      containerId,
    });
  });
});

describe('a record that is out of date', () => {
  it('the container is gone: stop, start and snapshot say there is no such agent (the lookup), exit 1', async () => {
    await Promise.all([sb.create('gone'), sb.create('elsewhere')]);
    await docker(['rm', '-f', sb.container('gone')]);
    for (const cmd of [
      ['stop', 'gone'],
      ['start', 'gone'],
      ['snapshot', 'create', 'gone'],
    ]) {
      expectFailure(await sb.mng(cmd), 1, /no agent named 'gone'/);
    }
    // list inspects the hosts this machine has folders of while docker ps answers: a folder whose container is gone
    // is not listed, and a host with no folder here (made from another machine) still is
    rmSync(join(sb.dataDir, 'hosts', sb.container('elsewhere')), { recursive: true, force: true });
    const r = await sb.mng(['list', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const names = JSON.parse(r.stdout).agents.map((a: { name: string }) => a.name);
    expect(names).toContain('elsewhere');
    expect(names).not.toContain('gone');
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
  it("a container that is not mng's took the name: stop and start act on the recorded id, and never touch it", async () => {
    await sb.create('taken');
    // Destroyed from another machine, and the name taken by a container of someone else's: this machine's record
    // still names the old host's container id.
    expect(await sb.mng(['destroy', 'taken', '--force'], { env: otherMachine() })).toMatchObject({ exitCode: 0 });
    const foreign = sb.container('taken');
    await docker(['run', '--detach', '--name', foreign, '--entrypoint', 'sleep', sb.baseImage, '600']);
    expectFailure(await sb.mng(['stop', 'taken']), 1, /exists but is not an mng agent/);
    expect((await inspectContainer(foreign)).State.Status).toBe('running');
    await docker(['stop', '--time', '0', foreign]);
    expectFailure(await sb.mng(['start', 'taken']), 1, /exists but is not an mng agent/);
    expect((await inspectContainer(foreign)).State.Status).toBe('exited');
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
      const { Id } = await inspectContainer(two.container('multi'));
      expect(dockerCalls(named.stderr).slice(0, 2)).toEqual([`docker container inspect ${Id}`, `docker start ${Id}`]);
    } finally {
      await two.cleanup();
    }
  });
});
