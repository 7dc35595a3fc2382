import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerExists, docker } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

// The agent is root in its container: it can replace the sh, tmux and git that mng runs there, and write what it
// likes where mng reads (the idle state, the pane, the bundle). Here the tests play that agent, through docker exec.

const sb = new Sandbox('hosta');
const ESC = '\u001b';
afterAll(() => sb.cleanup());

/** Write an executable file into host NAME's container (as its agent could). */
async function plant(name: string, path: string, text: string): Promise<void> {
  await docker(['exec', '-i', sb.container(name), 'sh', '-c', `cat > ${path} && chmod 755 ${path}`], { input: text });
}

/** Run a script as root in host NAME's container (as its agent could). */
async function inside(name: string, script: string): Promise<void> {
  await docker(['exec', sb.container(name), 'sh', '-c', script]);
}
/** The agent stops mng's watcher (the agent's state and the idle clock). */
const STOP_WATCHERS = 'kill $(cat /run/mng/watch.pid)';

const timed = async <T>(f: () => Promise<T>): Promise<{ r: T; ms: number }> => {
  const t = Date.now();
  const r = await f();
  return { r, ms: Date.now() - t };
};

describe("the agent's own claims stay in bounds (M1, M2, L1)", () => {
  beforeAll(async () => {
    await Promise.all([
      sb.create('calm'),
      sb.mng(['create', 'boast', '--no-connect', '--idle-timeout', '1h'], { env: { MNG_IDLE_CHECK_INTERVAL: '1' } }),
      sb.create('liar'),
    ]);
    // A local daemon's host publishes its idle finding and its agent's state in a folder mng reads (/run/mng-state,
    // no health check). The agent stops mng's watchers and writes there itself: an idle time out of every bound
    // (boast); a FIFO where the agent's state is read, and a symlink to a claim of its own for the idle (calm).
    await inside(
      'boast',
      `${STOP_WATCHERS}; echo "mng-idle last=99999999999999999999 source=ssh timeout=3600 interval=1 checked=$(date +%s)" > /run/mng-state/idle`,
    );
    await inside(
      'calm',
      `${STOP_WATCHERS}; rm -f /run/mng-state/agent /run/mng-state/idle /run/mng-state/alive && mkfifo /run/mng-state/agent /run/mng-state/alive && echo "mng-idle last=$(date +%s) source=ssh timeout=800 interval=30 checked=$(date +%s)" > /tmp/claim && ln -s /tmp/claim /run/mng-state/idle`,
    );
    // and a terminal that prints escape sequences and never answers a status poll
    await plant(
      'liar',
      '/usr/local/bin/tmux',
      `#!/bin/sh\ncase "$*" in\n*capture-pane*) printf 'fine\\n\\033]0;pwned\\007\\033[1A\\033[2Khidden\\n' ;;\n*display-message*) exec sleep 100000 ;;\n*) exec /usr/bin/tmux "$@" ;;\nesac\n`,
    );
  }, 240_000);

  it('a huge idle number: list still shows every host, that one with a sane clock', async () => {
    const r = await sb.mng(['list', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const { agents, errors } = JSON.parse(r.stdout);
    expect(errors).toEqual([]);
    expect(agents.map((a: { name: string }) => a.name)).toEqual(['boast', 'calm', 'liar']);
    const boast = agents[0];
    expect(boast.last_activity_source).toBe('boot');
    expect(Date.parse(boast.last_activity_at)).toBeLessThan(Date.now() + 60_000);
    expect((await sb.mng(['list'])).stdout).toMatch(/^boast\s+running\s+.*\sidle \d+s of 1h/m);
  });

  it('a FIFO and a symlink in the published folder: list neither waits on the one nor follows the other', async () => {
    const { r, ms } = await timed(() => sb.mng(['list', '--format', 'json'], { timeoutMs: 60_000 }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(ms).toBeLessThan(20_000);
    const calm = JSON.parse(r.stdout).agents.find((a: { name: string }) => a.name === 'calm');
    expect(calm.agent_state).toBeNull();
    // the claim behind the symlink (activity by ssh, now) is not read: the clock is the boot's
    expect(calm.last_activity_source).toBe('boot');
  });

  it('logs shows escape sequences as text; --raw gives the bytes', async () => {
    const safe = await sb.mng(['logs', 'liar']);
    expect(safe.exitCode, safe.stderr).toBe(0);
    expect(safe.stdout).toBe('fine\n\\x1b]0;pwned\\x07\\x1b[1A\\x1b[2Khidden\n');
    expect(safe.stdout).not.toContain(ESC);
    const raw = await sb.mng(['logs', 'liar', '--raw']);
    expect(raw.stdout).toContain(`${ESC}]0;pwned\u0007`);
  });

  it('wait --timeout is a hard deadline, even when the container never answers', async () => {
    const { r, ms } = await timed(() => sb.mng(['wait', 'liar', '--timeout', '3'], { timeoutMs: 60_000 }));
    expectFailure(r, 124, /agent 'liar' had not exited after 3s/);
    expect(ms).toBeLessThan(20_000);
  });
});

/** git in a repository of the test. */
const git = async (repo: string, args: string[]) => (await execa('git', ['-C', repo, ...args])).stdout;

/** What a failed pull must leave as it was: every ref, and every object. */
const repoState = async (repo: string) =>
  JSON.stringify([await git(repo, ['for-each-ref']), await git(repo, ['count-objects', '-v'])]);

describe("an agent's bundle, taken as untrusted (M3, M2)", () => {
  let repo = '';
  const limits = { MNG_PULL_MAX_SIZE: '1M', MNG_PULL_TIMEOUT: '4s' };
  const serve = (mode: string) =>
    docker(['exec', sb.container('giver'), 'sh', '-c', `printf %s '${mode}' > /tmp/mng-hostile`]);

  beforeAll(async () => {
    repo = join(sb.dir, 'repo');
    mkdirSync(repo);
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, 'a.txt'), 'one\n');
    await git(repo, ['add', '-A']);
    await git(repo, ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'one']);
    const r = await sb.mng(['create', 'giver', '--from', repo, '--no-connect']);
    expect(r.exitCode, r.stderr).toBe(0);
    // a bundle holding a tree with a .git entry (the path of git's own CVEs), made on this side, for the agent to serve
    const bad = join(sb.dir, 'bad');
    await execa('git', ['init', '-q', bad]);
    const blob = (await execa('git', ['-C', bad, 'hash-object', '-w', '--stdin'], { input: 'x\n' })).stdout;
    const tree = await execa('git', ['-C', bad, 'hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], {
      input: Buffer.concat([Buffer.from('100644 .git\0'), Buffer.from(blob, 'hex')]),
    });
    const commit = await execa('git', ['-C', bad, 'hash-object', '-t', 'commit', '--literally', '-w', '--stdin'], {
      input: `tree ${tree.stdout}\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n`,
    });
    await git(bad, ['update-ref', 'refs/heads/main', commit.stdout]);
    await git(bad, ['bundle', 'create', '-q', join(sb.dir, 'bad.bundle'), 'refs/heads/main']);
    await docker(['cp', join(sb.dir, 'bad.bundle'), `${sb.container('giver')}:/tmp/bad.bundle`]);
    // the agent's git: its bundle is whatever /tmp/mng-hostile says, and its own git diff lies
    await plant(
      'giver',
      '/usr/local/bin/git',
      `#!/bin/sh\nif [ "$1 $2" = "bundle create" ]; then\n  case $(cat /tmp/mng-hostile 2>/dev/null) in\n    endless) exec cat /dev/zero ;;\n    garbage) echo 'not a bundle'; exit 0 ;;\n    silent) exec sleep 100000 ;;\n    badobject) exec cat /tmp/bad.bundle ;;\n  esac\nfi\n[ "$1" = diff ] && { echo 'no changes at all'; exit 0; }\nexec /usr/bin/git "$@"\n`,
    );
  }, 240_000);

  const cases: [string, RegExp, number][] = [
    ['endless', /container .* wrote more than 1 MiB for the bundle of its repository/, 30_000],
    ['silent', /container .* did not finish the bundle of its repository .* within 4 s/, 30_000],
    ['garbage', /agent 'giver' handed over no git bundle/, 30_000],
    ['badobject', /git refused what agent 'giver' handed over: .*hasDotgit/, 30_000],
  ];
  for (const [mode, pattern, within] of cases) {
    it(`a bundle that is ${mode}: pull fails within its limit, and the repository is unchanged`, async () => {
      await serve(mode);
      const before = await repoState(repo);
      const { r, ms } = await timed(() => sb.mng(['pull', 'giver', '--repo', repo], { env: limits }));
      expectFailure(r, 1, pattern);
      expect(ms).toBeLessThan(within);
      expect(await repoState(repo)).toBe(before);
    });
  }

  it('too many refs: nothing fetched', async () => {
    await serve('honest');
    const before = await repoState(repo);
    const r = await sb.mng(['pull', 'giver', '--repo', repo], { env: { MNG_PULL_MAX_REFS: '2' } });
    expectFailure(r, 1, /bundle names 3 refs, more than mng takes \(2\): nothing fetched/);
    expect(await repoState(repo)).toBe(before);
  });

  it("destroy's pull has the same limits: nothing destroyed, and it says why and how to go on", async () => {
    await serve('garbage');
    const r = await sb.mng(['destroy', 'giver', '--force'], { env: limits });
    expectFailure(r, 1, /not destroyed: pulling the work of 'giver' first failed: .*no git bundle.*pass --no-pull/);
    expect(await containerExists(sb.container('giver'))).toBe(true);
  });

  it("diff is the user's git on fetched objects: the agent's git cannot lie, and its bytes are shown as text", async () => {
    await serve('honest');
    await docker([
      'exec',
      sb.container('giver'),
      'sh',
      '-c',
      `printf 'one\\nevil\\033[1A\\033[2K\\n' > /workspace/a.txt`,
    ]);
    const before = await repoState(repo);
    const r = await sb.mng(['diff', 'giver']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('no changes at all');
    expect(r.stdout).toContain('+evil\\x1b[1A\\x1b[2K');
    expect(r.stdout).not.toContain(ESC);
    expect(await repoState(repo)).toBe(before);
  });

  it('an honest bundle still pulls; destroy --no-pull says whose work it leaves', async () => {
    await serve('honest');
    const r = await sb.mng(['pull', 'giver', '--repo', repo]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^refs\/mng\/giver\/wip\s/m);
    const d = await sb.mng(['destroy', 'giver', '--force', '--no-pull']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stderr).toMatch(/Not pulling the work of 'giver' \(--no-pull\)/);
  });
});
