// `mng diff`: what the agent changed since it started, computed on this machine by the user's own git from objects
// fetched out of the container (the agent's git, which the agent may have replaced, only makes the bundle), and
// printed with control characters made visible (a hunk cannot hide itself or the lines above it).

import { rm } from 'node:fs/promises';
import { pullLimitsFromEnv } from '../../config/env.js';
import { MngError } from '../../errors.js';
import { CONTAINER_WIP_REF } from '../../git/args.js';
import { safeText } from '../../safe-text.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import { agentBundle } from './bundle.js';
import { agentRepo, findLocalRepo, GIT_HINT, hasCommit } from './repo.js';

/**
 * `mng diff`: the agent's bundle (bundle.ts: taken within limits, every object checked, into a scratch repository that
 * borrows the local repository's objects; the local repository itself is not touched), then the user's `git diff`
 * there of the commit the agent started from against its work (HEAD plus its uncommitted changes), with the user's
 * git diff options. Returns git's exit code.
 */
export async function diffRepo(
  core: Core,
  host: Host,
  diffArgs: string[],
  opts: { color: boolean; write: (text: string) => void },
): Promise<number> {
  const from = await agentRepo(core, host, 'diff');
  const limits = pullLimitsFromEnv();
  const repo = await findLocalRepo(core, from);
  const known = repo !== undefined && (await hasCommit(core, repo, from.commit));
  const taken = await agentBundle(core, host, from, { repo, known, limits });
  try {
    const work = taken.heads.get(CONTAINER_WIP_REF);
    if (!work) throw new MngError(`agent '${host.name}' handed over no work to compare (no ${CONTAINER_WIP_REF})`);
    const args = [
      '-C',
      taken.objects,
      'diff',
      ...(opts.color ? ['--color=always'] : []),
      from.commit,
      work,
      ...diffArgs,
    ];
    const r = await core.runner.run('git', args, {
      missingHint: GIT_HINT,
      timeoutMs: limits.timeoutMs,
      maxBytes: limits.maxBytes,
    });
    if (r.exitCode > 1) {
      throw new MngError(`git diff of agent '${host.name}''s work failed: ${r.stderr.trim().split('\n').pop()}`);
    }
    if (r.stdout) opts.write(safeText(`${r.stdout}\n`, { sgr: opts.color }));
    return r.exitCode;
  } finally {
    await rm(taken.dir, { recursive: true, force: true });
  }
}
