/**
 * Pure builders for the git side of `create --from`, `pull`, `push` and `diff`: local git argv, the refspecs of
 * `mng pull`, and the small POSIX sh scripts run in the container with `docker exec` (arguments always as "$@",
 * never pasted into the script). No I/O here: each is tested as a plain array or string.
 */

/** Where `--from` puts the files in the container unless `--target` says otherwise. */
export const DEFAULT_TARGET = '/workspace';

/** Include files at the top of the repository (gitignore syntax): ignored files matching them are copied in too. */
export const INCLUDE_FILES = ['.mnginclude', '.worktreeinclude'] as const;

/** The local refs namespace of one agent: `refs/mng/NAME/`. */
export function agentRefPrefix(name: string): string {
  return `refs/mng/${name}/`;
}

/** `git fetch` refspecs of `mng pull`: every branch, the agent's HEAD and its work-in-progress commit. */
export function pullRefspecs(name: string): string[] {
  const p = agentRefPrefix(name);
  return [`+refs/heads/*:${p}heads/*`, `+${CONTAINER_WIP_REF}:${p}wip`, `+HEAD:${p}HEAD`];
}

/**
 * git's settings for taking objects an agent made: every object checked as it arrives (malformed objects, `.git` or
 * `..` in a tree, a hostile `.gitmodules`), and no submodule fetched on the agent's word.
 */
export const UNTRUSTED_FETCH = [
  '-c',
  'transfer.fsckObjects=true',
  '-c',
  'fetch.fsckObjects=true',
  '-c',
  'fetch.recurseSubmodules=false',
];

/**
 * Fetch a bundle into the user's repository: every object checked (UNTRUSTED_FETCH), explicit refspecs only (never
 * the current branch, index or work tree), no FETCH_HEAD, no tags, no submodules; refs of branches the agent deleted
 * are pruned from its own namespace.
 */
export function buildFetchBundleArgs(
  repo: string,
  bundle: string,
  refspecs: readonly string[],
  prune = true,
): string[] {
  return [
    ...UNTRUSTED_FETCH,
    '-C',
    repo,
    'fetch',
    '--quiet',
    '--no-write-fetch-head',
    '--no-tags',
    '--no-recurse-submodules',
    ...(prune ? ['--prune'] : []),
    bundle,
    ...refspecs,
  ];
}

/** The refs a bundle holds, one `OBJECT REF` line each (also checks that it is a bundle at all). */
export function buildBundleHeadsArgs(repo: string, bundle: string): string[] {
  return ['-C', repo, 'bundle', 'list-heads', bundle];
}

/** Every file git would put in a commit of the work tree: tracked (even if modified or staged) and untracked, not ignored. */
export function buildListFilesArgs(repo: string): string[] {
  return ['-C', repo, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'];
}

/** Untracked files (ignored ones included) that match an include file's patterns. */
export function buildListIncludedArgs(repo: string, includeFile: string): string[] {
  return ['-C', repo, 'ls-files', '-z', '--others', '--ignored', `--exclude-from=${includeFile}`];
}

/** The ref in the agent's repository that holds the last pulled work-in-progress commit. */
export const CONTAINER_WIP_REF = 'refs/mng/wip';

/**
 * sh prelude: cd into the repository ($1) and make `$tree`, the tree of the work tree as `git add -A` sees it,
 * through a temporary index: the agent's index, work tree and refs are untouched.
 */
const WORK_TREE = `set -e
command -v git >/dev/null 2>&1 || { echo "mng: git is not installed in the container" >&2; exit 90; }
cd "$1"
idx="\${TMPDIR:-/tmp}/mng-index.$$"
trap 'rm -f "$idx"' EXIT
gd=$(git rev-parse --git-dir)
if [ -f "$gd/index" ]; then cp "$gd/index" "$idx"; fi
GIT_INDEX_FILE="$idx" git add -A
tree=$(GIT_INDEX_FILE="$idx" git write-tree)
`;

/**
 * `mng pull`, in the container: commit the uncommitted work (without touching the work tree) into refs/mng/wip, then a
 * bundle of every branch, HEAD and that commit on stdout. $2: a commit the user already has (its history is left out
 * of the bundle when no ref points into it), or empty.
 */
export const PULL_SCRIPT = `${WORK_TREE}head=$(git rev-parse --verify HEAD)
old=$(git rev-parse -q --verify "${CONTAINER_WIP_REF}^{commit}" || true)
if [ "$(git rev-parse "HEAD^{tree}")" = "$tree" ]; then
  wip=$head
elif [ -n "$old" ] && [ "$(git rev-parse "$old^{tree}")" = "$tree" ] && [ "$(git rev-parse -q --verify "$old^" || true)" = "$head" ]; then
  wip=$old
else
  n=$(git config user.name || echo mng); e=$(git config user.email || echo mng@localhost)
  wip=$(git -c user.name="$n" -c user.email="$e" commit-tree "$tree" -p HEAD -m "mng: uncommitted work")
fi
git update-ref ${CONTAINER_WIP_REF} "$wip"
# Leave out what the user has ($2) only when no ref's tip is in it: a bundle drops such refs, and the fetch would
# then miss HEAD or prune a branch.
neg=
if [ -n "$2" ] && git cat-file -e "$2^{commit}" 2>/dev/null && ! git merge-base --is-ancestor HEAD "$2" &&
   [ -z "$(git for-each-ref --merged "$2" --format=x refs/heads/ ${CONTAINER_WIP_REF})" ]; then neg="^$2"; fi
git bundle create -q - --branches ${CONTAINER_WIP_REF} HEAD $neg
`;

/**
 * `mng push`, in the container: a bundle on stdin → branch $2. The checked-out branch only fast-forwards, and only
 * if git's merge keeps the work tree's changes; another branch only fast-forwards (as git push does).
 */
export const PUSH_SCRIPT = `set -e
command -v git >/dev/null 2>&1 || { echo "mng: git is not installed in the container" >&2; exit 90; }
cd "$1"
b=$2
bundle="\${TMPDIR:-/tmp}/mng-push.$$.bundle"
trap 'rm -f "$bundle"' EXIT
cat > "$bundle"
if [ "$(git symbolic-ref -q HEAD || true)" = "refs/heads/$b" ]; then
  git fetch -q --no-tags "$bundle" "refs/heads/$b"
  git merge -q --ff-only FETCH_HEAD >&2
else
  git fetch --no-tags "$bundle" "refs/heads/$b:refs/heads/$b"
fi
git rev-parse --short "refs/heads/$b"
`;

/** `docker cp -`: a tar on stdin unpacked at the container's root (its paths carry the target folder). */
export function buildCopyTarArgs(container: string): string[] {
  return ['cp', '-', `${container}:/`];
}
