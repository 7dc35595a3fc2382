// `mng pull` (and destroy's pull first): the agent's work (its bundle, taken and checked by bundle.ts) fetched into
// refs/mng/NAME/ of the user's repository. Whatever the agent hands over fails cleanly and leaves the user's repository
// as it was: nothing is fetched until the bundle is whole, within its limits, and every object in it is checked.

import { rm } from 'node:fs/promises';
import { buildStartArgs } from '../../docker/args.js';
import { type PullLimits, pullLimitsFromEnv } from '../../config/env.js';
import { MngError } from '../../errors.js';
import { agentRefPrefix, buildFetchBundleArgs, pullRefspecs } from '../../git/args.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import { agentBundle } from './bundle.js';
import { agentRepo, GIT_HINT, git, hasCommit, localRepo, refValues } from './repo.js';

export interface PulledRef {
  ref: string;
  commit: string;
  /** commits on it since the commit the agent started from (all of its commits if the start is unknown here) */
  commits: number;
  status: 'new' | 'updated' | 'unchanged';
}

/** Fetch a checked bundle (agentBundle) into the user's repository; a refusal is one line with git's reason. */
async function fetchBundle(core: Core, host: Host, args: string[], limits: PullLimits): Promise<void> {
  const r = await core.runner.run('git', args, {
    missingHint: GIT_HINT,
    timeoutMs: limits.timeoutMs,
    maxBytes: 1024 * 1024,
  });
  if (r.exitCode !== 0) {
    const why = r.stderr.trim().split('\n').pop() || `exit ${r.exitCode}`;
    throw new MngError(`git could not fetch what agent '${host.name}' handed over: ${why}`);
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
