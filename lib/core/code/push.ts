// `mng push`: a branch of the user's repository into the agent's, as a git bundle over docker exec.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullLimitsFromEnv } from '../../config/env.js';
import { MngError } from '../../errors.js';
import { PUSH_SCRIPT } from '../../git/args.js';
import { execScript } from '../exec.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import { agentRepo, containerGitError, GIT_HINT, git, hasCommit, localRepo } from './repo.js';

/** The branch to push: the one named (it must exist), else the checked-out one. */
async function localBranch(core: Core, host: Host, repo: string, named: string | undefined): Promise<string> {
  let branch = named;
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
  return branch;
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
  const from = await agentRepo(core, host, 'push to');
  const repo = await localRepo(core, from, opts.repo);
  const branch = await localBranch(core, host, repo, opts.branch);
  const dir = await mkdtemp(join(tmpdir(), 'mng-push-'));
  try {
    const bundle = join(dir, 'push.bundle');
    const range = [`refs/heads/${branch}`];
    if (await hasCommit(core, repo, from.commit)) {
      const ahead = await git(core, ['-C', repo, 'rev-list', '-1', `refs/heads/${branch}`, `^${from.commit}`]);
      if (ahead.trim() !== '') range.push(`^${from.commit}`);
    }
    await git(core, ['-C', repo, 'bundle', 'create', '-q', bundle, ...range]);
    const r = await execScript(core, host.daemon, host.containerId, PUSH_SCRIPT, {
      what: `the fetch of '${branch}' into its repository`,
      args: [from.target, branch],
      user: host.sshUser,
      inputFile: bundle,
      timeoutMs: pullLimitsFromEnv().timeoutMs,
      maxBytes: 1024 * 1024,
    });
    if (r.exitCode !== 0) {
      throw containerGitError(
        host,
        `push of '${branch}'`,
        r.exitCode,
        r.stderr,
        `its checked-out branch only fast-forwards, keeping its uncommitted work: mng pull ${host.name} and merge there, or push another branch`,
      );
    }
    // the container's answer: a commit id, or it is not one
    const commit = r.stdout.trim();
    if (!/^[0-9a-f]{4,64}$/.test(commit)) {
      throw new MngError(`agent '${host.name}' answered the push of '${branch}' with no commit id`);
    }
    return { repo, branch, commit };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
