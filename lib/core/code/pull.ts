// `mng pull` (and destroy's pull first, and diff's fetch): the agent's work as a git bundle it makes in its container,
// taken within limits (size, time, number of refs; core/container/exec.ts cuts the stream) and fetched with every
// object checked. The agent makes the bundle, so whatever it hands over fails cleanly and leaves the user's
// repository as it was: nothing is fetched until the bundle is whole and within its limits.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStartArgs } from '../../docker/args.js';
import { type PullLimits, pullLimitsFromEnv } from '../../config/env.js';
import { MngError } from '../../errors.js';
import {
  agentRefPrefix,
  buildBundleHeadsArgs,
  buildFetchBundleArgs,
  PULL_SCRIPT,
  pullRefspecs,
} from '../../git/args.js';
import { sizeText } from '../../process/runner.js';
import { execScript } from '../container/exec.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import type { FromLabels } from '../model/labels.js';
import { agentRepo, containerGitError, GIT_HINT, git, hasCommit, localRepo, refValues } from './repo.js';

export interface PulledRef {
  ref: string;
  commit: string;
  /** commits on it since the commit the agent started from (all of its commits if the start is unknown here) */
  commits: number;
  status: 'new' | 'updated' | 'unchanged';
}

const LIMIT_HINT = 'MNG_PULL_MAX_SIZE, MNG_PULL_MAX_REFS and MNG_PULL_TIMEOUT set the limits';

/**
 * The agent's bundle, in a new private folder (the caller removes it): in the container, its uncommitted work
 * committed aside (refs/mng/wip there; its work tree and index untouched), then a bundle of every branch, HEAD and that
 * commit on stdout, without what `known` (a commit the user has) already holds. Checked to be a bundle of at most
 * `limits.maxRefs` refs before anything is fetched from it.
 */
export async function agentBundle(
  core: Core,
  host: Host,
  from: FromLabels,
  opts: { repo: string; known: boolean; limits: PullLimits },
): Promise<{ dir: string; bundle: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mng-pull-'));
  const bundle = join(dir, 'agent.bundle');
  try {
    const { limits } = opts;
    const r = await execScript(core, host.daemon, host.containerId, PULL_SCRIPT, {
      what: `the bundle of its repository (at most ${sizeText(limits.maxBytes)} in ${limits.timeoutMs / 1000} s)`,
      args: [from.target, opts.known ? from.commit : ''],
      stdoutFile: bundle,
      timeoutMs: limits.timeoutMs,
      maxBytes: limits.maxBytes,
      hint: LIMIT_HINT,
    });
    if (r.exitCode !== 0) throw containerGitError(host, 'pull', r.exitCode, r.stderr);
    const heads = await core.runner.run('git', buildBundleHeadsArgs(opts.repo, bundle), {
      missingHint: GIT_HINT,
      timeoutMs: limits.timeoutMs,
      maxBytes: 256 * 1024 * 1024,
    });
    if (heads.exitCode !== 0) {
      throw new MngError(`agent '${host.name}' handed over no git bundle (${lastLine(heads.stderr)}): nothing fetched`);
    }
    const count = heads.stdout.split('\n').filter(Boolean).length;
    if (count > limits.maxRefs) {
      throw new MngError(
        `agent '${host.name}''s bundle names ${count} refs, more than mng takes (${limits.maxRefs}): nothing fetched`,
        { hint: LIMIT_HINT },
      );
    }
    return { dir, bundle };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

const lastLine = (text: string) => text.trim().split('\n').pop() || 'no output';

/** Fetch a checked bundle with git's object checks; a refusal is one line with git's reason. */
export async function fetchBundle(core: Core, host: Host, args: string[], limits: PullLimits): Promise<void> {
  const r = await core.runner.run('git', args, {
    missingHint: GIT_HINT,
    timeoutMs: limits.timeoutMs,
    maxBytes: 1024 * 1024,
  });
  if (r.exitCode !== 0) {
    throw new MngError(`git refused what agent '${host.name}' handed over: ${lastLine(r.stderr)}`, {
      hint: 'nothing of it was fetched',
    });
  }
}

/**
 * `mng pull`: the agent's bundle (agentBundle) fetched into refs/mng/NAME/ of the local repository with explicit
 * refspecs only. Commits the user already has are left out when cheap.
 */
export async function pullRepo(
  core: Core,
  host: Host,
  opts: { repo?: string; limits?: PullLimits } = {},
): Promise<{ repo: string; refs: PulledRef[] }> {
  const from = await agentRepo(core, host, 'pull');
  const repo = await localRepo(core, from, opts.repo);
  const limits = opts.limits ?? pullLimitsFromEnv();
  const prefix = agentRefPrefix(host.name);
  const known = await hasCommit(core, repo, from.commit);
  const before = await refValues(core, repo, prefix);
  const { dir, bundle } = await agentBundle(core, host, from, { repo, known, limits });
  try {
    await fetchBundle(core, host, buildFetchBundleArgs(repo, bundle, pullRefspecs(host.name)), limits);
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
