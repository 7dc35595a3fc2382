// Where a host's state travels: a local daemon's host publishes it in a bind-mounted folder and has no health check;
// a remote daemon's host (the second test daemon) reports it through docker's health check. list shows both, and
// fan-out reaches hosts on both daemons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanDaemon2, d2, DAEMON2, requireDaemon2 } from '../helpers/daemon2.js';
import { inspectContainer } from '../helpers/docker.js';
import { Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('fleetr');
// the health check (and the idle watcher) every second, the state watcher every second, quiet after 2 s
const FAST_ENV = { MNG_IDLE_CHECK_INTERVAL: '1' };
const FAST = ['-s', '--env=MNG_STATE_INTERVAL=1', '-s', '--env=MNG_STATE_QUIET=2', '--tag', 'fleet=r', '--no-connect'];

beforeAll(async () => {
  requireDaemon2();
  sb.writeConfig(
    `[providers.docker]\nbackend = "docker"\ndefault_image = "${sb.baseImage}"\n[providers.far]\nbackend = "docker"\nhost = "${DAEMON2}"\ndefault_image = "${sb.baseImage}"\n`,
  );
  const made = await Promise.all([
    sb.mng(['create', 'near', ...FAST], { env: FAST_ENV }),
    sb.mng(['create', 'far', '--in', 'far', ...FAST], { env: FAST_ENV }),
  ]);
  for (const r of made) if (r.exitCode !== 0) throw new Error(`create failed: ${r.stderr}`);
});
afterAll(async () => {
  await cleanDaemon2(sb);
  await sb.cleanup();
});

describe('state on a local and a remote daemon', () => {
  it('the local host mounts its state folder and has no health check; the remote one has a health check', async () => {
    const near = await inspectContainer(sb.container('near'));
    expect(near.Config.Healthcheck ?? null).toBeNull();
    expect(near.Mounts.map((m: { Destination: string }) => m.Destination)).toContain('/run/mng-state');
    const far = JSON.parse((await d2(['container', 'inspect', sb.container('far')])).stdout)[0];
    expect(far.Config.Healthcheck.Test).toEqual(['CMD-SHELL', 'sh /mng/idle-health']);
    expect(far.Mounts.map((m: { Destination: string }) => m.Destination)).not.toContain('/run/mng-state');
  });

  it('list shows both agents waiting, and the idle clock of both', async () => {
    const end = Date.now() + 30_000;
    for (;;) {
      const { agents, errors } = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout);
      expect(errors).toEqual([]);
      const states = Object.fromEntries(
        agents.map((a: { name: string; agent_state: string }) => [a.name, a.agent_state]),
      );
      if (states.near === 'waiting' && states.far === 'waiting') {
        for (const a of agents) expect(a.last_activity_source).not.toBeNull();
        break;
      }
      if (Date.now() > end) throw new Error(`never both waiting: ${JSON.stringify(states)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const w = await sb.mng(['wait', 'near', 'far', '--until', 'waiting', '--all', '--timeout', '10']);
    expect(w.exitCode, w.stderr).toBe(0);
    expect(w.stdout.split('\n').filter(Boolean).sort()).toEqual(['far', 'near']);
  });

  it('exec --tag reaches the hosts of both daemons, prefixed by name', async () => {
    const r = await sb.mng(['exec', '--tag', 'fleet=r', '--', 'sh', '-c', 'echo up']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['far  | up', 'near | up']);
  });
});
