// The agent's repository, for hosts made with `create --from` a repository: pull (its branches, HEAD and uncommitted
// work into refs/mng/NAME/ of the user's repository), push (a branch into it) and diff (against where it started).
// Everything moves through docker exec (git bundles on stdin/stdout), so it works on every daemon and needs no port.

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExecScriptArgs, buildStartArgs } from '../../docker/args.js';
import { dockerReason } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import { agentRefPrefix, buildFetchBundleArgs, DIFF_SCRIPT, PULL_SCRIPT, PUSH_SCRIPT } from '../../git/args.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import type { FromLabels } from '../model/labels.js';

const GIT_HINT = 'install git (https://git-scm.com/downloads) and try again';

/** The host's --from repository, or a clear error: made without --from, from a plain folder, or not running. */
export function agentRepo(host: Host, what: string): FromLabels {
  if (!host.from) {
    throw new MngError(`agent '${host.name}' was not made with --from a repository: there is nothing to ${what}`, {
      hint: `create it with: mng create ${host.name} --from PATH`,
    });
  }
  if (host.from.kind !== 'git') {
    throw new MngError(
      `agent '${host.name}' was made from the plain folder ${host.from.path}: the host has no repository to ${what}`,
      {
        hint: 'use mng cp or mng exec for its files',
      },
    );
  }
  if (host.state !== 'running') {
    throw new MngError(`agent '${host.name}' is not running (state: ${host.state}): cannot ${what} its repository`, {
      hint: `start it with: mng start ${host.name}`,
    });
  }
  return host.from;
}

async function git(core: Core, args: string[], env: Record<string, string> = {}): Promise<string> {
  return (await core.runner.run('git', args, { check: true, missingHint: GIT_HINT }, env)).stdout;
}

/**
 * The local repository to fetch into and push from: `repo` if given, else the one the host was made from when it is
 * still here, else the repository of the current folder.
 */
