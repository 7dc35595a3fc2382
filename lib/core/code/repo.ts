// The agent's repository, for hosts made with `create --from` a repository: what pull (pull.ts), push (push.ts) and
// diff (diff.ts) share. Everything moves through docker exec (git bundles on stdin/stdout), so it works on every
// daemon and needs no port.

import { stat } from 'node:fs/promises';
import { buildImageInspectArgs } from '../../docker/args.js';
import { dockerReason } from '../../docker/errors.js';
import { parseImageInspect } from '../../docker/inspect.js';
import { MngError } from '../../errors.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import { type FromLabels, LABEL } from '../model/labels.js';

export const GIT_HINT = 'install git (https://git-scm.com/downloads) and try again';

/**
 * A host's --from labels. Its own when its labels carry their digest; for a host made by an mng before digests, its
 * `mng.from-*` labels unless its image carries them too (an image made from another host's snapshot, or built to look
 * like one), which one `docker image inspect` tells, only for such hosts.
 */
export async function fromOf(core: Core, host: Host): Promise<FromLabels | undefined> {
  if (host.from || !host.fromUnchecked) return host.from;
  const r = await core.runner.docker(host.daemon, buildImageInspectArgs([host.imageId]), { allowMissing: true });
  const own = (r.exitCode === 0 ? parseImageInspect(r.stdout)[0]?.Config?.Labels : undefined) ?? {};
  // A snapshot of this very host carries its own labels: those are the host's.
  if (own[LABEL.fromKind] === undefined || own[LABEL.id] === host.id) return host.fromUnchecked;
  core.warn(
    `agent '${host.name}': its mng.from-* labels are its image's, not its own: it counts as made without --from`,
  );
  return undefined;
}

/** The host's --from repository, or a clear error: made without --from, from a plain folder, or not running. */
export async function agentRepo(core: Core, h: Host, what: string): Promise<FromLabels> {
  const host = { ...h, from: await fromOf(core, h) };
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

/** Local git (the user's own), its output; a failure is an error with git's last line. */
export async function git(core: Core, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return (await core.runner.run('git', args, { check: true, missingHint: GIT_HINT, timeoutMs: opts.timeoutMs })).stdout;
}

/**
 * The local repository to fetch into and push from: `repo` if given, else the one the host was made from when it is
 * still here, else the repository of the current folder; undefined when there is none.
 */
export async function findLocalRepo(core: Core, from: FromLabels, repo?: string): Promise<string | undefined> {
  const candidates = repo !== undefined ? [repo] : [from.path, process.cwd()];
  for (const dir of candidates) {
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!dir || !isDir) continue;
    const r = await core.runner.run('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { missingHint: GIT_HINT });
    if (r.exitCode === 0) return r.stdout.trim();
  }
  return undefined;
}

/** findLocalRepo, or the error that says there is none. */
export async function localRepo(core: Core, from: FromLabels, repo?: string): Promise<string> {
  const found = await findLocalRepo(core, from, repo);
  if (found) return found;
  throw new MngError(
    `no local git repository to use (${from.path} is gone and ${repo ?? process.cwd()} is not a repository)`,
    { hint: 'run it inside the repository the agent was made from, or pass --repo PATH' },
  );
}

/** A failed git script in the container, as one line: git's own last words. */
export function containerGitError(host: Host, what: string, exitCode: number, stderr: string, hint?: string): MngError {
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

export async function hasCommit(core: Core, repo: string, commit: string): Promise<boolean> {
  if (!commit) return false;
  return (
    (await core.runner.run('git', ['-C', repo, 'cat-file', '-e', `${commit}^{commit}`], { missingHint: GIT_HINT }))
      .exitCode === 0
  );
}

export async function refValues(core: Core, repo: string, prefix: string): Promise<Map<string, string>> {
  const out = await git(core, ['-C', repo, 'for-each-ref', '--format=%(refname) %(objectname)', prefix]);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
}
