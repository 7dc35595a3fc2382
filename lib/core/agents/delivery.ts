import { MNG_DIR, SECRETS_DIR } from '../../docker/args.js';
import { quote } from '../../shell.js';
import { FRESH_FILE } from './command.js';

/**
 * What mng hands a host at every start (create, start, start --snapshot, refresh), as one shell script piped into
 * `docker exec -i CONTAINER /bin/sh -s USER`: secrets (in a tmpfs, which neither `docker commit` nor `docker inspect`
 * sees), the files that answer the agent's first-run dialogs and the user's settings (create only, never over a file
 * that is there), and the mark that lets the init script start the agent. Secret values travel only on that stdin:
 * not on a command line, not in docker's records, not in mng's output. Pure: unit-tested as text and run through sh.
 */

export { SECRETS_DIR };
/** Sourced by the agent's pane before the agent starts: the variables it is handed. */
export const SECRET_ENV_FILE = 'env.sh';
/** The init script starts the agent once this exists (or after a while without it). */
export const READY_FILE = `${SECRETS_DIR}/.ready`;

export interface HomeFile {
  /** relative to the agent's home */
  path: string;
  content: string | Buffer;
  mode: number;
}

export interface Delivery {
  /** files in the tmpfs (relative paths), the agent's alone (0600, folders 0700) */
  secrets: { path: string; content: string }[];
  /** variables for the agent's process (written to the tmpfs as SECRET_ENV_FILE) */
  env: Record<string, string>;
  /** links in the agent's home (relative path) to a file in the tmpfs */
  links: { path: string; secret: string }[];
  /** files in the agent's home, written only when missing (create: first-run answers, the user's settings) */
  home: HomeFile[];
  /** files outside the home (absolute), root's, 0644, rewritten at every delivery (Claude's managed settings) */
  system: { path: string; content: string }[];
  /** start a new conversation (create, start --fresh) */
  fresh: boolean;
  /**
   * the agent needs nothing of this delivery when it starts (Claude signed in with an API key, which it asks its key
   * helper for): the host's next boots start it at once instead of waiting for mng's delivery. The first boot
   * (create) always waits: the files that answer the agent's first-run dialogs, and the user's settings, come with it.
   */
  early?: boolean;
}

export function emptyDelivery(): Delivery {
  return { secrets: [], env: {}, links: [], home: [], system: [], fresh: false };
}

/** Merge deliveries (later ones win for the same variable or path). */
export function mergeDeliveries(parts: Partial<Delivery>[]): Delivery {
  const out = emptyDelivery();
  for (const p of parts) {
    out.secrets.push(...(p.secrets ?? []));
    Object.assign(out.env, p.env ?? {});
    out.links.push(...(p.links ?? []));
    out.home.push(...(p.home ?? []));
    out.system.push(...(p.system ?? []));
    out.fresh ||= p.fresh ?? false;
    if (p.early !== undefined) out.early = p.early;
  }
  return out;
}

