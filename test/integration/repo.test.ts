import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanDaemon2, DAEMON2, requireDaemon2 } from '../helpers/daemon2.js';
import { containersNamed, docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('repo');
afterAll(() => sb.cleanup());

/** git in a test repository, failing the test on error. */
async function git(repo: string, args: string[]): Promise<string> {
  return (await execa('git', ['-C', repo, ...args])).stdout;
}

/**
 * A repository made by the test: two commits, then a modified tracked file, a staged new file, an untracked file,
 * a deleted tracked file, an ignored .env listed in .mnginclude and an ignored log file that is not; a dangling symlink.
 */
async function makeRepo(name: string): Promise<string> {
  const repo = join(sb.dir, name);
  mkdirSync(join(repo, 'src'), { recursive: true });
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  await git(repo, ['config', 'user.name', 'Test']);
  await git(repo, ['config', 'user.email', 'test@example.invalid']);
  writeFileSync(join(repo, 'src', 'a.txt'), 'one\n');
  writeFileSync(join(repo, '.gitignore'), '.env\n*.log\n');
  writeFileSync(join(repo, '.mnginclude'), '.env\n');
  writeFileSync(join(repo, 'gone.txt'), 'deleted later\n');
  symlinkSync('nowhere', join(repo, 'dangling'));
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-qm', 'first']);
  writeFileSync(join(repo, 'src', 'a.txt'), 'one\ntwo\n');
  await git(repo, ['commit', '-qam', 'second']);
  writeFileSync(join(repo, 'src', 'a.txt'), 'one\ntwo\nuser-change\n');
  writeFileSync(join(repo, 'staged.txt'), 'staged\n');
  await git(repo, ['add', 'staged.txt']);
  writeFileSync(join(repo, 'untracked.txt'), 'untracked\n');
  writeFileSync(join(repo, '.env'), 'SECRET=1\n');
  writeFileSync(join(repo, 'debug.log'), 'noise\n');
  rmSync(join(repo, 'gone.txt'));
  return repo;
}

/** Everything a pull must leave as it was: HEAD, branch refs (not refs/mng/), index and work tree, byte for byte. */
async function userState(repo: string): Promise<string> {
  const refs = await git(repo, ['for-each-ref', '--format=%(refname) %(objectname)']);
  // git status refreshes the index's stat data: it runs before the index is read, both times.
  const status = await git(repo, ['status', '--porcelain']);
  const files = ['src/a.txt', 'staged.txt', 'untracked.txt', '.env', 'debug.log'].map((f) =>
    readFileSync(join(repo, f), 'utf8'),
  );
  return JSON.stringify({
    head: readFileSync(join(repo, '.git', 'HEAD'), 'utf8'),
    refs: refs.split('\n').filter((l) => !l.startsWith('refs/mng/')),
    index: readFileSync(join(repo, '.git', 'index')).toString('base64'),
    status,
    files,
  });
}

/** The agent at work: a script in its container, as its user (who owns the repository). */
async function inContainer(name: string, script: string, host?: string): Promise<string> {
  const args = ['exec', '--user', 'agent', sb.container(name), 'sh', '-c', script];
  const r = await docker(args, host ? { env: { DOCKER_HOST: host } } : {});
  return r.stdout;
}

describe('create --from a repository, then pull, push, diff and destroy', () => {
  let repo: string;
  let start: string;
  beforeAll(async () => {
    repo = await makeRepo('r1');
    start = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    const r = await sb.mng(['create', 'r1', '--from', '.', '--no-connect'], { cwd: join(repo, 'src') });
    expect(r.exitCode, r.stderr).toBe(0);
    // L10: what --from takes beyond the folder named is said, and so is what the repository's include file adds
    expect(r.stderr).toContain(`--from ${join(repo, 'src')}: taking the whole repository it is in, ${repo}`);
    expect(r.stderr).toContain('.mnginclude: 1 ignored file(s) copied too');
  });

  it('puts the repository with its history, the uncommitted work and the included .env in /workspace', async () => {
    const out = await inContainer(
      'r1',
      'cd /workspace && git log --format=%s && git rev-parse HEAD && git status --porcelain && cat src/a.txt .env && ls -a',
    );
    expect(out).toContain('second\nfirst\n');
    expect(out).toContain(start);
    expect(out).toMatch(/^ M src\/a\.txt$/m);
    expect(out).toMatch(/^A {2}staged\.txt$/m);
    expect(out).toMatch(/^\?\? untracked\.txt$/m);
    expect(out).toContain('user-change\nSECRET=1\n');
    expect(out).toMatch(/^ D gone\.txt$/m);
    expect(out).not.toContain('debug.log');
    expect(await inContainer('r1', 'readlink /workspace/dangling')).toBe('nowhere');
    const c = await inspectContainer(sb.container('r1'));
    expect(c.Config.WorkingDir).toBe('/workspace');
    expect(c.Config.Labels).toMatchObject({
      'mng.from-kind': 'git',
      'mng.from-commit': start,
      'mng.from-target': '/workspace',
      'mng.from-path': repo,
    });
  });

  it('starts exec in the target folder', async () => {
    const r = await sb.mng(['exec', 'r1', '--', 'pwd']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('/workspace');
  });

  it("pulls the agent's commit and uncommitted work into refs/mng/NAME/, leaving the user's repository as it was", async () => {
    await inContainer(
      'r1',
      'cd /workspace && git add -A && git -c user.name=A -c user.email=a@b commit -qm agent-commit && echo wip > wip.txt && echo more >> src/a.txt',
    );
    const before = await userState(repo);
    const r = await sb.mng(['pull', 'r1'], { cwd: sb.dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^refs\/mng\/r1\/heads\/main +[0-9a-f]{12} +1 commit +new$/m);
    expect(r.stdout).toMatch(/^refs\/mng\/r1\/HEAD +[0-9a-f]{12} +1 commit +new$/m);
    expect(r.stdout).toMatch(/^refs\/mng\/r1\/wip +[0-9a-f]{12} +2 commits +new$/m);
    expect(await userState(repo)).toBe(before);
    expect(await git(repo, ['log', '--format=%s', `${start}..mng/r1/HEAD`])).toBe('agent-commit');
    expect(await git(repo, ['show', 'mng/r1/wip:wip.txt'])).toBe('wip');
    expect(await git(repo, ['show', 'mng/r1/wip:src/a.txt'])).toBe('one\ntwo\nuser-change\nmore');
    // The agent's own work tree and index are untouched too.
    expect(await inContainer('r1', 'cd /workspace && git status --porcelain')).toMatch(
      /^ M src\/a\.txt\n\?\? wip\.txt$/m,
    );
    const again = await sb.mng(['pull', 'r1', '--format', 'json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).refs.every((x: any) => x.status === 'unchanged')).toBe(true);
  });

  it("diffs the agent's committed and uncommitted changes against where it started", async () => {
    const r = await sb.mng(['diff', 'r1']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\+user-change$/m);
    expect(r.stdout).toMatch(/^\+more$/m);
    expect(r.stdout).toContain('diff --git a/wip.txt b/wip.txt');
    expect(r.stdout).toContain('diff --git a/staged.txt b/staged.txt');
    const stat = await sb.mng(['diff', 'r1', '--', '--stat']);
    expect(stat.stdout).toMatch(/wip\.txt +\| 1 \+/);
  });

  it("pushes a branch into the agent's repository", async () => {
    await git(repo, ['branch', 'review-notes', start]);
    const r = await sb.mng(['push', 'r1', 'review-notes'], { cwd: repo });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await inContainer('r1', 'git -C /workspace log --format=%H review-notes -1')).toBe(start);
  });

  it("refuses to move the agent's checked-out branch over its uncommitted changes", async () => {
    // Local main: the agent's commit plus one that changes the file the agent has modified.
    const wt = join(sb.dir, 'r1-wt');
    await git(repo, ['worktree', 'add', '-q', '-b', 'ahead', wt, 'refs/mng/r1/heads/main']);
    writeFileSync(join(wt, 'src', 'a.txt'), 'conflict\n');
    await git(wt, ['commit', '-qam', 'ahead']);
    const before = await inContainer('r1', 'cd /workspace && git rev-parse main && cat src/a.txt');
    // The agent checks out a branch of that name (its uncommitted change to src/a.txt comes along), then it is pushed.
    await git(repo, ['branch', '-f', 'main-ahead', 'ahead']);
    await inContainer('r1', 'cd /workspace && git branch -q main-ahead HEAD && git checkout -q main-ahead');
    expectFailure(
      await sb.mng(['push', 'r1', 'main-ahead'], { cwd: repo }),
      1,
      /push of 'main-ahead' of agent 'r1' failed: .*local changes/,
    );
    await inContainer('r1', 'cd /workspace && git checkout -q main');
    expect(await inContainer('r1', 'cd /workspace && git rev-parse main && cat src/a.txt')).toBe(before);
  });

  it('refuses to push a branch that does not exist', async () => {
    expectFailure(await sb.mng(['push', 'r1', 'no-such-branch'], { cwd: repo }), 1, /no branch 'no-such-branch'/);
  });

  it("refuses to push a branch that is not a fast-forward of the agent's, which stays as it was", async () => {
    // The agent's review-notes moves to its own commit; the user's gets another commit on the old one: they diverged.
    const agentMain = (await inContainer('r1', 'git -C /workspace rev-parse main')).trim();
    await inContainer('r1', `git -C /workspace update-ref refs/heads/review-notes ${agentMain}`);
    const tree = (await git(repo, ['rev-parse', `${start}^{tree}`])).trim();
    const mine = (await git(repo, ['commit-tree', tree, '-p', start, '-m', 'user-notes'])).trim();
    await git(repo, ['branch', '-f', 'review-notes', mine]);
    expectFailure(
      await sb.mng(['push', 'r1', 'review-notes'], { cwd: repo }),
      1,
      /push of 'review-notes' of agent 'r1' failed: .*\[rejected\] +review-notes -> review-notes +\(non-fast-forward\)/,
    );
    expect((await inContainer('r1', 'git -C /workspace rev-parse review-notes')).trim()).toBe(agentMain);
  });

  it('pulls before destroy, says so, and the refs outlive the container', async () => {
    await inContainer('r1', 'cd /workspace && echo last > last.txt');
    const r = await sb.mng(['destroy', 'r1', '--force'], { cwd: sb.dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Pulled the work of 'r1' into refs\/mng\/r1\/ of .* before destroying it/);
    expect(await containersNamed(sb.container('r1'))).toEqual([]);
    expect(await git(repo, ['show', 'mng/r1/wip:last.txt'])).toBe('last');
  });
});

describe('create --from: other sources and bad input', () => {
  it('a folder in a home folder kept in git (L10): a warning names the home folder as what would be copied', async () => {
    // a home folder under git (dotfiles): --from a project in it would take the whole home
    const home = join(sb.dir, 'githome');
    mkdirSync(join(home, 'proj'), { recursive: true });
    writeFileSync(join(home, 'proj', 'a.txt'), 'a\n');
    await execa('git', ['init', '-q', home]);
    await git(home, ['add', '-A']);
    await git(home, ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'dotfiles']);
    const proj = join(home, 'proj');
    const r = await sb.mng(['create', 'h1', '--from', proj, '--dry-run'], { env: { HOME: home } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `mng: warning: --from ${proj}: it is in the work tree of your home folder (${home}), which is what would be copied`,
    );
    expect(r.stdout).toContain(`--label mng.from-path=${home} `);
    expect(await containersNamed(sb.container('h1'))).toEqual([]);
  });

  it('--from-committed leaves the uncommitted work out, with a clean index', async () => {
    const repo = await makeRepo('r2');
    const r = await sb.mng(['create', 'r2', '--from', repo, '--from-committed', '--target', '/src/r2', '--no-connect']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = await inContainer('r2', 'cd /src/r2 && git status --porcelain; cat src/a.txt; ls -a');
    expect(out).toContain('one\ntwo\n');
    expect(out).not.toMatch(/user-change|untracked\.txt|staged\.txt|\.env|^ M/m);
    expect((await sb.mng(['destroy', 'r2', '--force', '--no-pull'])).exitCode).toBe(0);
  });

  it('copies a plain folder, and pull, push and diff say it has no repository', async () => {
    const dir = join(sb.dir, 'plain');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'f.txt'), 'plain\n');
    const r = await sb.mng(['create', 'p1', '--from', dir, '--no-connect']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await inContainer('p1', 'cat /workspace/sub/f.txt')).toBe('plain');
    for (const cmd of [
      ['pull', 'p1'],
      ['push', 'p1', 'main'],
      ['diff', 'p1'],
    ]) {
      expectFailure(await sb.mng(cmd), 1, /made from the plain folder .*: the host has no repository/);
    }
    const d = await sb.mng(['destroy', 'p1', '--force']);
    expect(d.exitCode, d.stderr).toBe(0);
  });

  it('pull, push and diff of a missing name, or of a host made without --from, are one-line errors', async () => {
    await sb.create('plainhost');
    for (const cmd of [['pull'], ['push'], ['diff']]) {
      expectFailure(await sb.mng([...cmd, 'no-such-agent']), 1, /no agent named 'no-such-agent'/);
      expectFailure(await sb.mng([...cmd, 'plainhost']), 1, /was not made with --from a repository/);
    }
  });

  it('refuses a missing path, a repository mid-merge or mid-rebase, and creates nothing', async () => {
    expectFailure(
      await sb.mng(['create', 'bad1', '--from', join(sb.dir, 'nope'), '--no-connect']),
      2,
      /--from .*nope: no such folder/,
    );
    const repo = await makeRepo('r3');
    await git(repo, ['stash', '-q', '-u']);
    await git(repo, ['checkout', '-q', '-b', 'other', 'HEAD~1']);
    writeFileSync(join(repo, 'src', 'a.txt'), 'other\n');
    await git(repo, ['commit', '-qam', 'other']);
    await execa('git', ['-C', repo, 'merge', 'main'], { reject: false });
    expectFailure(await sb.mng(['create', 'bad2', '--from', repo, '--no-connect']), 2, /in the middle of a merge/);
    await git(repo, ['merge', '--abort']);
    await execa('git', ['-C', repo, 'rebase', 'main'], { reject: false });
    expectFailure(await sb.mng(['create', 'bad3', '--from', repo, '--no-connect']), 2, /in the middle of a rebase/);
    await git(repo, ['rebase', '--abort']);
    expectFailure(await sb.mng(['create', 'bad4', '--target', '/x', '--no-connect']), 2, /--target needs --from/);
    const noGit = join(sb.dir, 'empty-path');
    mkdirSync(noGit);
    symlinkSync(process.execPath, join(noGit, 'node')); // only node, which mng runs on
    expectFailure(
      await sb.mng(['create', 'bad5', '--from', repo, '--no-connect'], { env: { PATH: noGit } }),
      1,
      /'git' was not found on PATH/,
    );
    expect(await containersNamed(`${sb.prefix}bad`)).toEqual([]);
  });

  it('refuses a repository without commits, a linked worktree, and one in the middle of a cherry-pick or a revert, creating nothing', async () => {
    const empty = join(sb.dir, 'no-commits');
    await execa('git', ['init', '-q', empty]);
    expectFailure(
      await sb.mng(['create', 'bad6', '--from', empty, '--no-connect']),
      2,
      /--from .*no-commits: the repository has no commit yet/,
    );

    // a repository whose a.txt changed in three commits, and a branch that changed it otherwise
    const repo = join(sb.dir, 'r9');
    mkdirSync(repo);
    await execa('git', ['init', '-q', '-b', 'main', repo]);
    await git(repo, ['config', 'user.name', 'Test']);
    await git(repo, ['config', 'user.email', 'test@example.invalid']);
    for (const [text, msg] of [
      ['one\n', 'first'],
      ['one\ntwo\n', 'second'],
      ['one\ntwo\nthree\n', 'third'],
    ]) {
      writeFileSync(join(repo, 'a.txt'), text);
      await git(repo, ['add', 'a.txt']);
      await git(repo, ['commit', '-qm', msg]);
    }
    const linked = join(sb.dir, 'r9-linked');
    await git(repo, ['worktree', 'add', '-q', '-b', 'linked', linked, 'main']);
    expectFailure(
      await sb.mng(['create', 'bad7', '--from', linked, '--no-connect']),
      2,
      /--from .*r9-linked: .*r9-linked is a linked worktree or a submodule checkout/,
    );
    await git(repo, ['branch', 'other', 'HEAD~2']);
    await git(linked, ['checkout', '-q', 'other']);
    writeFileSync(join(linked, 'a.txt'), 'other\n');
    await git(linked, ['commit', '-qam', 'other']);
    // (conflicts: git stops in the middle, as a user would find it)
    await execa('git', ['-C', repo, 'cherry-pick', 'other'], { reject: false });
    expectFailure(
      await sb.mng(['create', 'bad8', '--from', repo, '--no-connect']),
      2,
      /in the middle of a cherry-pick/,
    );
    await git(repo, ['cherry-pick', '--abort']);
    await execa('git', ['-C', repo, 'revert', '--no-edit', 'HEAD~1'], { reject: false });
    expectFailure(await sb.mng(['create', 'bad9', '--from', repo, '--no-connect']), 2, /in the middle of a revert/);
    await git(repo, ['revert', '--abort']);
    expect(await containersNamed(`${sb.prefix}bad`)).toEqual([]);
  });

  it('works from a detached HEAD', async () => {
    const repo = await makeRepo('r4');
    await git(repo, ['checkout', '-q', '--detach', 'HEAD']);
    const r = await sb.mng(['create', 'r4', '--from', repo, '--no-connect']);
    expect(r.exitCode, r.stderr).toBe(0);
    await inContainer('r4', 'cd /workspace && git -c user.name=A -c user.email=a@b commit -qam detached-work');
    const p = await sb.mng(['pull', 'r4']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(await git(repo, ['log', '--format=%s', '-1', 'mng/r4/HEAD'])).toBe('detached-work');
    expect((await sb.mng(['destroy', 'r4', '--force'])).exitCode).toBe(0);
  });
});

describe('the same round trip through the tcp:// test daemon', () => {
  beforeAll(() => {
    requireDaemon2();
    sb.writeConfig(
      `[providers.docker]\nbackend = "docker"\ndefault_image = "${sb.baseImage}"\n[providers.far]\nbackend = "docker"\nhost = "${DAEMON2}"\ndefault_image = "${sb.baseImage}"\n`,
    );
  });
  afterAll(async () => {
    await cleanDaemon2(sb);
    sb.useImage();
  });

  it('create --from, pull, push, diff and destroy on the remote daemon', async () => {
    const repo = await makeRepo('far1');
    const r = await sb.mng(['create', 'far1', '--in', 'far', '--from', repo, '--no-connect']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await inContainer('far1', 'cd /workspace && cat .env && git status --porcelain', DAEMON2)).toMatch(
      /SECRET=1\n[\s\S]*\?\? untracked\.txt/,
    );
    await inContainer(
      'far1',
      'cd /workspace && git -c user.name=A -c user.email=a@b commit -qam far-commit && echo x > far-wip.txt',
      DAEMON2,
    );
    const before = await userState(repo);
    const p = await sb.mng(['pull', 'far1']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(await userState(repo)).toBe(before);
    expect(await git(repo, ['log', '--format=%s', '-1', 'mng/far1/HEAD'])).toBe('far-commit');
    const d = await sb.mng(['diff', 'far1', '--', '--name-only']);
    expect(d.stdout.split('\n')).toEqual(expect.arrayContaining(['far-wip.txt', 'src/a.txt']));
    await git(repo, ['branch', 'to-far', 'HEAD']);
    expect((await sb.mng(['push', 'far1', 'to-far'], { cwd: repo })).exitCode).toBe(0);
    expect(await inContainer('far1', 'git -C /workspace rev-parse --verify -q to-far', DAEMON2)).toBe(
      (await git(repo, ['rev-parse', 'HEAD'])).trim(),
    );
    await inContainer('far1', 'echo late > /workspace/late.txt', DAEMON2);
    const x = await sb.mng(['destroy', 'far1', '--force']);
    expect(x.exitCode, x.stderr).toBe(0);
    expect(await git(repo, ['show', 'mng/far1/wip:late.txt'])).toBe('late');
  });
});

describe('create --from: failures after the container exists, and destroy of a stopped host', () => {
  it('a target docker cannot use is a one-line error and leaves no container', async () => {
    const repo = await makeRepo('r5');
    expectFailure(
      await sb.mng(['create', 'r5', '--from', repo, '--target', '/etc/hostname/sub', '--no-connect']),
      1,
      /hostname\/sub: not a directory/,
    );
    expect(await containersNamed(sb.container('r5'))).toEqual([]);
  });

  it('destroy of a stopped --from host starts it to pull its work first; --no-pull destroys without', async () => {
    const repo = await makeRepo('r6');
    expect((await sb.mng(['create', 'r6', '--from', repo, '--no-connect'])).exitCode).toBe(0);
    await inContainer('r6', 'echo stopped-work > /workspace/stopped.txt');
    expect((await sb.mng(['stop', 'r6'])).exitCode).toBe(0);
    const r = await sb.mng(['destroy', 'r6', '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Starting .*r6 to pull its work first/);
    expect(await git(repo, ['show', 'mng/r6/wip:stopped.txt'])).toBe('stopped-work');
    expect(await containersNamed(sb.container('r6'))).toEqual([]);

    expect((await sb.mng(['create', 'r7', '--from', repo, '--no-connect'])).exitCode).toBe(0);
    await inContainer('r7', 'echo x > /workspace/x.txt');
    const n = await sb.mng(['destroy', 'r7', '--force', '--no-pull']);
    expect(n.exitCode, n.stderr).toBe(0);
    expect(n.stderr).not.toMatch(/Pulled/);
    expect(await git(repo, ['for-each-ref', 'refs/mng/r7/'])).toBe('');
    expect(await containersNamed(sb.container('r7'))).toEqual([]);
  });

  it('a failed pull destroys nothing', async () => {
    const repo = await makeRepo('r8');
    expect((await sb.mng(['create', 'r8', '--from', repo, '--no-connect'])).exitCode).toBe(0);
    // The agent's repository is gone: the pull fails, so the destroy must not happen.
    await inContainer('r8', 'rm -rf /workspace/.git');
    expectFailure(
      await sb.mng(['destroy', 'r8', '--force']),
      1,
      /not destroyed: pulling the work of 'r8' first failed/,
    );
    expect(await containersNamed(sb.container('r8'))).toHaveLength(1);
    expect((await sb.mng(['destroy', 'r8', '--force', '--no-pull'])).exitCode).toBe(0);
  });
});
