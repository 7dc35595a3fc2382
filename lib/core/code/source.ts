// create --from: what goes into the container (a git repository with its history and the user's uncommitted work, or a
// plain folder), checked before anything is made, and copied in as one tar streamed into `docker cp -`.

import { lstat, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import type { PipeSource } from '../../process/runner.js';
import { MNG_DIR } from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { UsageError } from '../../errors.js';
import {
  buildCopyTarArgs,
  buildListFilesArgs,
  buildListIncludedArgs,
  DEFAULT_TARGET,
  INCLUDE_FILES,
} from '../../git/args.js';
import type { Core } from '../core.js';
import type { FromLabels } from '../model/labels.js';

/** A checked --from source: what the labels record, plus what the copy needs. */
export interface Source extends FromLabels {
  /** copy the repository at HEAD without the uncommitted changes */
  committed: boolean;
}

const GIT_HINT = 'install git (https://git-scm.com/downloads), or --from a folder that is not a repository';

/** `--target`: an absolute, normalised folder that is neither / nor mng's own. */
export function checkTarget(target: string | undefined): string {
  const t = target ?? DEFAULT_TARGET;
  const norm = posix.normalize(t).replace(/\/+$/, '');
  if (!posix.isAbsolute(t) || norm === '' || norm === '/')
    throw new UsageError(`--target ${t}: give an absolute folder other than /`);
  if (norm === MNG_DIR || norm.startsWith(`${MNG_DIR}/`))
    throw new UsageError(`--target ${t}: ${MNG_DIR} is mng's own folder`);
  return norm;
}

async function git(core: Core, args: string[]): Promise<string> {
  return (await core.runner.run('git', args, { check: true, missingHint: GIT_HINT })).stdout;
}

/** Is this folder in a git work tree? Its top level, or undefined. Without local git, a folder with .git is an error. */
async function workTreeTop(core: Core, dir: string): Promise<string | undefined> {
  try {
    const r = await core.runner.run('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { missingHint: GIT_HINT });
    return r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
  } catch (e) {
    const hasGit = await stat(join(dir, '.git')).then(
      () => true,
      () => false,
    );
    if (hasGit) throw e;
    return undefined;
  }
}

/**
 * Check `--from PATH` before anything is made: a missing path, a repository in the middle of a merge, rebase,
 * cherry-pick or revert, a linked worktree, a repository without commits are one-line usage errors.
 */
export async function resolveSource(
  core: Core,
  path: string,
  opts: { committed?: boolean; target?: string } = {},
  cwd: string = process.cwd(),
): Promise<Source> {
  const target = checkTarget(opts.target);
  const dir = resolve(cwd, path);
  const st = await stat(dir).catch(() => undefined);
  if (!st) throw new UsageError(`--from ${path}: no such folder`);
  if (!st.isDirectory()) throw new UsageError(`--from ${path}: not a folder`);
  const top = await workTreeTop(core, dir);
  if (!top) {
    if (opts.committed) throw new UsageError(`--from-committed: ${path} is not a git repository`);
    return { kind: 'dir', path: dir, commit: '', target, committed: false };
  }
  const gitDir = resolve(top, (await git(core, ['-C', top, 'rev-parse', '--git-dir'])).trim());
  const common = resolve(top, (await git(core, ['-C', top, 'rev-parse', '--git-common-dir'])).trim());
  const dotGit = await stat(join(top, '.git')).catch(() => undefined);
  if (gitDir !== common || !dotGit?.isDirectory()) {
    throw new UsageError(
      `--from ${path}: ${top} is a linked worktree or a submodule checkout (its .git is elsewhere)`,
      'use --from the main work tree of the repository',
    );
  }
  for (const [file, what] of [
    ['MERGE_HEAD', 'a merge'],
    ['rebase-merge', 'a rebase'],
    ['rebase-apply', 'a rebase or git am'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick'],
    ['REVERT_HEAD', 'a revert'],
  ]) {
    if (
      await stat(join(gitDir, file)).then(
        () => true,
        () => false,
      )
    ) {
      throw new UsageError(
        `--from ${path}: the repository is in the middle of ${what}`,
        'finish or abort it first (git status says how)',
      );
    }
  }
  const head = await core.runner.run('git', ['-C', top, 'rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  if (head.exitCode !== 0)
    throw new UsageError(`--from ${path}: the repository has no commit yet`, 'commit once first');
  sayWhatIsTaken(core, dir, top);
  return { kind: 'git', path: top, commit: head.stdout.trim(), target, committed: Boolean(opts.committed) };
}

/** --from a folder inside a work tree takes the whole work tree: said in one line, and a warning for the home folder. */
function sayWhatIsTaken(core: Core, dir: string, top: string): void {
  if (top === resolve(homedir())) {
    core.warn(`--from ${dir}: it is in the work tree of your home folder (${top}), which is what would be copied`);
  } else if (top !== dir) {
    core.progress(`--from ${dir}: taking the whole repository it is in, ${top}`);
  }
}

/** The source in words, for --dry-run and messages. */
export function fromWhat(source: Source): string {
  if (source.kind === 'dir') return `the folder ${source.path}`;
  return `the repository ${source.path} at ${source.commit.slice(0, 12)} (.git${source.committed ? ' and the files of HEAD' : ', its files and uncommitted changes'})`;
}

function nulList(out: string): string[] {
  return out.split('\0').filter((f) => f !== '');
}

/** The repository's files to copy: .git, then what git would commit of the work tree, then ignored files an include file names. */
async function repoFiles(core: Core, top: string): Promise<string[]> {
  const files = new Set(nulList(await git(core, buildListFilesArgs(top))));
  for (const inc of INCLUDE_FILES) {
    if (
      !(await stat(join(top, inc)).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      continue;
    const included = nulList(await git(core, buildListIncludedArgs(top, join(top, inc))));
    // the include file is the repository's (an agent may have changed it): what it adds is said
    if (included.length > 0) core.progress(`${inc}: ${included.length} ignored file(s) copied too`);
    for (const f of included) files.add(f);
  }
  // Deleted tracked files are still listed by --cached: they stay deleted (uncommitted) in the copy. A symlink is
  // copied as a symlink, even when it points nowhere.
  const present = await Promise.all(
    [...files].map(async (f) =>
      (await lstat(join(top, f)).then(
        () => true,
        () => false,
      ))
        ? f
        : undefined,
    ),
  );
  return ['.git', ...present.filter((f): f is string => f !== undefined && f !== '.git' && !f.startsWith('.git/'))];
}

/** Files of HEAD (--from-committed): `git archive` into a temporary folder, with an index that matches HEAD. */
async function committedTree(core: Core, top: string, stage: string): Promise<void> {
  const archive = join(stage, 'head.tar');
  await git(core, ['-C', top, 'archive', '--format=tar', '-o', archive, 'HEAD']);
  const tree = join(stage, 'tree');
  await mkdir(join(tree, '.git'), { recursive: true });
  const { extract } = await import('tar');
  await extract({ file: archive, cwd: tree });
  await rm(archive);
}

/**
 * A tar of `files` (relative to `cwd`), made as it is read, every path under `prefix`, without local owners. node-tar
 * is loaded here, when a command copies a source: loading it takes about 10 ms, and most creates copy nothing.
 */
async function tarStream(
  opts: { cwd: string; prefix: string; portable: true; filter?: (p: string) => boolean },
  files: string[],
): Promise<PipeSource> {
  const { create } = await import('tar');
  return create(opts, files);
}

/**
 * Copy the source into the created (not yet started) container: one tar streamed into `docker cp -`, its paths under
 * the target folder. A repository keeps its history (.git) and, unless --from-committed, the uncommitted work.
 */
export async function copySource(core: Core, daemon: Daemon, container: string, source: Source): Promise<void> {
  const prefix = source.target.replace(/^\//, '');
  const args = buildCopyTarArgs(container);
  core.progress(`Copying ${source.path} into ${container}:${source.target}`);
  if (source.kind === 'dir') {
    const tar = await tarStream({ cwd: source.path, prefix, portable: true }, ['.']);
    await core.runner.docker(daemon, args, { input: tar });
    return;
  }
  if (!source.committed) {
    const files = await repoFiles(core, source.path);
    const tar = await tarStream({ cwd: source.path, prefix, portable: true }, files);
    await core.runner.docker(daemon, args, { input: tar });
    return;
  }
  const stage = await mkdtemp(join(tmpdir(), 'mng-from-'));
  try {
    await committedTree(core, source.path, stage);
    // The index of HEAD: the copy has no staged change either.
    await core.runner.run(
      'git',
      ['-C', source.path, 'read-tree', 'HEAD'],
      { check: true },
      { GIT_INDEX_FILE: join(stage, 'index') },
    );
    const tar = await tarStream({ cwd: source.path, prefix, portable: true, filter: (p) => p !== '.git/index' }, [
      '.git',
    ]);
    await core.runner.docker(daemon, args, { input: tar });
    await rename(join(stage, 'index'), join(stage, 'tree', '.git', 'index'));
    await core.runner.docker(daemon, args, {
      input: await tarStream({ cwd: join(stage, 'tree'), prefix, portable: true }, ['.']),
    });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
