import { execa } from 'execa';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containersNamed, docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, MNG_BIN, Sandbox } from '../helpers/sandbox.js';

/**
 * The idle timeout against a real daemon and real clocks: 6 s timeouts, a 1 s check interval (the testing knob
 * MNG_IDLE_CHECK_INTERVAL). Each test has its own host, and the tests run concurrently to keep the wall time down.
 */
const TIMEOUT = 6;
const INTERVAL = 1;
const sb = new Sandbox('idle');
sb.env.MNG_IDLE_CHECK_INTERVAL = String(INTERVAL);
afterAll(() => sb.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function agentJson(name: string, box: Sandbox = sb): Promise<any> {
  const r = await box.mng(['list', '--format', 'json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout).agents.find((a: any) => a.name === name);
}

/** Poll list until the agent is stopped or `ms` have passed; the samples seen while it ran. */
async function waitStopped(name: string, ms: number): Promise<{ agent: any; samples: any[] }> {
  const samples: any[] = [];
  const end = Date.now() + ms;
  for (;;) {
    const a = await agentJson(name);
    if (a.state !== 'running' || Date.now() > end) return { agent: a, samples };
    samples.push({ ...a, seenAt: Date.now() });
    await sleep(500);
  }
}

/**
 * Stopped within the timeout plus one interval after the last activity list saw (plus a second: the watcher's
 * clock has whole seconds), and not before the timeout.
 */
async function expectStoppedInTime(name: string, samples: any[]): Promise<void> {
  const c = await inspectContainer(sb.container(name));
  const last =
    samples.length > 0 ? Date.parse(samples[samples.length - 1].last_activity_at) : Date.parse(c.State.StartedAt);
  const idleFor = (Date.parse(c.State.FinishedAt) - last) / 1000;
  expect(idleFor).toBeGreaterThanOrEqual(TIMEOUT - 1);
  expect(idleFor).toBeLessThanOrEqual(TIMEOUT + INTERVAL + 1);
}

function createIdle(name: string, extra: string[] = []) {
  return sb.create(name, ['--idle-timeout', `${TIMEOUT}s`, ...extra]);
}

/** The host is still running well after its timeout (two timeouts and a bit), and what counted last. */
async function expectKeptRunning(name: string, source: string | RegExp): Promise<void> {
  await sleep((2 * TIMEOUT + 2) * 1000);
  const a = await agentJson(name);
  expect(a.state).toBe('running');
  expect(a.last_activity_source).toMatch(source);
  const c = await inspectContainer(sb.container(name));
  expect(c.RestartCount).toBe(0);
}

describe.concurrent('idle timeout', () => {
  it('a host with no activity stops itself within the timeout plus one interval (stop_reason idle); list counted down before', async () => {
    await createIdle('quiet');
    const { agent, samples } = await waitStopped('quiet', 30_000);
    expect(agent.state).toBe('stopped');
    expect(agent.stop_reason).toBe('idle');
    expect(agent.stops_at).toBeNull();
    expect(agent.last_activity_at).toBeNull();
    await expectStoppedInTime('quiet', samples);
    // list showed the time left going down: stops_at stays, the clock moves on
    expect(samples.length).toBeGreaterThanOrEqual(2);
    const left = samples.map((s) => Date.parse(s.stops_at) - s.seenAt);
    expect(left[left.length - 1]).toBeLessThan(left[0]);
    // boot, or the ssh handshake of create itself if a check saw it
    expect(
      samples.every((s) => s.idle_timeout_seconds === TIMEOUT && /^(boot|ssh)$/.test(s.last_activity_source)),
    ).toBe(true);
    const human = await sb.mng(['list']);
    expect(human.stdout).toMatch(/quiet\s+stopped \(idle\)\s+-/);

    // start: back, with the clock reset and the watcher running again (it stops once more)
    const started = await sb.mng(['start', 'quiet']);
    expect(started.exitCode, started.stderr).toBe(0);
    const back = await agentJson('quiet');
    expect(back.state).toBe('running');
    expect(back.last_activity_source).toMatch(/^(boot|ssh)$/);
    const c = await inspectContainer(sb.container('quiet'));
    const sinceStart = Date.parse(back.last_activity_at) - Date.parse(c.State.StartedAt);
    expect(sinceStart).toBeGreaterThanOrEqual(0);
    expect(sinceStart).toBeLessThan(3000);
    expect(Date.parse(back.stops_at) - Date.parse(back.last_activity_at)).toBe(TIMEOUT * 1000);
    const again = await waitStopped('quiet', 30_000);
    expect(again.agent.stop_reason).toBe('idle');
    await expectStoppedInTime('quiet', again.samples);
  });

  it('the human list shows the idle time of the timeout, growing', async () => {
    await createIdle('human');
    const cells: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await sb.mng(['list']);
      const m = /human\s+running\s+idle (\d+)s of 6s \((\w+)\)/.exec(r.stdout);
      if (m) cells.push(Number(m[1]));
      await sleep(700);
    }
    expect(cells.length).toBeGreaterThanOrEqual(2);
    expect(cells[cells.length - 1]).toBeGreaterThan(cells[0]);
  });

  it('a long mng exec keeps the host up; when it ends, the clock runs again', async () => {
    await createIdle('busy');
    const exec = sb.mng(['exec', 'busy', '--', 'sleep', String(2 * TIMEOUT + 4)]);
    await expectKeptRunning('busy', 'ssh');
    expect((await exec).exitCode).toBe(0);
    const { agent } = await waitStopped('busy', 20_000);
    expect(agent.stop_reason).toBe('idle');
  });

  it('a silent agent holding an established outbound TCP connection keeps the host up', async () => {
    // The agent waits for an address, connects, then prints nothing and uses no CPU (like an agent waiting for its model).
    await createIdle('tcp', [
      '--agent-cmd',
      "bash -c 'until [ -s /tmp/target ]; do sleep 1; done; read a p < /tmp/target; exec 3<>/dev/tcp/$a/$p; exec sleep 3600'",
    ]);
    const c = await inspectContainer(sb.container('tcp'));
    const gateway: string = c.NetworkSettings.Gateway;
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, gateway, resolve));
    try {
      const port = (server.address() as { port: number }).port;
      await docker(['exec', sb.container('tcp'), 'sh', '-c', `echo '${gateway} ${port}' > /tmp/target`]);
      await expectKeptRunning('tcp', 'tcp');
      expect(sockets.length).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
    // the connection gone, nothing else keeps it
    const { agent } = await waitStopped('tcp', 20_000);
    expect(agent.stop_reason).toBe('idle');
  });

  it('an attached mng connect (a real terminal) keeps the host up', async () => {
    await createIdle('att');
    const session = `${sb.prefix}term`;
    const socket = join(sb.dir, 'tmux.sock');
    const envs = Object.entries({ ...sb.env, TERM: 'xterm-256color' })
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    await execa('tmux', [
      '-S',
      socket,
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '120',
      '-y',
      '40',
      `env ${envs} ${MNG_BIN} connect att; sleep 60`,
    ]);
    try {
      await expectKeptRunning('att', /^(ssh|tmux)$/);
      const clients = await docker(['exec', sb.container('att'), 'tmux', 'list-clients', '-t', 'agent']);
      expect(clients.stdout.trim()).not.toBe('');
    } finally {
      await execa('tmux', ['-S', socket, 'kill-server'], { reject: false });
    }
  });

  it('an agent printing every second keeps the host up', async () => {
    await createIdle('chatty', ['--agent-cmd', 'while :; do echo tick; sleep 1; done']);
    await expectKeptRunning('chatty', /^(tmux|cpu)$/);
  });

  it('an agent computing without printing (its processes use CPU) keeps the host up', async () => {
    // a few percent of one CPU, no output, no connection
    await createIdle('think', [
      '--agent-cmd',
      'while :; do i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; sleep 0.5; done',
    ]);
    await expectKeptRunning('think', 'cpu');
  });

  it('mng touch extends the timeout; without it the host stops', async () => {
    await createIdle('tch');
    const end = Date.now() + (2 * TIMEOUT + 2) * 1000;
    while (Date.now() < end) {
      const t = await sb.mng(['touch', 'tch']);
      expect(t.exitCode, t.stderr).toBe(0);
      expect(t.stdout).toBe('tch\n');
      await sleep(2000);
    }
    const a = await agentJson('tch');
    expect(a.state).toBe('running');
    expect(a.last_activity_source).toBe('file');
    const { agent } = await waitStopped('tch', 20_000);
    expect(agent.stop_reason).toBe('idle');
    // a stopped host cannot be touched: one clear line, exit 1
    expectFailure(await sb.mng(['touch', 'tch']), 1, /agent 'tch' is not running.*mng start tch/);
  });

  it("a write to the activity file by any user in the container (an agent's own hook) extends the timeout", async () => {
    await createIdle('hook');
    const end = Date.now() + (2 * TIMEOUT + 2) * 1000;
    while (Date.now() < end) {
      await docker(['exec', '--user', 'nobody', sb.container('hook'), 'sh', '-c', 'echo working >> /run/mng/activity']);
      await sleep(2000);
    }
    const a = await agentJson('hook');
    expect(a.state).toBe('running');
    expect(a.last_activity_source).toBe('file');
  });

  it('--idle-timeout 0 never stops: no watcher clock, no health check', async () => {
    await sb.create('forever', ['--idle-timeout', '0']);
    await sleep((2 * TIMEOUT + 2) * 1000);
    const a = await agentJson('forever');
    expect(a).toMatchObject({
      state: 'running',
      idle_timeout_seconds: 0,
      stops_at: null,
      last_activity_at: null,
      last_activity_source: null,
    });
    expect((await sb.mng(['list'])).stdout).toMatch(/forever\s+running\s+never\s/);
    const c = await inspectContainer(sb.container('forever'));
    expect(c.Config.Healthcheck ?? null).toBeNull();
  });

  it('a host replaced from a snapshot runs the watcher again', async () => {
    await createIdle('snap');
    expect((await waitStopped('snap', 30_000)).agent.stop_reason).toBe('idle');
    const snap = await sb.mng(['snapshot', 'create', 'snap']);
    expect(snap.exitCode, snap.stderr).toBe(0);
    const r = await sb.mng(['start', 'snap', '--snapshot', snap.stdout.trim()]);
    expect(r.exitCode, r.stderr).toBe(0);
    const back = await agentJson('snap');
    expect(back).toMatchObject({ state: 'running', idle_timeout_seconds: TIMEOUT });
    expect(back.last_activity_source).toMatch(/^(boot|ssh)$/);
    const { agent, samples } = await waitStopped('snap', 30_000);
    expect(agent.stop_reason).toBe('idle');
    await expectStoppedInTime('snap', samples);
  });

  it.each([['5x'], ['-1'], ['1.5h'], ['never']])(
    '--idle-timeout %s is a usage error naming the value, and creates nothing',
    async (value) => {
      const name = `bad${value.replace(/\W/g, '')}`;
      expectFailure(
        await sb.mng(['create', name, '--no-connect', '--idle-timeout', value]),
        2,
        new RegExp(`--idle-timeout "${value.replace('.', '\\.')}"`),
      );
      expect(await containersNamed(sb.container(name))).toEqual([]);
    },
  );

  it.each([['--health-cmd=true'], ['--no-healthcheck'], ['--health-interval=1s']])(
    '-s %s is refused (the watcher uses the health check)',
    async (arg) => {
      expectFailure(
        await sb.mng(['create', 'hc', '--no-connect', '-s', arg]),
        2,
        /idle watcher uses docker's health check/,
      );
      expect(await containersNamed(sb.container('hc'))).toEqual([]);
    },
  );
});

describe('default_idle_timeout in the config', () => {
  const cfg = new Sandbox('idlecfg');
  afterAll(() => cfg.cleanup());
  const config = (value: string) =>
    `[providers.docker]\nbackend = "docker"\ndefault_image = "${cfg.baseImage}"\ndefault_idle_timeout = ${value}\n`;

  it('"2h" is what list shows', async () => {
    cfg.writeConfig(config('"2h"'));
    await cfg.create('cfg');
    const a = await agentJson('cfg', cfg);
    expect(a.idle_timeout_seconds).toBe(7200);
    expect(Date.parse(a.stops_at) - Date.parse(a.last_activity_at)).toBe(7200 * 1000);
    expect((await cfg.mng(['list'])).stdout).toMatch(/cfg\s+running\s+idle \d+s of 2h \(boot\)/);
  });

  it.each([['"soon"'], ['-5'], ['"1h30"']])('%s is refused, naming the value', async (value) => {
    cfg.writeConfig(config(value));
    const r = await cfg.mng(['create', 'badcfg', '--no-connect']);
    expectFailure(r, 1, new RegExp(`default_idle_timeout: .*got ${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(await containersNamed(cfg.container('badcfg'))).toEqual([]);
    cfg.writeConfig(config('"2h"'));
  });
});
