// The agent's work as a git bundle it makes in its container, taken as untrusted input: within limits of size, time and
// number of refs (core/exec.ts cuts the stream), then every object it holds checked by the user's own git
// (`index-pack --strict`, into a scratch repository that borrows the local objects) before anything reaches the
// user's repository. Git 2.39 (Debian 12) does not check a bundle's objects on fetch, whatever transfer.fsckObjects
// says; this does, on every version.

import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PullLimits } from '../../config/env.js';
import { MngError } from '../../errors.js';
import { buildBundleHeadsArgs, PULL_SCRIPT, UNTRUSTED_FETCH } from '../../git/args.js';
import { sizeText } from '../../process/runner.js';
import { execScript } from '../exec.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import type { FromLabels } from '../model/labels.js';
import { containerGitError, GIT_HINT, git } from './repo.js';

export const LIMIT_HINT = 'MNG_PULL_MAX_SIZE, MNG_PULL_MAX_REFS and MNG_PULL_TIMEOUT set the limits';

/** A bundle taken and checked: its file, its refs, and a scratch repository holding its objects (checked). */
export interface AgentBundle {
  /** a private folder holding all of it: the caller removes it */
  dir: string;
  bundle: string;
  /** ref → object id, as the bundle lists them */
  heads: Map<string, string>;
  /** a bare repository with the bundle's objects (and the local repository's, borrowed) */
  objects: string;
}

const lastLine = (text: string) => text.trim().split('\n').pop() || 'no output';

/**
 * The agent's bundle: in the container, its uncommitted work committed aside (refs/mng/wip there; its work tree and
 * index untouched), then a bundle of every branch, HEAD and that commit on stdout, without what `known` (a commit the
 * user has) already holds. Nothing of it is fetched anywhere until it is whole, within its limits, and every object
 * in it passed git's checks. `repo`: the local repository whose objects it may build on, if any.
 */
export async function agentBundle(
  core: Core,
  host: Host,
  from: FromLabels,
  opts: { repo?: string; known: boolean; limits: PullLimits },
): Promise<AgentBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'mng-pull-'));
  const bundle = join(dir, 'agent.bundle');
  const objects = join(dir, 'objects.git');
  try {
    const { limits } = opts;
    const r = await execScript(core, host.daemon, host.containerId, PULL_SCRIPT, {
      what: `the bundle of its repository (at most ${sizeText(limits.maxBytes)} in ${limits.timeoutMs / 1000} s)`,
      args: [from.target, opts.known ? from.commit : ''],
      // as the agent's user, who owns the repository (git refuses a repository of another owner)
      user: host.sshUser,
      stdoutFile: bundle,
      timeoutMs: limits.timeoutMs,
      maxBytes: limits.maxBytes,
      hint: LIMIT_HINT,
    });
    if (r.exitCode !== 0) throw containerGitError(host, 'pull', r.exitCode, r.stderr);
    await git(core, ['init', '--quiet', '--bare', objects]);
    if (opts.repo) await borrowObjects(core, objects, opts.repo);
    const heads = await bundleHeads(core, host, objects, bundle, limits);
    await checkObjects(core, host, objects, bundle, limits);
    return { dir, bundle, heads, objects };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The scratch repository borrows the local repository's objects (git alternates), which the bundle builds on. */
async function borrowObjects(core: Core, scratch: string, repo: string): Promise<void> {
  const common = (await git(core, ['-C', repo, 'rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
  await writeFile(join(scratch, 'objects', 'info', 'alternates'), `${join(common, 'objects')}\n`);
}

/** The bundle's refs (checking that it is a bundle at all), at most `limits.maxRefs` of them. */
async function bundleHeads(
  core: Core,
  host: Host,
  scratch: string,
  bundle: string,
  limits: PullLimits,
): Promise<Map<string, string>> {
  const r = await core.runner.run('git', buildBundleHeadsArgs(scratch, bundle), {
    missingHint: GIT_HINT,
    timeoutMs: limits.timeoutMs,
    maxBytes: 256 * 1024 * 1024,
  });
  if (r.exitCode !== 0) {
    throw new MngError(`agent '${host.name}' handed over no git bundle (${lastLine(r.stderr)}): nothing fetched`);
  }
  const lines = r.stdout.split('\n').filter(Boolean);
  if (lines.length > limits.maxRefs) {
    throw new MngError(
      `agent '${host.name}''s bundle names ${lines.length} refs, more than mng takes (${limits.maxRefs}): nothing fetched`,
      { hint: LIMIT_HINT },
    );
  }
  return new Map(lines.map((l) => [l.slice(l.indexOf(' ') + 1), l.slice(0, l.indexOf(' '))]));
}

/** Where the pack starts in a bundle file: after its header, which ends with an empty line. */
async function packOffset(bundle: string): Promise<number> {
  const file = await open(bundle, 'r');
  try {
    let head = Buffer.alloc(0);
    for (let pos = 0; head.length < 64 * 1024 * 1024; ) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await file.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      head = Buffer.concat([head, chunk.subarray(0, bytesRead)]);
      pos += bytesRead;
      const end = head.indexOf('\n\n');
      if (end >= 0) return end + 2;
    }
    throw new MngError('the bundle has no end to its header');
  } finally {
    await file.close();
  }
}

/** Every object of the bundle through `git index-pack --strict` (git's fsck checks), into the scratch repository. */
async function checkObjects(core: Core, host: Host, scratch: string, bundle: string, limits: PullLimits) {
  const input = createReadStream(bundle, { start: await packOffset(bundle) });
  const r = await core.runner.run(
    'git',
    [...UNTRUSTED_FETCH, '-C', scratch, 'index-pack', '--strict', '--fix-thin', '--stdin'],
    { input, missingHint: GIT_HINT, timeoutMs: limits.timeoutMs, maxBytes: 1024 * 1024 },
  );
  if (r.exitCode !== 0) {
    const why = r.stderr
      .split('\n')
      .find((l) => l.startsWith('error: '))
      ?.slice(7);
    throw new MngError(`git refused what agent '${host.name}' handed over: ${why ?? lastLine(r.stderr)}`, {
      hint: 'nothing of it was fetched',
    });
  }
}
