import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { containersNamed, docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('create');
afterAll(() => sb.cleanup());

describe('mng create on the local daemon', () => {
  let json: any;
  beforeAll(async () => {
    const r = await sb.mng(['create', 'alpha', '--in', 'docker', '--no-connect', '--format', 'json']);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.exitCode, r.stderr).toBe(0);
    json = JSON.parse(r.stdout);
  });

  it('prints one JSON object with name, container id, provider and ssh endpoint', async () => {
    expect(json).toMatchObject({
      name: 'alpha',
      provider: 'docker',
      state: 'running',
      container_name: sb.container('alpha'),
    });
    expect(json.container_id).toMatch(/^[0-9a-f]{64}$/);
    expect(json.ssh).toMatchObject({ user: 'agent', host: '127.0.0.1' });
    expect(json.ssh.port).toBeGreaterThan(0);
    expect(json.agent).toEqual({ state: 'running' });
  });

  it('labels the container and publishes sshd on 127.0.0.1 only', async () => {
    const c = await inspectContainer(sb.container('alpha'));
    expect(c.Id).toBe(json.container_id);
    expect(c.Config.Labels).toMatchObject({
      'mng.name': 'alpha',
      'mng.prefix': sb.prefix,
      'mng.provider': 'docker',
      'mng.image': sb.baseImage,
      'mng.tags': '{}',
    });
    expect(c.Config.Labels['mng.id']).toMatch(/^[0-9a-f]{16}$/);
    const bindings = c.NetworkSettings.Ports['22/tcp'];
    expect(bindings).toHaveLength(1);
    expect(bindings[0].HostIp).toBe('127.0.0.1');
    expect(Number(bindings[0].HostPort)).toBe(json.ssh.port);
    expect(c.HostConfig.Init).toBe(true);
  });

  it('runs the agent in a tmux session', async () => {
    const r = await sb.mng(['exec', 'alpha', '--', 'tmux', 'list-sessions', '-F', '#{session_name}']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('agent');
  });

  it("answers plain ssh with mng's key, checking the host key strictly", async () => {
    const ok = await execa('ssh', sb.sshArgs('alpha', ['cat', '/etc/hostname']), { reject: false });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(json.container_id.startsWith(ok.stdout.trim())).toBe(true);
    // The same connection with an empty known_hosts must be refused: the key is pinned, never trusted on first use.
    const empty = join(sb.dir, 'empty_known_hosts');
    await execa('touch', [empty]);
    const refused = await execa('ssh', ['-o', `UserKnownHostsFile=${empty}`, ...sb.sshArgs('alpha', ['true'])], {
      reject: false,
    });
    expect(refused.exitCode).toBe(255);
    expect(refused.stderr).toMatch(/Host key verification failed|No ED25519 host key is known/);
  });

  it("keeps the client key private in the data directory, and pins the host's own key under its alias", () => {
    expect(statSync(join(sb.dataDir, 'keys/client/id_ed25519')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(sb.dataDir, 'keys/host'))).toBe(false);
    expect(readFileSync(join(sb.dataDir, 'hosts', sb.container('alpha'), 'known_hosts'), 'utf8')).toMatch(
      new RegExp(`^${sb.container('alpha')} ssh-ed25519 \\S+\\n$`),
    );
  });

  it('stops quickly and cleanly: PID 1 exits 0 on SIGTERM', async () => {
    await sb.create('stopper');
    await docker(['stop', '--time', '30', sb.container('stopper')]);
    const c = await inspectContainer(sb.container('stopper'));
    expect(c.State.Status).toBe('exited');
    expect(c.State.ExitCode).toBe(0);
  });

  it('refuses a name that is taken, leaving the existing agent alone', async () => {
    const r = await sb.mng(['create', 'alpha', '--no-connect']);
    expectFailure(r, 1, /an agent named 'alpha' already exists/);
    const c = await inspectContainer(sb.container('alpha'));
    expect(c.Id).toBe(json.container_id);
    expect(c.State.Running).toBe(true);
  });

  it('generates and prints a name when none is given', async () => {
    const r = await sb.mng(['create', '--no-connect']);
    expect(r.exitCode, r.stderr).toBe(0);
    const name = r.stdout.trim();
    expect(name).toMatch(/^agent-[0-9a-f]{6}$/);
    expect(await containersNamed(sb.container(name))).toEqual([sb.container(name)]);
  });
});