/** `export K='v'` lines, for the agent's pane to source. */
export function envScript(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${quote(v)}\n`)
    .join('');
}

const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');

/**
 * The functions the delivery script calls (root, in the container; $1 is the agent's user). `mtmux` finds the agent
 * user's tmux server (TMUX_TMPDIR=/run/mng) from root's side.
 */
const FUNCTIONS = `set -e
u=$1; d=${SECRETS_DIR}
# read by the shell itself (no process): every process before the ready mark delays the agent's start at a create
t=; while read -r _x mp ty _x; do [ "$mp $ty" != "$d tmpfs" ] || t=1; done < /proc/mounts
[ -n "$t" ] || { echo "mng: $d is not a tmpfs in this container" >&2; exit 3; }
h=; while IFS=: read -r n _x _x pg _x ph _x; do [ "$n" != "$u" ] || { h=$ph; g=$pg; break; }; done < /etc/passwd
[ -n "$h" ] || { echo "mng: the container has no user $u" >&2; exit 3; }
umask 077
chmod 711 "$d"
started=; changed=
[ -e /run/mng/agent-status ] && started=1
# a new file gets 600 from the umask, so only another mode costs a chmod (a left-over temporary file, whose mode may differ, is removed first)
put() {
  [ ! -e "$1.mng-tmp" ] || rm -f "$1.mng-tmp"
  printf '%s' "$2" | base64 -d > "$1.mng-tmp"; [ "$3" = 600 ] || chmod "$3" "$1.mng-tmp"
  chown "$4" "$1.mng-tmp"; mv -f "$1.mng-tmp" "$1"
}
mkhome() { p=$h; o=$IFS; IFS=/; set -f; for c in $1; do p=$p/$c; [ -d "$p" ] || { mkdir "$p"; chown "$u:$g" "$p"; }; done; IFS=$o; set +f; }
secret() { case $1 in */*) mkdir -p "$d/\${1%/*}"; chown "$u:$g" "$d/\${1%/*}" ;; esac; put "$d/$1" "$2" 600 "$u:$g"; }
home() { [ -e "$h/$1" ] || [ -L "$h/$1" ] && return 0; case $1 in */*) mkhome "\${1%/*}" ;; esac; put "$h/$1" "$3" "$2" "$u:$g"; }
link() { case $1 in */*) mkhome "\${1%/*}" ;; esac; ln -sfn "$d/$2" "$h/$1"; chown -h "$u:$g" "$h/$1"; }
# (whether it changed matters only to an agent that started before this delivery: see restart)
system() {
  [ -d "\${1%/*}" ] || (umask 022; mkdir -p "\${1%/*}")
  [ ! -e "$1.mng-tmp" ] || rm -f "$1.mng-tmp"
  printf '%s' "$2" | base64 -d > "$1.mng-tmp"; [ -z "$started" ] || cmp -s "$1.mng-tmp" "$1" || changed=1
  chmod 644 "$1.mng-tmp"; chown 0:0 "$1.mng-tmp"; mv -f "$1.mng-tmp" "$1"
}
# a new conversation: for an agent that started before this delivery, too (it starts again, see restart)
fresh() { : > ${FRESH_FILE}; chown "$u:$g" ${FRESH_FILE}; [ -z "$started" ] || changed=1; }
# whether the host's next boots wait for mng's delivery before they start the agent (see Delivery.early)
early() { if [ "$1" = 1 ]; then rm -f ${MNG_DIR}/await-delivery; else : > ${MNG_DIR}/await-delivery; fi; }
# an agent that started before this delivery but needs it (or whose settings it changed) starts again, as its user
restart() {
  if [ -n "$started" ] && { [ "$1" != 1 ] || [ -n "$changed" ]; }; then
    mtmux kill-session -t agent 2>/dev/null || true
    rm -f /run/mng/agent-status /run/mng/agent-exit
    sh=$(awk -F: -v u="$u" '$1 == u { print $7 }' /etc/passwd)
    su -s /bin/sh "$u" -c "SHELL=\${sh:-/bin/sh} TMUX_TMPDIR=/run/mng sh ${MNG_DIR}/start-agent"
  fi
}
mtmux() { for s in /run/mng/tmux-*/default; do [ -S "$s" ] && { tmux -S "$s" "$@"; return; }; done; tmux "$@"; }
# the agent's screen and whether its pane died, in one tmux call per round; the status read without a process: the
# rounds run while the agent starts, and every process they spawn takes CPU from it
await() {
  i=0; n=$(($2 * 20)); nl='
'
  while [ $i -lt $n ]; do
    s=; { [ -r /run/mng/agent-status ] && read -r s < /run/mng/agent-status; } || true
    case $s in missing*|failed) echo "agent $s"; return 0 ;; esac
    if [ "$s" = started ]; then
      scr=$(mtmux capture-pane -p -t agent \\; display-message -p -t agent '#{pane_dead}' 2>/dev/null) || scr=
      [ "\${scr##*$nl}" = 1 ] && { echo "agent exited"; return 0; }
      printf '%s\\n' "\${scr%$nl*}" | grep -Eq -- "$1" && { echo "agent ready"; return 0; }
    fi
    sleep 0.05; i=$((i + 1))
  done
  echo "agent not-ready"
}
`;

/**
 * The whole script for one delivery. With `readyPattern`, the script then waits (up to `readySeconds`) until the
 * agent's screen matches it, and prints `agent ready`, `agent not-ready`, `agent exited` or `agent missing PROGRAM`.
 */
export function deliveryScript(
  d: Delivery,
  opts: { readyPattern?: string; readySeconds?: number; boot?: boolean } = {},
): string {
  const lines = [FUNCTIONS];
  for (const s of d.secrets) lines.push(`secret ${quote(s.path)} ${b64(s.content)}`);
  lines.push(`secret ${SECRET_ENV_FILE} ${quote(b64(envScript(d.env)))}`);
  for (const l of d.links) lines.push(`link ${quote(l.path)} ${quote(l.secret)}`);
  for (const f of d.home) lines.push(`home ${quote(f.path)} ${f.mode.toString(8)} ${quote(b64(f.content))}`);
  for (const f of d.system) lines.push(`system ${quote(f.path)} ${b64(f.content)}`);
  if (d.fresh) lines.push('fresh');
  // the ready mark first: what follows is not needed by this boot's agent (early is for the host's next boots)
  lines.push(`: > ${READY_FILE}`, `early ${d.early ? 1 : 0}`);
  // at a boot (not mng refresh): the agent may have started before this delivery
  if (opts.boot) lines.push(`restart ${d.early ? 1 : 0}`);
  if (opts.readyPattern) lines.push(`await ${quote(opts.readyPattern)} ${Math.max(1, opts.readySeconds ?? 30)}`);
  return lines.join('\n') + '\n';
}

/** What the delivery script printed about the agent (undefined when it did not wait for it). */
export function parseAwait(stdout: string): 'ready' | 'not-ready' | 'exited' | 'missing' | undefined {
  const m = /^agent (ready|not-ready|exited|missing)\b/m.exec(stdout);
  return m ? (m[1] as 'ready' | 'not-ready' | 'exited' | 'missing') : undefined;
}
