import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { containersNamed, docker, imageExists, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('life');
// default_start_args stand in for -s values (recorded in mng.start-args): start --snapshot must replay them.
sb.writeConfig(`[providers.docker]
backend = "docker"
default_image = "${sb.baseImage}"
default_start_args = ["--label=team=infra", "--env=MNG_REPLAY=yes", "--hostname=replayed"]
`);
afterAll(() => sb.cleanup());

async function listAgent(name: string): Promise<any> {
  const r = await sb.mng(['list', '--format', 'json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout).agents.find((a: any) => a.name === name);
}

/** Run a command over plain ssh through mng's ssh config file (strict host key checking against mng's known_hosts). */
async function ssh(name: string, command: string[]) {
  return execa('ssh', sb.sshArgs(name, command), { reject: false, stdin: 'ignore', timeout: 30_000 });
}

/** Images that are snapshots of the host with this mng.id. */
async function snapshotImages(hostId: string): Promise<string[]> {
  const r = await docker(['images', '--quiet', '--no-trunc', '--filter', `label=mng.snapshot.host-id=${hostId}`]);
  return [...new Set(r.stdout.split('\n').filter(Boolean))];
}

describe('mng stop and mng start', () => {
  beforeAll(async () => {
    await sb.create('life');
    const w = await sb.mng(['exec', 'life', '--', 'sh', '-c', 'echo kept > /home/agent/note']);
    expect(w.exitCode, w.stderr).toBe(0);
  });

  it('stops with a real docker stop: the container has exited with code 0, list says stopped (user)', async () => {
    const r = await sb.mng(['stop', 'life']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('life\n');
    const c = await inspectContainer(sb.container('life'));
    expect(c.State.Status).toBe('exited');
    expect(c.State.ExitCode).toBe(0);
    const a = await listAgent('life');
    expect(a).toMatchObject({ state: 'stopped', stop_reason: 'user', exit_code: 0 });
    expect(Date.parse(a.stopped_at)).not.toBeNaN();
    expect(a.ssh.port).toBeNull();
    const human = await sb.mng(['list']);
    expect(human.stdout).toMatch(/^life\s+stopped \(user\)\s/m);
  });

  it('stop of a stopped host is a no-op: exit 0, a note on stderr', async () => {
    const r = await sb.mng(['stop', 'life']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/agent 'life' is already stopped/);
  });

  it("starts again: same files, the agent's tmux session back, ssh with strict host key checking on the new port", async () => {
    const r = await sb.mng(['start', 'life']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('life\n');
    const cat = await ssh('life', ['cat', '/home/agent/note']);
    expect(cat.exitCode, cat.stderr).toBe(0);
    expect(cat.stdout).toBe('kept');
    const tmux = await sb.mng(['exec', 'life', '--', 'tmux', 'has-session', '-t', 'agent']);
    expect(tmux.exitCode, tmux.stderr).toBe(0);
    const a = await listAgent('life');
    expect(a).toMatchObject({ state: 'running', stop_reason: null, stopped_at: null });
    const c = await inspectContainer(sb.container('life'));
    expect(a.ssh.port).toBe(Number(c.NetworkSettings.Ports['22/tcp'][0].HostPort));
  });

  it('start of a running host is a no-op: exit 0, a note on stderr', async () => {
    const before = await inspectContainer(sb.container('life'));
    const r = await sb.mng(['start', 'life']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/agent 'life' is already running/);
    expect((await inspectContainer(sb.container('life'))).State.StartedAt).toBe(before.State.StartedAt);
  });

  it('tells a host that stopped itself (the idle hook: SIGUSR1 to PID 1) from one that crashed', async () => {
    // (the container may stop before docker exec has its exit status: a failed exec here says nothing; the stop does)
    await docker(['exec', sb.container('life'), 'kill', '-USR1', '1'], { reject: false });
    await docker(['wait', sb.container('life')]);
    expect(await listAgent('life')).toMatchObject({ state: 'stopped', stop_reason: 'idle', exit_code: 81 });

    expect((await sb.mng(['start', 'life'])).exitCode).toBe(0);
    // sshd dying on its own takes the container down: a crash, never "user".
    await docker(['exec', sb.container('life'), 'sh', '-c', 'kill -TERM $(cat /run/mng/sshd.pid)'], { reject: false });
    await docker(['wait', sb.container('life')]);
    const a = await listAgent('life');
    expect(a).toMatchObject({ state: 'stopped', stop_reason: 'crashed' });
    expect(a.exit_code).not.toBe(0);
    expect((await sb.mng(['list'])).stdout).toMatch(/^life\s+stopped \(crashed: exit \d+\)\s/m);
  });
});

describe('snapshots and start --snapshot', () => {
  let hostId: string;
  let first: string;
  let second: string;
  let oldContainer: any;

  beforeAll(async () => {
    await sb.create('snap');
    const w = await sb.mng(['exec', 'snap', '--', 'sh', '-c', 'echo v1 > /home/agent/state']);
    expect(w.exitCode, w.stderr).toBe(0);
    oldContainer = await inspectContainer(sb.container('snap'));
    hostId = oldContainer.Config.Labels['mng.id'];
  });

  it('snapshot create commits the running host and prints the snapshot id; the image is labelled with its host', async () => {
    const r = await sb.mng(['snapshot', 'create', 'snap', '--name', 'before change']);
    expect(r.exitCode, r.stderr).toBe(0);
    first = r.stdout.trim();
    expect(first).toMatch(/^[0-9a-f]{12}$/);
    const img = JSON.parse((await docker(['image', 'inspect', first])).stdout)[0];
    expect(img.Config.Labels).toMatchObject({
      'mng.snapshot.host-id': hostId,
      'mng.snapshot.host-name': 'snap',
      'mng.snapshot.name': 'before change',
    });
    expect(Date.parse(img.Config.Labels['mng.snapshot.created-at'])).not.toBeNaN();
    expect(img.RepoTags).toHaveLength(1);
    expect(img.RepoTags[0]).toMatch(/^mng-snapshot\/[a-z0-9-]+:[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/);
  });

  it('snapshot create works on a stopped host too, and names it by default', async () => {
    const w = await sb.mng(['exec', 'snap', '--', 'sh', '-c', 'echo v2 > /home/agent/state']);
    expect(w.exitCode, w.stderr).toBe(0);
    expect((await sb.mng(['stop', 'snap'])).exitCode).toBe(0);
    const r = await sb.mng(['snapshot', 'create', 'snap']);
    expect(r.exitCode, r.stderr).toBe(0);
    second = r.stdout.trim();
    expect(second).toMatch(/^[0-9a-f]{12}$/);
    expect((await sb.mng(['start', 'snap'])).exitCode).toBe(0);
  });

  it('snapshot list --format json: {"snapshots":[{id,name,created_at,size_bytes}]}, newest first', async () => {
    const r = await sb.mng(['snapshot', 'list', 'snap', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(['snapshots']);
    expect(json.snapshots.map((s: any) => s.id)).toEqual([second, first]);
    for (const s of json.snapshots) {
      expect(Object.keys(s).sort()).toEqual(['created_at', 'id', 'name', 'size_bytes']);
      expect(s.size_bytes).toBeGreaterThan(0);
      expect(Date.parse(s.created_at)).not.toBeNaN();
    }
    expect(json.snapshots[1].name).toBe('before change');
    expect(json.snapshots[0].name).toMatch(/^snap-\d{8}-\d{6}$/);
    const human = await sb.mng(['snapshot', 'list', 'snap']);
    expect(human.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+CREATED\s+SIZE$/);
  });

  it('start --snapshot replaces the container: files as at snapshot time, same name, labels and start args, ssh and agent back', async () => {
    const w = await sb.mng(['exec', 'snap', '--', 'sh', '-c', 'echo v3 > /home/agent/state']);
    expect(w.exitCode, w.stderr).toBe(0);
    const before = await inspectContainer(sb.container('snap'));
    const r = await sb.mng(['start', 'snap', '--snapshot', first]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('snap\n');

    const after = await inspectContainer(sb.container('snap'));
    expect(after.Id).not.toBe(before.Id);
    expect(after.Image).toBe(JSON.parse((await docker(['image', 'inspect', first])).stdout)[0].Id);
    expect(await containersNamed(sb.container('snap'))).toEqual([sb.container('snap')]);
    // mng's labels are replayed exactly (same id, name, tags, start args...), and so are the start args themselves.
    const mngLabels = (c: any) =>
      Object.fromEntries(
        Object.entries(c.Config.Labels as Record<string, string>).filter(
          ([k]) => k.startsWith('mng.') && !k.startsWith('mng.snapshot.'),
        ),
      );
    expect(mngLabels(after)).toEqual(mngLabels(before));
    expect(after.Config.Labels['mng.id']).toBe(hostId);
    expect(after.Config.Labels['mng.tags']).toBe(before.Config.Labels['mng.tags']);
    expect(after.Config.Labels.team).toBe('infra');
    expect(after.Config.Hostname).toBe('replayed');
    expect(after.HostConfig.Init).toBe(true);
    expect(after.NetworkSettings.Ports['22/tcp'][0].HostIp).toBe('127.0.0.1');

    // ssh joins its arguments into one remote shell command line
    const cat = await ssh('snap', ['cat /home/agent/state; echo $MNG_REPLAY']);
    expect(cat.exitCode, cat.stderr).toBe(0);
    expect(cat.stdout).toBe('v1\nyes');
    const tmux = await sb.mng(['exec', 'snap', '--', 'tmux', 'has-session', '-t', 'agent']);
    expect(tmux.exitCode, tmux.stderr).toBe(0);
    const a = await listAgent('snap');
    expect(a).toMatchObject({ state: 'running', container_id: after.Id });
    // The snapshot stays.
    expect(await imageExists(first)).toBe(true);
  });

  it('a failed start --snapshot leaves the old host as it was and nothing half-made behind', async () => {
    // A snapshot whose sshd cannot start: the replacement dies at boot.
    expect((await sb.mng(['exec', 'snap', '--', 'sudo', 'mv', '/usr/sbin/sshd', '/usr/sbin/sshd.off'])).exitCode).toBe(
      0,
    );
    const broken = (await sb.mng(['snapshot', 'create', 'snap', '--name', 'broken'])).stdout.trim();
    expect((await sb.mng(['exec', 'snap', '--', 'sudo', 'mv', '/usr/sbin/sshd.off', '/usr/sbin/sshd'])).exitCode).toBe(
      0,
    );
    const before = await inspectContainer(sb.container('snap'));

    const r = await sb.mng(['start', 'snap', '--snapshot', broken]);
    expectFailure(r, 1, /sshd did not start/);
    const after = await inspectContainer(sb.container('snap'));
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(await containersNamed(sb.container('snap'))).toEqual([sb.container('snap')]);
    const cat = await ssh('snap', ['cat', '/home/agent/state']);
    expect(cat.stdout).toBe('v1');
  });

  it('refuses a snapshot id that does not exist, or that belongs to another host, changing nothing', async () => {
    await sb.create('other');
    const theirs = (await sb.mng(['snapshot', 'create', 'other'])).stdout.trim();
    expect(theirs).toMatch(/^[0-9a-f]{12}$/);
    const before = await inspectContainer(sb.container('snap'));

    expectFailure(
      await sb.mng(['start', 'snap', '--snapshot', theirs]),
      1,
      /snapshot '[0-9a-f]{12}' belongs to agent 'other', not to 'snap'/,
    );
    expectFailure(
      await sb.mng(['start', 'snap', '--snapshot', 'feedfacecafe']),
      1,
      /agent 'snap' has no snapshot 'feedfacecafe'/,
    );
    expectFailure(await sb.mng(['snapshot', 'destroy', 'snap', '--snapshot', theirs]), 1, /belongs to agent 'other'/);

    expect((await inspectContainer(sb.container('snap'))).Id).toBe(before.Id);
    expect(await containersNamed(sb.container('snap'))).toEqual([sb.container('snap')]);
    expect(await imageExists(theirs)).toBe(true);
  });

  it('refuses start --snapshot while the daemon is down, with one error line', async () => {
    const before = await inspectContainer(sb.container('snap'));
    const r = await sb.mng(['start', 'snap', '--snapshot', first], { env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } });
    expectFailure(r, 1, /cannot reach the Docker daemon/);
    expect((await inspectContainer(sb.container('snap'))).Id).toBe(before.Id);
    expect(await containersNamed(sb.container('snap'))).toEqual([sb.container('snap')]);
  });

  it('snapshot destroy removes the named snapshots, keeps the one the host runs from', async () => {
    expectFailure(
      await sb.mng(['snapshot', 'destroy', 'snap', '--snapshot', first]),
      1,
      /is the image agent 'snap' runs from/,
    );
    expect(await imageExists(first)).toBe(true);
    const r = await sb.mng(['snapshot', 'destroy', 'snap', '--snapshot', second]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${second}\n`);
    expect(await imageExists(second)).toBe(false);
    const left = JSON.parse((await sb.mng(['snapshot', 'list', 'snap', '--format', 'json'])).stdout).snapshots.map(
      (s: any) => s.id,
    );
    expect(left).not.toContain(second);
    expect(left).toContain(first);
  });

  it("destroy removes the host's snapshot images", async () => {
    expect((await snapshotImages(hostId)).length).toBeGreaterThan(0);
    const r = await sb.mng(['destroy', 'snap', '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await snapshotImages(hostId)).toEqual([]);
    expect(await imageExists(first)).toBe(false);
  });

  it('destroy --keep-snapshots keeps them', async () => {
    const otherId = (await inspectContainer(sb.container('other'))).Config.Labels['mng.id'];
    const kept = await snapshotImages(otherId);
    expect(kept).toHaveLength(1);
    const r = await sb.mng(['destroy', 'other', '--force', '--keep-snapshots']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await snapshotImages(otherId)).toEqual(kept);
    const refs = JSON.parse((await docker(['image', 'inspect', ...kept])).stdout).flatMap((i: any) => i.RepoTags);
    await docker(['rmi', ...refs]);
    expect(await snapshotImages(otherId)).toEqual([]);
  });
});

describe('usage errors', () => {
  it.each([[['stop']], [['start']], [['snapshot', 'create']], [['snapshot', 'list']], [['snapshot', 'destroy']]])(
    'mng %s without NAME: usage error, exit 2',
    async (args) => {
      expectFailure(await sb.mng(args), 2, /Not enough non-option arguments/);
    },
  );

  it('snapshot destroy without --snapshot or --all: exit 2, before looking anything up', async () => {
    expectFailure(await sb.mng(['snapshot', 'destroy', 'nobody']), 2, /--snapshot ID .* or --all/);
    expectFailure(
      await sb.mng(['snapshot', 'destroy', 'nobody', '--all', '--snapshot', 'x']),
      2,
      /either --snapshot or --all/,
    );
  });

  it('an option without its value, or a bad snapshot name: exit 2', async () => {
    expectFailure(await sb.mng(['start', 'nobody', '--snapshot']), 2, /Not enough arguments following: snapshot/);
    expectFailure(await sb.mng(['snapshot', 'create', 'nobody', '--name']), 2, /Not enough arguments following: name/);
    expectFailure(await sb.mng(['snapshot', 'create', 'nobody', '--name', '']), 2, /invalid snapshot name ""/);
  });

  it('start --snapshot with several names: exit 2', async () => {
    expectFailure(await sb.mng(['start', 'a', 'b', '--snapshot', 'x']), 2, /--snapshot starts one agent/);
  });

  it('unknown agents: exit 1 and nothing done', async () => {
    expectFailure(await sb.mng(['stop', 'ghost']), 1, /no agent named 'ghost'/);
    expectFailure(await sb.mng(['start', 'ghost']), 1, /no agent named 'ghost'/);
    expectFailure(await sb.mng(['snapshot', 'create', 'ghost']), 1, /no agent named 'ghost'/);
  });
});

describe('start --snapshot of a host that publishes a fixed host port', () => {
  // Its own sandbox: every host of it publishes the same fixed port, so it holds one host.
  const fx = new Sandbox('lifeport');
  let port: number;
  afterAll(() => fx.cleanup());

  beforeAll(async () => {
    const { createServer } = await import('node:net');
    port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    fx.writeConfig(
      `[providers.docker]\nbackend = "docker"\ndefault_image = "${fx.baseImage}"\ndefault_start_args = ["--publish=127.0.0.1:${port}:8080"]\n`,
    );
    await fx.create('fixed');
  });

  it('stops the old container first (two cannot hold the port), and starts it again when the replacement fails', async () => {
    expect((await fx.mng(['exec', 'fixed', '--', 'sudo', 'mv', '/usr/sbin/sshd', '/usr/sbin/sshd.off'])).exitCode).toBe(
      0,
    );
    const broken = (await fx.mng(['snapshot', 'create', 'fixed', '--name', 'broken'])).stdout.trim();
    expect((await fx.mng(['exec', 'fixed', '--', 'sudo', 'mv', '/usr/sbin/sshd.off', '/usr/sbin/sshd'])).exitCode).toBe(
      0,
    );
    const good = (await fx.mng(['snapshot', 'create', 'fixed', '--name', 'good'])).stdout.trim();
    const before = await inspectContainer(fx.container('fixed'));

    const failed = await fx.mng(['start', 'fixed', '--snapshot', broken]);
    expectFailure(failed, 1, /sshd did not start/);
    expect(failed.stderr).toMatch(/Stopping .* first: it publishes fixed host ports \(\d+->8080\/tcp\)/);
    const restored = await inspectContainer(fx.container('fixed'));
    expect(restored.Id).toBe(before.Id);
    expect(restored.State.Running).toBe(true);
    const ok = await execa('ssh', fx.sshArgs('fixed', ['true']), { reject: false, stdin: 'ignore', timeout: 30_000 });
    expect(ok.exitCode, ok.stderr).toBe(0);

    const r = await fx.mng(['start', 'fixed', '--snapshot', good]);
    expect(r.exitCode, r.stderr).toBe(0);
    const after = await inspectContainer(fx.container('fixed'));
    expect(after.Id).not.toBe(before.Id);
    expect(after.NetworkSettings.Ports['8080/tcp'][0].HostPort).toBe(String(port));
    expect(await containersNamed(fx.container('fixed'))).toEqual([fx.container('fixed')]);
  });
});
