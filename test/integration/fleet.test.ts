// Issue 19 on three real hosts made by one `create --count 3`: the agent's state in list (from the terminal, for a
// plain shell), wait --until, fan-out over names, --tag and '-', prefixed output with the worst exit and a summary,
// the bad input the issue names, and list --watch under a pseudo-terminal.
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersNamed } from '../helpers/docker.js';
import { expectFailure, MNG_BIN, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('fleet');
afterAll(() => sb.cleanup());

// The state watcher checks every second and calls a terminal quiet after 3 s (the defaults are 5 s and 15 s).
const FAST = ['-s', '--env=MNG_STATE_INTERVAL=1', '-s', '--env=MNG_STATE_QUIET=3'];
const NAMES = ['fl-1', 'fl-2', 'fl-3'];

interface AgentRow {
  name: string;
  agent_state: string | null;
  agent_state_reason: string | null;
  agent_state_since: string | null;
}
async function agents(): Promise<Map<string, AgentRow>> {
  const r = await sb.mng(['list', '--format', 'json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return new Map((JSON.parse(r.stdout).agents as AgentRow[]).map((a) => [a.name, a]));
}
/** Poll list until `ok` holds (list reads what the hosts published: no call per host), or fail after `seconds`. */
async function until(ok: (a: Map<string, AgentRow>) => boolean, seconds = 20): Promise<Map<string, AgentRow>> {
  const end = Date.now() + seconds * 1000;
  let last = await agents();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`list never got there: ${JSON.stringify([...last.values()])}`);
    await new Promise((r) => setTimeout(r, 500));
    last = await agents();
  }
  return last;
}

beforeAll(async () => {
  const r = await sb.mng(['create', 'fl', '--count', '3', '--tag', 'task=fix', '--no-connect', ...FAST]);
  if (r.exitCode !== 0) throw new Error(`create --count 3 failed: ${r.stderr}`);
  expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(NAMES);
});

describe('create --count', () => {
  it('made NAME-1..3, in parallel, with the same options', async () => {
    expect((await containersNamed(sb.prefix)).sort()).toEqual(NAMES.map((n) => sb.container(n)));
    const list = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout).agents;
    expect(list.map((a: { tags: Record<string, string> }) => a.tags)).toEqual([
      { task: 'fix' },
      { task: 'fix' },
      { task: 'fix' },
    ]);
  });

  it('refuses --count 0 and names that clash, before any host is made', async () => {
    expectFailure(await sb.mng(['create', 'zz', '--count', '0', '--no-connect']), 2, /--count wants a whole number/);
    const clash = await sb.mng(['create', 'fl', '--count', '4', '--no-connect']);
    expectFailure(
      clash,
      1,
      /agents named 'fl-1', 'fl-2', 'fl-3' already exist on provider 'docker': nothing was created/,
    );
    expect(await containersNamed(sb.prefix)).toHaveLength(3);
  });
});

