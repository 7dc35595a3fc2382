import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containersNamed, docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('pt-start');
const hostDir = mkdtempSync(join(tmpdir(), 'mngtest-pt-volume-'));
afterAll(async () => {
  await sb.cleanup();
  rmSync(hostDir, { recursive: true, force: true });
});

async function sh(name: string, command: string): Promise<string> {
  const r = await sb.mng(['exec', name, '--', 'sh', '-c', command]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('mng create -s: each value goes to docker create as one token', () => {
  it('-s --cpus=1 -s --memory=256m', async () => {
    await sb.create('limits', ['-s', '--cpus=1', '-s', '--memory=256m']);
    const c = await inspectContainer(sb.container('limits'));
    expect(c.HostConfig.NanoCpus).toBe(1e9);
    expect(c.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(JSON.parse(c.Config.Labels['mng.start-args'])).toEqual(['--cpus=1', '--memory=256m']);
  });

  it('-s -e=FOO=bar: mng exec and the agent both see it; mng keeps and shows the key only (M6)', async () => {
    const made = await sb.mng([
      '-v',
      'create',
      'env',
      '--no-connect',
      '-s',
      '-e=FOO=bar-secret',
      '--agent-cmd',
      'printenv FOO > /tmp/foo; exec sleep 100000',
    ]);
    expect(made.exitCode, made.stderr).toBe(0);
    const exec = await sb.mng(['exec', 'env', '--', 'printenv', 'FOO']);
    expect(exec.exitCode, exec.stderr).toBe(0);
    expect(exec.stdout).toBe('bar-secret\n');
    // the agent starts in its own tmux session: its file shows soon, sooner or later under load (up to 30 s)
    expect(
      await sh('env', 'i=0; while [ $i -lt 150 ] && [ ! -s /tmp/foo ]; do sleep 0.2; i=$((i+1)); done; cat /tmp/foo'),
    ).toBe('bar-secret');
    // the value reached docker run; mng's label and its -v line hold the key and a hash
    expect(made.stderr).toMatch(/^\+ docker run .* -e=FOO=mng-redacted:[0-9a-f]{16} /m);
    expect(made.stderr).not.toContain('bar-secret');
    const label = (await inspectContainer(sb.container('env'))).Config.Labels['mng.start-args'];
    expect(JSON.parse(label)).toEqual([expect.stringMatching(/^-e=FOO=mng-redacted:[0-9a-f]{16}$/)]);
    // --reuse still tells the same value from another, and names neither
    const same = await sb.mng(['create', 'env', '--reuse', '--no-connect', '-s', '-e=FOO=bar-secret']);
    expect(same.exitCode, same.stderr).toBe(0);
    const other = await sb.mng(['create', 'env', '--reuse', '--no-connect', '-s', '-e=FOO=other-secret']);
    expectFailure(other, 1, /agent 'env' exists but differs from what was asked: its start args are /);
    expect(other.stderr).not.toMatch(/bar-secret|other-secret/);
    // start --snapshot: the snapshot keeps the environment, and the replay does not set FOO to the hash
    const snap = await sb.mng(['snapshot', 'create', 'env']);
    expect(snap.exitCode, snap.stderr).toBe(0);
    const id = snap.stdout.trim().split(/\s+/)[0];
    const started = await sb.mng(['start', 'env', '--snapshot', id]);
    expect(started.exitCode, started.stderr).toBe(0);
    expect((await sb.mng(['exec', 'env', '--', 'printenv', 'FOO'])).stdout).toBe('bar-secret\n');
  });

  it('-s -v=<dir>:/data: a file written on the host is visible inside', async () => {
    await sb.create('vol', ['-s', `-v=${hostDir}:/data`]);
    // the agent's user (uid 1000) reads it as any other user of the host folder would
    chmodSync(hostDir, 0o755);
    writeFileSync(join(hostDir, 'from-host.txt'), 'written on the host\n', { mode: 0o644 });
    expect(await sh('vol', 'cat /data/from-host.txt')).toBe('written on the host');
  });

  it('snapshot create of that host warns that its mount is not in the snapshot', async () => {
    const r = await sb.mng(['snapshot', 'create', 'vol']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{12}$/);
    expect(r.stderr).toMatch(/^mng: warning: mounts are not captured in snapshots: .*\/data/m);
  });

  it('-s -p=127.0.0.1::80: published, and sshd stays on its own loopback port', async () => {
    await sb.create('pub', ['-s', '-p=127.0.0.1::80']);
    const ports = (await inspectContainer(sb.container('pub'))).NetworkSettings.Ports;
    expect(ports['80/tcp']).toHaveLength(1);
    expect(ports['80/tcp'][0].HostIp).toBe('127.0.0.1');
    expect(Number(ports['80/tcp'][0].HostPort)).toBeGreaterThan(0);
    expect(ports['22/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: expect.stringMatching(/^\d+$/) }]);
    expect(await sh('pub', 'echo ok')).toBe('ok');
  });

  it('-s --network=<a network>: attached, and ssh still works', async () => {
    const net = `${sb.prefix}net`;
    await docker(['network', 'create', net]);
    await sb.create('net', ['-s', `--network=${net}`]);
    const c = await inspectContainer(sb.container('net'));
    expect(Object.keys(c.NetworkSettings.Networks)).toEqual([net]);
    expect(await sh('net', 'echo ok')).toBe('ok');
  });

  it("-s --network -s NAME (two tokens) and -s --init (a harmless repeat of mng's own flag)", async () => {
    const net = `${sb.prefix}net2`;
    await docker(['network', 'create', net]);
    await sb.create('net2', ['-s', '--network', '-s', net, '-s', '--init']);
    const c = await inspectContainer(sb.container('net2'));
    expect(Object.keys(c.NetworkSettings.Networks)).toEqual([net]);
    expect(c.HostConfig.Init).toBe(true);
    expect(await sh('net2', 'echo ok')).toBe('ok');
  });

  it('-s --log-driver=none: no log to read the new host key from, so mng reads it with docker exec; ssh works', async () => {
    const r = await sb.mng(['-v', 'create', 'nolog', '--no-connect', '-s', '--log-driver=none']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\+ docker logs \S+nolog$/m);
    expect(r.stderr).toMatch(/^\+ docker exec \S+nolog \/bin\/sh -c 'cat \/mng\/ssh_host_ed25519_key\.pub/m);
    expect(r.stderr).not.toMatch(/restored ssh access/);
    expect(await sh('nolog', 'echo ok')).toBe('ok');
  });

  it('-s=--cpus=2 -b=--no-cache without --dockerfile: -s applies, -b is ignored with a warning', async () => {
    const r = await sb.create('eq', ['-s=--cpus=2', '-b=--no-cache']);
    expect(r.stderr).toMatch(
      /^mng: warning: -b values go to docker build, which runs only with --dockerfile; ignored: --no-cache$/m,
    );
    expect((await inspectContainer(sb.container('eq'))).HostConfig.NanoCpus).toBe(2e9);
  });

  it('default_start_args come before -s, so -s overrides them', async () => {
    sb.writeConfig(
      `[providers.docker]\nbackend = "docker"\ndefault_image = "${sb.baseImage}"\ndefault_start_args = ["--cpus=1", "-e=FROM_CONFIG=yes"]\n`,
    );
    try {
      await sb.create('defaults', ['-s', '--cpus=2']);
    } finally {
      sb.writeConfig(`[providers.docker]\nbackend = "docker"\ndefault_image = "${sb.baseImage}"\n`);
    }
    const c = await inspectContainer(sb.container('defaults'));
    expect(c.HostConfig.NanoCpus).toBe(2e9);
    expect(c.Config.Env).toContain('FROM_CONFIG=yes');
  });

  it("-s --device=<a device that is not there>: docker's own error when it starts the container, exit 1, no container left", async () => {
    // (docker run creates the container, then cannot start it: on any machine, unlike --gpus=all, which works on one
    // with a GPU)
    const r = await sb.mng(['create', 'dev', '--no-connect', '-s', '--device=/dev/mngtest-no-such-device']);
    expectFailure(
      r,
      1,
      /docker run failed \(exit \d+\): error gathering device information while adding custom device "\/dev\/mngtest-no-such-device": no such file or directory/,
    );
    expect(await containersNamed(sb.container('dev'))).toEqual([]);
  });
});

describe('mng create -s: values docker takes but the host cannot work with fail clearly, leaving nothing', () => {
  it.each([
    // (the container may still be running right after docker start, and die during the wait for ssh: either step is right)
    [
      ['-s', '--user=nobody'],
      /sshd did not start in container '\S+' \(step: (start|host key|wait for ssh)\): the container exited with code [12]: .*(\/mng\/init|\/mng\/ssh_host_ed25519_key.*): Permission denied/,
    ],
    // the host cannot make its ssh key in a read-only /mng
    [
      ['-s', '--read-only'],
      /sshd did not start in container '\S+' \(step: (start|host key)\): the container exited with code 1: mng: could not make the host's ssh key: .*Read-only file system/,
    ],
  ])('%j', async (args, message) => {
    const r = await sb.mng(['create', 'unusable', '--no-connect', ...args]);
    expectFailure(r, 1, message);
    expect(await containersNamed(sb.container('unusable'))).toEqual([]);
  });
});

describe('mng create -s: values that would break the host are usage errors, and nothing is made', () => {
  it.each([
    [['-s', '--name', '-s', 'other'], /-s --name other: mng names the container itself/],
    [['-s', '--name=other'], /-s --name=other: mng names the container itself/],
    [['-s', '--entrypoint=/bin/bash'], /-s --entrypoint=\/bin\/bash: mng runs its own entrypoint/],
    [['-s', '--rm'], /-s --rm: docker would delete the container when it stops/],
    [['-s', '-d'], /-s -d: mng always runs the container in the background/],
    [['-s', '--detach'], /-s --detach: mng always runs the container in the background/],
    [['-s', '--network=none'], /-s --network=none: mng would not reach the host.*use --egress none/],
    [['-s', '--network', '-s', 'host'], /-s --network host: docker ignores published ports on the host network/],
    [['-s', '-p=2222:22'], /-s -p=2222:22: mng publishes sshd \(container port 22\) on 127.0.0.1 itself/],
    [['-s', '--publish', '-s', '0.0.0.0::22'], /-s --publish 0.0.0.0::22: mng publishes sshd/],
    [['-s', '--init=false'], /-s --init=false: mng needs docker's init as PID 1/],
    [['-s', '--label=mng.name=x'], /-s --label=mng.name=x: labels under mng\.\* are mng's record/],
    [['-s', 'alpine'], /-s alpine: is not a docker create option: docker would take it as the image/],
    [['--dockerfile', 'Dockerfile.nope', '-b', 'MY_VAR=1'], /--dockerfile Dockerfile.nope: no such file/],
  ])('%j', async (args, message) => {
    const r = await sb.mng(['create', 'refused', '--no-connect', ...args]);
    expectFailure(r, 2, message);
    expect(await containersNamed(sb.container('refused'))).toEqual([]);
  });

  it('--label-file cannot bring in mng.* labels either (L6)', async () => {
    const file = join(hostDir, 'labels');
    writeFileSync(file, 'team=infra\nmng.ssh-user=-oProxyCommand=x\n');
    const r = await sb.mng(['create', 'refused', '--no-connect', '-s', `--label-file=${file}`]);
    expectFailure(r, 2, /"mng.ssh-user": labels under mng\.\* are mng's record of the host/);
    expect(await containersNamed(sb.container('refused'))).toEqual([]);
  });

  it('start args that give the host away pass, each with a one-line warning (L5, L6)', async () => {
    const args = [
      '-s',
      '--privileged',
      '-s',
      '-v=/var/run/docker.sock:/var/run/docker.sock',
      '-s',
      '--pid=host',
      '-s',
      '-P',
    ];
    const r = await sb.mng(['create', 'risky', '--dry-run', ...args]);
    expect(r.exitCode, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('mng: warning: '));
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/--privileged gives the agent the daemon's machine/);
    expect(warnings[1]).toMatch(/mounts \/var\/run\/docker.sock of the daemon's machine/);
    expect(warnings[2]).toMatch(/--pid=host shares the daemon's machine's pid namespace/);
    expect(warnings[3]).toMatch(/-P publishes every port the image exposes on every interface/);
    expect(r.stdout).toMatch(/ --privileged -v=\/var\/run\/docker.sock:\/var\/run\/docker.sock --pid=host -P /);
  });

  it('a stray -b word is refused with a hint, before any build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mngtest-pt-df-'));
    try {
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${sb.baseImage}\n`);
      const r = await sb.mng([
        'create',
        'refused',
        '--no-connect',
        '--dockerfile',
        join(dir, 'Dockerfile'),
        '-b',
        'MY_VAR=value',
      ]);
      expectFailure(r, 2, /-b MY_VAR=value: is not a docker build option.*did you mean -b --build-arg=MY_VAR=value\?/);
      expect(r.stderr).not.toMatch(/Building image/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