export async function localRepo(core: Core, from: FromLabels, repo?: string): Promise<string> {
  const candidates = repo !== undefined ? [repo] : [from.path, process.cwd()];
  for (const dir of candidates) {
    if (
      !dir ||
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      continue;
    const r = await core.runner.run('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { missingHint: GIT_HINT });
    if (r.exitCode === 0) return r.stdout.trim();
  }
  throw new MngError(
    `no local git repository to use (${from.path} is gone and ${repo ?? process.cwd()} is not a repository)`,
    {
      hint: 'run it inside the repository the agent was made from, or pass --repo PATH',
    },
  );
}

/** A failed git script in the container, as one line: git's own last words. */
function containerGitError(host: Host, what: string, exitCode: number, stderr: string, hint?: string): MngError {
  const lines = stderr
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const gitSays = lines.find((l) => /^(fatal|error): /.test(l))?.replace(/^(fatal|error): /, '');
  const reason =
    gitSays ?? lines.find((l) => l.startsWith('mng: '))?.slice(5) ?? (dockerReason(stderr) || `exit ${exitCode}`);
  return new MngError(`${what} of agent '${host.name}' failed: ${reason.replace(/:$/, '')}`, {
    hint,
    failed: { command: `docker exec ${host.containerName} …`, exitCode, stderr },
  });
}

async function hasCommit(core: Core, repo: string, commit: string): Promise<boolean> {
  if (!commit) return false;
  return (
    (await core.runner.run('git', ['-C', repo, 'cat-file', '-e', `${commit}^{commit}`], { missingHint: GIT_HINT }))
      .exitCode === 0
  );
}

async function refValues(core: Core, repo: string, prefix: string): Promise<Map<string, string>> {
  const out = await git(core, ['-C', repo, 'for-each-ref', '--format=%(refname) %(objectname)', prefix]);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}

export interface PulledRef {
  ref: string;
  commit: string;
  /** commits on it since the commit the agent started from (all of its commits if the start is unknown here) */
  commits: number;
  status: 'new' | 'updated' | 'unchanged';
}

/**
 * `mng pull`: in the container, commit the uncommitted work aside (refs/mng/wip there; the agent's work tree and index
 * are untouched), bundle every branch, HEAD and that commit on stdout, and fetch the bundle into refs/mng/NAME/ of the
 * local repository with explicit refspecs only. Commits the user already has are left out when cheap.
 */
export async function pullRepo(
  core: Core,
  host: Host,
  opts: { repo?: string } = {},
): Promise<{ repo: string; refs: PulledRef[] }> {
  const from = agentRepo(host, 'pull');
  const repo = await localRepo(core, from, opts.repo);
  const prefix = agentRefPrefix(host.name);
  const known = await hasCommit(core, repo, from.commit);
  const before = await refValues(core, repo, prefix);
  const dir = await mkdtemp(join(tmpdir(), 'mng-pull-'));
  try {
    const bundle = join(dir, 'agent.bundle');
    const args = buildExecScriptArgs(host.containerId, PULL_SCRIPT, [from.target, known ? from.commit : ''], {
      user: host.sshUser,
    });
    const r = await core.runner.docker(host.daemon, args, { check: false, stdoutFile: bundle });
    if (r.exitCode !== 0) throw containerGitError(host, 'pull', r.exitCode, r.stderr);
    await git(core, buildFetchBundleArgs(repo, bundle, host.name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const after = await refValues(core, repo, prefix);
  const refs = await Promise.all(
    [...after].map(async ([ref, commit]): Promise<PulledRef> => {
      const range = known ? [`${from.commit}..${commit}`] : [commit];
      const commits = Number((await git(core, ['-C', repo, 'rev-list', '--count', ...range])).trim());
      const old = before.get(ref);
      return { ref, commit, commits, status: old === undefined ? 'new' : old === commit ? 'unchanged' : 'updated' };
    }),
  );
  return { repo, refs };
}

/**
 * Before destroying a stopped --from host: `docker start` it (no ssh needed: pull goes through docker exec), so its
 * work can be pulled. Returns the host as running.
 */
export async function startForPull(core: Core, host: Host): Promise<Host> {
  if (host.state !== 'stopped' && host.state !== 'created') return host;
  core.progress(`Starting ${host.containerName} to pull its work first`);
  await core.runner.docker(host.daemon, buildStartArgs([host.containerId]));
  return { ...host, state: 'running' };
}

/**
 * `mng push`: a bundle of the local BRANCH (without what the agent started from, when cheap) into the agent's
 * repository. Its checked-out branch only fast-forwards, and only when git's merge keeps the work tree's changes.
 */
export async function pushRepo(
  core: Core,
  host: Host,
  opts: { branch?: string; repo?: string },
): Promise<{ repo: string; branch: string; commit: string }> {
  const from = agentRepo(host, 'push to');
  const repo = await localRepo(core, from, opts.repo);
  let branch = opts.branch;
  if (branch === undefined) {
    const cur = await core.runner.run('git', ['-C', repo, 'symbolic-ref', '-q', '--short', 'HEAD'], {
      missingHint: GIT_HINT,
    });
    if (cur.exitCode !== 0)
      throw new MngError(`${repo} has a detached HEAD: name the branch to push`, {
        hint: `mng push ${host.name} BRANCH`,
      });
    branch = cur.stdout.trim();
  }
  const tip = await core.runner.run(
    'git',
    ['-C', repo, 'rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`],
    { missingHint: GIT_HINT },
  );
  if (tip.exitCode !== 0)
    throw new MngError(`no branch '${branch}' in ${repo}`, { hint: 'git branch lists the branches' });
  const dir = await mkdtemp(join(tmpdir(), 'mng-push-'));
  try {
    const bundle = join(dir, 'push.bundle');
    const range = [`refs/heads/${branch}`];
    if (await hasCommit(core, repo, from.commit)) {
      const ahead = await git(core, ['-C', repo, 'rev-list', '-1', `refs/heads/${branch}`, `^${from.commit}`]);
      if (ahead.trim() !== '') range.push(`^${from.commit}`);
    }
    await git(core, ['-C', repo, 'bundle', 'create', '-q', bundle, ...range]);
    const args = buildExecScriptArgs(host.containerId, PUSH_SCRIPT, [from.target, branch], {
      stdin: true,
      user: host.sshUser,
    });
    const r = await core.runner.docker(host.daemon, args, { check: false, inputFile: bundle });
    if (r.exitCode !== 0) {
      throw containerGitError(
        host,
        `push of '${branch}'`,
        r.exitCode,
        r.stderr,
        `its checked-out branch only fast-forwards, keeping its uncommitted work: mng pull ${host.name} and merge there, or push another branch`,
      );
    }
    return { repo, branch, commit: r.stdout.trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `mng diff`: `git diff` in the container of the commit the agent started from against its work tree (committed and
 * uncommitted changes, untracked files included), with the user's git diff options; output straight to stdout.
 */
export async function diffRepo(core: Core, host: Host, diffArgs: string[], opts: { color: boolean }): Promise<number> {
  const from = agentRepo(host, 'diff');
  const args = buildExecScriptArgs(
    host.containerId,
    DIFF_SCRIPT,
    [from.target, from.commit, ...(opts.color ? ['--color=always'] : []), ...diffArgs],
    { user: host.sshUser },
  );
  const r = await core.runner.docker(host.daemon, args, { check: false, stdout: 'inherit' });
  if (r.exitCode !== 0) throw containerGitError(host, 'diff', r.exitCode, r.stderr);
  return r.exitCode;
}
