// `mng diff`: what the agent changed since it started, computed on this machine by the user's own git from objects
// fetched out of the container (the agent's git, which the agent may have replaced, only makes the bundle), and
// printed with control characters made visible (a hunk cannot hide itself or the lines above it).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullLimitsFromEnv } from '../../config/env.js';
import { MngError } from '../../errors.js';
import { buildFetchBundleArgs, CONTAINER_WIP_REF } from '../../git/args.js';
import { safeText } from '../../safe-text.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import { agentBundle, fetchBundle } from './pull.js';
import { agentRepo, findLocalRepo, GIT_HINT, git, hasCommit } from './repo.js';

/** The ref of the scratch repository that holds the agent's work (its HEAD plus its uncommitted changes). */
const WORK = 'refs/agent/work';

/**
 * `mng diff`: the agent's bundle (see pull.ts) fetched into a scratch repository that borrows the local repository's
 * objects (git alternates: the local repository itself is not touched), then `git diff` there of the commit the agent
 * started from against its work, with the user's git diff options. Returns git's exit code.
 */
export async function diffRepo(
  core: Core,
  host: Host,
  diffArgs: string[],
  opts: { color: boolean; write: (text: string) => void },
): Promise<number> {
  const from = await agentRepo(core, host, 'diff');
  const limits = pullLimitsFromEnv();
  const local = await findLocalRepo(core, from);
  const known = local !== undefined && (await hasCommit(core, local, from.commit));
  const scratch = await mkdtemp(join(tmpdir(), 'mng-diff-'));
  try {
    await git(core, ['init', '--quiet', '--bare', scratch]);
    if (known && local) {
      const objects = (
        await git(core, ['-C', local, 'rev-parse', '--path-format=absolute', '--git-common-dir'])
      ).trim();
      await writeFile(join(scratch, 'objects', 'info', 'alternates'), `${join(objects, 'objects')}\n`);
    }
    const { dir, bundle } = await agentBundle(core, host, from, { repo: scratch, known, limits });
    try {
      const fetch = buildFetchBundleArgs(scratch, bundle, [`+${CONTAINER_WIP_REF}:${WORK}`], false);
      await fetchBundle(core, host, fetch, limits);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const args = ['-C', scratch, 'diff', ...(opts.color ? ['--color=always'] : []), from.commit, WORK, ...diffArgs];
    const r = await core.runner.run('git', args, {
      missingHint: GIT_HINT,
      timeoutMs: limits.timeoutMs,
      maxBytes: limits.maxBytes,
    });
    if (r.exitCode > 1)
      throw new MngError(`git diff of agent '${host.name}''s work failed: ${r.stderr.trim().split('\n').pop()}`);
    if (r.stdout) opts.write(safeText(`${r.stdout}\n`, { sgr: opts.color }));
    return r.exitCode;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
