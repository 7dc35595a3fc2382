import { execa } from 'execa';
import { createServer, type Socket } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containersNamed, docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

/**
 * The idle timeout against a real daemon and real clocks: 6 s timeouts (12 s where a test reads list several times
 * before the host stops), a 1 s check interval (the testing knob MNG_IDLE_CHECK_INTERVAL). Each test has its own host,
 * and the tests run concurrently to keep the wall time down.
 * They wait on conditions (the container stopped: `docker wait`; the watcher has checked past a time: its state line,
 * which the host publishes in its state folder), not for fixed times, and judge the timing by the watcher's own clock
 * (its log line when it stops the host), which a busy machine does not skew. A host that would keep running is removed
 * at the end of its test: every running one checks each second.
 */
const TIMEOUT = 6;
const INTERVAL = 1;
const sb = new Sandbox('idle');
sb.env.MNG_IDLE_CHECK_INTERVAL = String(INTERVAL);
afterAll(() => sb.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function agentJson(name: string, box: Sandbox = sb): Promise<any> {
  const r = await box.mng(['list', '--format', 'json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout).agents.find((a: any) => a.name === name);
}

/** Wait until the host's container has stopped (`docker wait`), then what list says of it. */
async function waitStopped(name: string, ms = 30_000): Promise<any> {
  const r = await execa('docker', ['wait', sb.container(name)], { timeout: ms, reject: false });
  if (r.timedOut) throw new Error(`agent '${name}' still runs after ${ms} ms`);
  expect(r.exitCode, r.stderr).toBe(0);
  return agentJson(name);
}

/** The watcher's lines "idle for Ns (timeout Ts, last activity: SOURCE): stopping the host", oldest first. */
async function idleStops(name: string): Promise<{ idle: number; timeout: number; source: string }[]> {
  const logs = await docker(['logs', sb.container(name)]);
  return [
    ...`${logs.stdout}\n${logs.stderr}`.matchAll(/mng: idle for (\d+)s \(timeout (\d+)s, last activity: (\w+)\)/g),
  ].map((m) => ({ idle: Number(m[1]), timeout: Number(m[2]), source: m[3] }));
}

/**
 * The last stop was the watcher's, after the timeout and within one check interval of it, on its own clock (whole
 * seconds, so one more): never before the timeout.
 */
async function expectStoppedInTime(name: string, stops: number, timeoutSeconds = TIMEOUT): Promise<void> {
  const lines = await idleStops(name);
  expect(lines).toHaveLength(stops);
  const { idle, timeout } = lines[lines.length - 1];
  expect(timeout).toBe(timeoutSeconds);
  expect(idle).toBeGreaterThanOrEqual(timeoutSeconds);
  expect(idle).toBeLessThanOrEqual(timeoutSeconds + INTERVAL + 1);
}

function createIdle(name: string, extra: string[] = [], timeoutSeconds = TIMEOUT) {
  return sb.create(name, ['--idle-timeout', `${timeoutSeconds}s`, ...extra]);
}

/**
 * What a host's last activity may be right after create or start: its own start, as the boot, or as what a check saw of
 * it a moment later on a busy machine (mng's ssh session, the agent's shell printing its first prompt, the CPU both
 * take). Never an activity of its own after that: the tests then see the clock stand still.
 */
const OWN_START = /^(boot|ssh|tmux|cpu)$/;

/** The host whose test reads list several times before it stops: a longer timeout leaves room on a busy machine. */
const LONG = 12;

/**
 * The watcher's last finding (a local daemon's host publishes it in its state folder, which list reads): when it last
 * checked (the mark it empties at each check; its line is written only when the clock moved), and what counted last.
 */
async function watcherState(name: string): Promise<{ running: boolean; checked: number; source: string }> {
  const c = await inspectContainer(sb.container(name));
  const dir = join(sb.dataDir, 'hosts', sb.container(name), 'state');
  const line = existsSync(join(dir, 'idle')) ? readFileSync(join(dir, 'idle'), 'utf8') : '';
  const mark = existsSync(join(dir, 'alive')) ? Math.floor(statSync(join(dir, 'alive')).mtimeMs / 1000) : 0;
  return {
    running: c.State.Running,
    checked: Math.max(Number(/checked=(\d+)/.exec(line)?.[1] ?? 0), mark),
    source: /source=(\w+)/.exec(line)?.[1] ?? '',
  };
}

/**
 * The host is still running once the watcher has checked well past the timeout counted from `since` (epoch seconds,
 * when the activity began: without it, the host would have stopped by then), and what counted last.
 */
async function expectKeptRunning(name: string, source: string, since: number): Promise<void> {
  const until = since + TIMEOUT + 2 * INTERVAL + 1;
  for (let state = await watcherState(name); state.running && state.checked < until; state = await watcherState(name)) {
    await sleep(500);
  }
  const a = await agentJson(name);
  expect(a.state).toBe('running');
  expect(a.last_activity_source).toBe(source);
  const c = await inspectContainer(sb.container(name));
  expect(c.RestartCount).toBe(0);
}

/**
 * Write the activity file each second (docker exec, as an agent's own hook would) until `ready()`: keeps the host up
 * while an mng command starts, which takes seconds on a busy machine. Returns the time (epoch seconds) from which
 * nothing but that command keeps the host up.
 */
async function bridgeUntil(name: string, ready: () => boolean | Promise<boolean>): Promise<number> {
  const end = Date.now() + 60_000;
  for (;;) {
    await docker(['exec', sb.container(name), 'touch', '/run/mng/activity']);
    if (await ready()) return nowSeconds();
    if (Date.now() > end) throw new Error(`agent '${name}': still not ready after 60 s`);
    await sleep(1000);
  }
}

/** Does the file exist in the host? */
async function existsIn(name: string, file: string): Promise<boolean> {
  return (await docker(['exec', sb.container(name), 'test', '-e', file], { reject: false })).exitCode === 0;
}

/** Remove a host that would keep running (and checking each second) until the end of the file. */
const remove = (name: string) => docker(['rm', '-f', '-v', sb.container(name)]);

describe.concurrent('idle timeout', () => {
  it('a host with no activity stops itself within the timeout plus one interval (stop_reason idle)', async () => {
    await createIdle('quiet');
    const agent = await waitStopped('quiet');
    expect(agent.state).toBe('stopped');
    expect(agent.stop_reason).toBe('idle');
    expect(agent.stops_at).toBeNull();
    expect(agent.last_activity_at).toBeNull();
    await expectStoppedInTime('quiet', 1);
    const human = await sb.mng(['list']);
    expect(human.stdout).toMatch(/quiet\s+stopped \(idle\)\s+-/);

    // start: back, with the clock reset and the watcher running again (it stops once more)
    const started = await sb.mng(['start', 'quiet']);
    expect(started.exitCode, started.stderr).toBe(0);
    const back = await agentJson('quiet');
    expect(back.state).toBe('running');
    expect(back.last_activity_source).toMatch(OWN_START);
    const c = await inspectContainer(sb.container('quiet'));
    // the watcher's clock has whole seconds: its first activity is at the second the container started, or later
    expect(Date.parse(back.last_activity_at)).toBeGreaterThanOrEqual(
      Math.floor(Date.parse(c.State.StartedAt) / 1000) * 1000,
    );
    expect(Date.parse(back.stops_at) - Date.parse(back.last_activity_at)).toBe(TIMEOUT * 1000);
    const again = await waitStopped('quiet');
    expect(again.stop_reason).toBe('idle');
    await expectStoppedInTime('quiet', 2);
  });

  it('list counts down before the stop: stops_at stays, the time left goes down, the human idle time grows', async () => {
    // (a longer timeout: list is read several times before the host stops)
    await createIdle('human', [], LONG);
    // two readings in a row with the same stops_at (a check of the watcher may still see create's own ssh session and
    // move it once)
    const samples: any[] = [];
    for (let i = 0; i < 8; i++) {
      const a = await agentJson('human');
      if (a.state !== 'running') break;
      samples.push({ ...a, seenAt: Date.now() });
      const n = samples.length;
      if (n >= 2 && samples[n - 1].stops_at === samples[n - 2].stops_at) break;
      await sleep(700);
    }
    expect(samples.length).toBeGreaterThanOrEqual(2);
    const [before, after] = samples.slice(-2);
    expect(after.stops_at).toBe(before.stops_at);
    expect(Date.parse(after.stops_at) - after.seenAt).toBeLessThan(Date.parse(before.stops_at) - before.seenAt);
    expect(
      samples.map((s) => `${s.idle_timeout_seconds} ${s.last_activity_source}`),
      'each reading: its timeout and the source of its last activity',
    ).toEqual(
      samples.map(
        (s) => `${LONG} ${OWN_START.test(s.last_activity_source) ? s.last_activity_source : OWN_START.source}`,
      ),
    );
    const cells: number[] = [];
    // the human list: until two readings differ
    for (let i = 0; i < 20 && new Set(cells).size < 2; i++) {
      const r = await sb.mng(['list']);
      const m = /human\s+running\s+\S+(?: \(\w+\))?\s+idle (\d+)s of 12s \((\w+)\)/.exec(r.stdout);
      if (!m) break;
      cells.push(Number(m[1]));
      await sleep(500);
    }
    expect(cells.length).toBeGreaterThanOrEqual(2);
    expect(cells[cells.length - 1]).toBeGreaterThan(cells[0]);
    await remove('human');
  });

  it('a long mng exec keeps the host up; when it ends, the clock runs again', async () => {
    await createIdle('busy');
    // the command says when it runs, and runs until the test says it is done
    const exec = sb.mng([
      'exec',
      'busy',
      '--',
      'sh',
      '-c',
      'touch /tmp/running; until [ -e /tmp/done ]; do sleep 0.5; done',
    ]);
    const since = await bridgeUntil('busy', () => existsIn('busy', '/tmp/running'));
    await expectKeptRunning('busy', 'ssh', since);
    await docker(['exec', sb.container('busy'), 'touch', '/tmp/done']);
    expect((await exec).exitCode).toBe(0);
    const agent = await waitStopped('busy');
    expect(agent.stop_reason).toBe('idle');
  });

  it('a silent agent holding an established outbound TCP connection keeps the host up', async () => {
    // The agent connects at once, then prints nothing and uses no CPU (like an agent waiting for its model). It learns
    // the address from its environment, so there is no window in which the host is idle before the connection.
    // (the default bridge's gateway is this machine's address on the bridge; docker does not list it in IPAM)
    const bridge = (
      await docker(['network', 'inspect', 'bridge', '--format', '{{index .Options "com.docker.network.bridge.name"}}'])
    ).stdout.trim();
    // (read with ip, not os.networkInterfaces(): Node leaves out a bridge that is down, as docker0 is whenever no
    // container is attached to it at that moment)
    const addr = (await execa('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge])).stdout;
    const gateway = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(addr)?.[1] ?? '';
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, gateway, resolve));
    try {
      const port = (server.address() as { port: number }).port;
      // on Docker's default bridge, whose gateway is known before the host exists (mng's own network may not be yet)
      await createIdle('tcp', [
        '-s',
        '--network=bridge',
        '-s',
        `-e=MNG_TEST_TARGET=${gateway}:${port}`,
        '--agent-cmd',
        "bash -c 't=$MNG_TEST_TARGET; exec 3<>/dev/tcp/${t%:*}/${t#*:}; exec sleep 3600'",
      ]);
      const since = nowSeconds();
      const c = await inspectContainer(sb.container('tcp'));
      expect(c.NetworkSettings.Gateway).toBe(gateway);
      await expectKeptRunning('tcp', 'tcp', since);
      expect(sockets.length).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
    // the connection gone, nothing else keeps it
    const agent = await waitStopped('tcp');
    expect(agent.stop_reason).toBe('idle');
  });

  it('an attached mng connect (a real terminal) keeps the host up: an ssh session', async () => {
    await createIdle('att');
    const term = await sb.terminal('term', 40, 'connect att; sleep 60');
    // the agent user's tmux server (its socket under TMUX_TMPDIR=/run/mng, as ssh sessions have it)
    const tmux = ['exec', '-u', 'agent', '-e', 'TMUX_TMPDIR=/run/mng', sb.container('att'), 'tmux'];
    try {
      const attached = async () =>
        (await docker([...tmux, 'list-clients', '-t', 'agent'], { reject: false })).stdout.trim() !== '';
      const since = await bridgeUntil('att', attached);
      // (the watcher looks for ssh sessions after the agent's terminal: an attached client is an ssh session)
      await expectKeptRunning('att', 'ssh', since);
      expect(await attached()).toBe(true);
    } finally {
      await term.kill();
      await remove('att');
    }
  });

  it("an agent printing every second keeps the host up: the agent's terminal output counts", async () => {
    // The lines come from a writer in a session of its own (its CPU is not the agent's) through `tail -f` (which uses
    // none): only the terminal's output can keep this host up. (The file is made first: tail -f of a missing file
    // exits, and the writer may start after it.)
    await createIdle('chatty', [
      '--agent-cmd',
      'sh -c \': >> /tmp/feed; (setsid sh -c "while :; do echo tick; sleep 1; done >> /tmp/feed" &); exec tail -f /tmp/feed\'',
    ]);
    try {
      await expectKeptRunning('chatty', 'tmux', nowSeconds());
    } finally {
      await remove('chatty');
    }
  });

  it('an agent computing without printing (its processes use CPU) keeps the host up', async () => {
    // several percent of one CPU (well over the 1% that counts, also when a busy machine slows it), no output, no
    // connection
    await createIdle('think', [
      '--agent-cmd',
      'while :; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.5; done',
    ]);
    try {
      await expectKeptRunning('think', 'cpu', nowSeconds());
    } finally {
      await remove('think');
    }
  });

  it('mng touch extends the timeout; without it the host stops', async () => {
    await createIdle('tch');
    const touch = async () => {
      const t = await sb.mng(['touch', 'tch']);
      expect(t.exitCode, t.stderr).toBe(0);
      expect(t.stdout).toBe('tch\n');
    };
    // the first mng touch may take seconds to start on a busy machine: bridged, then only mng touch counts
    let first = false;
    const firstTouch = touch().then(() => {
      first = true;
    });
    const since = await bridgeUntil('tch', () => first);
    await firstTouch;
    const until = since + TIMEOUT + 2 * INTERVAL + 1;
    while ((await watcherState('tch')).checked < until) {
      await touch();
      await sleep(500);
    }
    const a = await agentJson('tch');
    expect(a.state).toBe('running');
    expect(a.last_activity_source).toBe('file');
    const agent = await waitStopped('tch');
    expect(agent.stop_reason).toBe('idle');
    // a stopped host cannot be touched: one clear line, exit 1
    expectFailure(await sb.mng(['touch', 'tch']), 1, /agent 'tch' is not running.*mng start tch/);
  });

  it("a write to the activity file by any user in the container (an agent's own hook) extends the timeout", async () => {
    await createIdle('hook');
    const until = nowSeconds() + TIMEOUT + 2 * INTERVAL + 1;
    try {
      while ((await watcherState('hook')).checked < until) {
        await docker([
          'exec',
          '--user',
          'nobody',
          sb.container('hook'),
          'sh',
          '-c',
          'echo working >> /run/mng/activity',
        ]);
        await sleep(1500);
      }
      const a = await agentJson('hook');
      expect(a.state).toBe('running');
      expect(a.last_activity_source).toBe('file');
    } finally {
      await remove('hook');
    }
  });

  it('--idle-timeout 0 never stops: no watcher clock, no health check', async () => {
    await sb.create('forever', ['--idle-timeout', '0']);
    const created = Date.now();
    try {
      // nothing could stop it: the watcher wrote that its clock is disabled (it goes on with the agent's state only),
      // and there is no health check
      expect((await docker(['exec', sb.container('forever'), 'cat', '/run/mng/idle'])).stdout).toBe(
        'mng-idle disabled',
      );
      const watcher = await docker(['exec', sb.container('forever'), 'cat', '/run/mng/agent-state']);
      expect(watcher.stdout).toMatch(/^mng-agent state=\w+ /);
      const c = await inspectContainer(sb.container('forever'));
      expect(c.Config.Healthcheck ?? null).toBeNull();
      // and it is still running after a timeout's worth of the other tests' hosts (which stop by then)
      await sleep(Math.max(0, (TIMEOUT + INTERVAL + 1) * 1000 - (Date.now() - created)));
      const a = await agentJson('forever');
      expect(a).toMatchObject({
        state: 'running',
        idle_timeout_seconds: 0,
        stops_at: null,
        last_activity_at: null,
        last_activity_source: null,
      });
      expect((await sb.mng(['list'])).stdout).toMatch(/forever\s+running\s+\S+(?: \(\w+\))?\s+never\s/);
    } finally {
      await remove('forever');
    }
  });

  it('a host replaced from a snapshot runs the watcher again', async () => {
    await createIdle('snap');
    expect((await waitStopped('snap')).stop_reason).toBe('idle');
    const snap = await sb.mng(['snapshot', 'create', 'snap']);
    expect(snap.exitCode, snap.stderr).toBe(0);
    const r = await sb.mng(['start', 'snap', '--snapshot', snap.stdout.trim()]);
    expect(r.exitCode, r.stderr).toBe(0);
    const back = await agentJson('snap');
    expect(back).toMatchObject({ state: 'running', idle_timeout_seconds: TIMEOUT });
    expect(back.last_activity_source).toMatch(/^(boot|ssh)$/);
    const agent = await waitStopped('snap');
    expect(agent.stop_reason).toBe('idle');
    // (a new container: its log has the one stop of its own)
    await expectStoppedInTime('snap', 1);
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
    expect((await cfg.mng(['list'])).stdout).toMatch(/cfg\s+running\s+\S+(?: \(\w+\))?\s+idle \d+s of 2h \(boot\)/);
  });

  it.each([['"soon"'], ['-5'], ['"1h30"']])('%s is refused, naming the value', async (value) => {
    cfg.writeConfig(config(value));
    const r = await cfg.mng(['create', 'badcfg', '--no-connect']);
    expectFailure(r, 1, new RegExp(`default_idle_timeout: .*got ${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(await containersNamed(cfg.container('badcfg'))).toEqual([]);
    cfg.writeConfig(config('"2h"'));
  });
});