describe("the agent's state, fan-out and wait --until", () => {
  it('a quiet shell is waiting; list shows it in the AGENT column and in JSON', async () => {
    const a = await until((m) => NAMES.every((n) => m.get(n)?.agent_state === 'waiting'));
    expect(a.get('fl-1')).toMatchObject({ agent_state: 'waiting', agent_state_reason: null });
    expect(Date.parse(a.get('fl-1')?.agent_state_since ?? '')).toBeGreaterThan(Date.now() - 120_000);
    const table = await sb.mng(['list']);
    expect(table.stdout).toMatch(/^NAME\s+STATE\s+AGENT\s+IDLE/m);
    expect(table.stdout).toMatch(/^fl-2\s+running\s+waiting\s+idle/m);
  });

  it('message --tag reaches all three; logs of several names prefixes each line', async () => {
    const m = await sb.mng(['message', '--tag', 'task=fix', 'echo', 'got-$((6*7))-$(hostname)']);
    expect(m.exitCode, m.stderr).toBe(0);
    const logs = await sb.mng(['logs', ...NAMES, '-n', '3']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    for (const n of NAMES) expect(logs.stdout).toMatch(new RegExp(`^${n} \\| got-42-[0-9a-f]{12}$`, 'm'));
  });

  it('a printing terminal is working; wait --until waiting names the first that goes quiet', async () => {
    // fl-2 prints for about 2 s; the others for a minute
    const short = await sb.mng(['message', 'fl-2', 'for i in 1 2 3 4; do date; sleep 0.5; done']);
    expect(short.exitCode, short.stderr).toBe(0);
    const long = await sb.mng(['message', 'fl-1', 'fl-3', '--', 'for i in $(seq 120); do date; sleep 0.5; done']);
    expect(long.exitCode, long.stderr).toBe(0);
    await until((m) => m.get('fl-1')?.agent_state === 'working' && m.get('fl-3')?.agent_state === 'working');
    const w = await sb.mng(['wait', ...NAMES, '--until', 'waiting', '--timeout', '30']);
    expect(w.exitCode, w.stderr).toBe(0);
    expect(w.stdout).toBe('fl-2\n');
    expect(w.stderr).toMatch(/agent 'fl-2': waiting/);
    // the busy ones do not get there in time: exit 124, as wait's --timeout always did
    const t = await sb.mng(['wait', 'fl-1', 'fl-3', '--until', 'waiting', '--all', '--timeout', '2']);
    expectFailure(t, 124, /not every agent was waiting after 2s \(fl-1: working, fl-3: working\)/);
  });

  it('exec on three names prefixes the output; one failing host gives the worst exit and a summary line', async () => {
    expect((await sb.mng(['exec', 'fl-3', '--', 'touch', '/tmp/fail'])).exitCode).toBe(0);
    const r = await sb.mng(['exec', ...NAMES, '--', 'sh', '-c', 'echo out-$(hostname); test ! -e /tmp/fail || exit 3']);
    expect(r.exitCode).toBe(3);
    for (const n of NAMES) expect(r.stdout).toMatch(new RegExp(`^${n} \\| out-[0-9a-f]{12}$`, 'm'));
    expect(r.stderr).toMatch(/^mng: 1 of 3 failed: fl-3 \(exit 3\)$/m);
  });

  it("an agent that exits is 'exited' with its code; wait --until exited returns for it", async () => {
    expect((await sb.mng(['message', 'fl-2', 'exit 5'])).exitCode).toBe(0);
    const w = await sb.mng(['wait', 'fl-2', '--until', 'exited', '--timeout', '20']);
    expect(w.exitCode, w.stderr).toBe(0);
    expect(w.stdout).toBe('fl-2\n');
    expect((await agents()).get('fl-2')).toMatchObject({ agent_state: 'exited', agent_state_reason: '5' });
    expect((await sb.mng(['list'])).stdout).toMatch(/^fl-2\s+running\s+exited 5\s/m);
  });

  it("takes names on stdin with '-', as list --format names prints them", async () => {
    const names = await sb.mng(['list', '--format', 'names']);
    expect(names.stdout).toBe(`${NAMES.join('\n')}\n`);
    const r = await sb.mng(['exec', '-', '--', 'true'], { input: names.stdout });
    expect(r.exitCode, r.stderr).toBe(0);
    const stop = await sb.mng(['stop', '-'], { input: 'fl-3\n' });
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(stop.stdout).toBe('fl-3\n');
    // a host that is not running can never get there
    expectFailure(
      await sb.mng(['wait', 'fl-3', '--until', 'waiting']),
      1,
      /agent 'fl-3' is not running \(state: stopped\)/,
    );
  });
});

describe('bad input: one line, nothing done', () => {
  it('an unknown state', async () => {
    expectFailure(await sb.mng(['wait', ...NAMES, '--until', 'sleeping']), 2, /unknown state 'sleeping'/);
  });

  it('a selector that matches nothing', async () => {
    expectFailure(await sb.mng(['exec', '--tag', 'task=none', '--', 'true']), 1, /no agent matches --tag task=none/);
    expectFailure(await sb.mng(['stop', '--tag', 'nope']), 1, /no agent matches --tag nope/);
    expect(await containersNamed(sb.prefix)).toHaveLength(3);
  });
});

/** Let a command run until its output so far satisfies `done` (at most 30 s), then send it `signal`; its result. */
async function untilOutput<T extends ResultPromise>(p: T, done: (out: string) => boolean, signal: NodeJS.Signals) {
  let out = '';
  p.stdout?.on('data', (chunk) => {
    out += String(chunk);
    if (done(out)) p.kill(signal);
  });
  const cap = setTimeout(() => p.kill(signal), 30_000);
  try {
    return await p;
  } finally {
    clearTimeout(cap);
  }
}

describe('list --watch', () => {
  it('redraws the table in place under a pseudo-terminal, with the time in each state', async () => {
    const env = { ...process.env, ...sb.env };
    // script(1) gives mng a terminal; it is ended once two frames have come (timeout: at most 30 s)
    const r = await untilOutput(
      execa('timeout', ['30', 'script', '-qfec', `${MNG_BIN} list --watch --interval 1`, '/dev/null'], {
        env,
        reject: false,
      }),
      (out) => out.split('\u001b[H').length > 2,
      'SIGTERM',
    );
    const frames = r.stdout.split('\u001b[H').slice(1);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(r.stdout.startsWith('\u001b[2J\u001b[H')).toBe(true);
    for (const f of frames) {
      expect(f).toMatch(/Every 1s: mng list/);
      expect(f).toMatch(/fl-1\s+running\s+(working|waiting) \d+[smh]/);
    }
  });

  it('prints plain snapshots when stdout is not a terminal', async () => {
    const r = await untilOutput(
      sb.spawn(['list', '--watch', '--interval', '1']),
      (out) => (out.match(/Every 1s: mng list/g)?.length ?? 0) >= 2,
      'SIGINT',
    );
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).not.toMatch(/\u001b/);
    expect(String(r.stdout).match(/Every 1s: mng list/g)?.length).toBeGreaterThanOrEqual(2);
  });
});

describe('destroy --tag', () => {
  it('removes every host the selector matches', async () => {
    const r = await sb.mng(['destroy', '--tag', 'task=fix', '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(NAMES);
    expect(await containersNamed(sb.prefix)).toEqual([]);
  });
});
