import { MNG_DIR, STATE_MOUNT } from '../../docker/args.js';
import { AGENT_SIGNAL_FILE } from '../agents/signals.js';
import { TMUX_FN } from '../agents/user-shell.js';

/**
 * The agent-state watcher: plain POSIX sh, started by mng's init at every boot beside the idle watcher. Every few
 * seconds it decides what the agent is doing and, when that changed, writes one line to AGENT_STATE_FILE:
 *
 *   mng-agent state=STATE reason=REASON since=EPOCH source=SOURCE
 *
 * - `exited`, reason = the exit code: the agent's program ended (the tmux pane's wrapper wrote /run/mng/agent-exit);
 * - the agent's own signal, when it gave one (source `agent`): Claude Code's hooks and Codex's notify program write
 *   `STATE [REASON]` to AGENT_SIGNAL_FILE (see core/agents/signals.ts); nothing is guessed from the screen then;
 * - otherwise the screen (source `screen`): `working` while the terminal changes, `waiting` once it has been quiet for
 *   MNG_STATE_QUIET seconds (default 15), `unknown` when there is no agent session.
 *
 * Cheap by design (100 idle hosts share 2 cores): between two changes a check forks nothing under bash (its wait is a
 * `read -t`; init runs the watcher with bash when the image has it) and only `sleep` under another sh. The terminal is
 * watched through the tmux server's count of wake-ups (/proc/PID/schedstat: it wakes for what the agent prints); tmux
 * is asked for the window's last activity only when that counter moved. tmux is the agent user's server (TMUX_FN).
 *
 * Where `mng list` reads it without a call per host: on a local daemon the watcher writes the state line into
 * PUBLISH_DIR too (as the idle watcher does its own), a folder of the user's data directory bind-mounted into the
 * container (list reads the files); on a remote daemon, docker's health check prints them (State.Health.Log in
 * `docker inspect`).
 */

/** The watcher's finding, one line (see above). */
export const AGENT_STATE_FILE = '/run/mng/agent-state';
/** Where a local daemon's host publishes its state lines (a bind mount of hosts/ALIAS/state in mng's data folder). */
export const PUBLISH_DIR = STATE_MOUNT;
/** Testing knobs (seconds), read by the watcher from the container's environment. */
export const STATE_ENV = { interval: 'MNG_STATE_INTERVAL', quiet: 'MNG_STATE_QUIET' } as const;
export const DEFAULT_STATE_INTERVAL = 5;
export const DEFAULT_STATE_QUIET = 15;

export const STATE_WATCH_SCRIPT = `# mng agent-state watcher: writes what the agent is doing to ${AGENT_STATE_FILE} when it changes, and publishes it
# in ${PUBLISH_DIR} when that folder is mounted. See lib/core/container/state-scripts.ts.
${TMUX_FN}
tick=\${${STATE_ENV.interval}:-${DEFAULT_STATE_INTERVAL}}
quiet=\${${STATE_ENV.quiet}:-${DEFAULT_STATE_QUIET}}
case $tick in ''|*[!0-9]*|0) tick=${DEFAULT_STATE_INTERVAL} ;; esac
case $quiet in ''|*[!0-9]*) quiet=${DEFAULT_STATE_QUIET} ;; esac
sig=${AGENT_SIGNAL_FILE}
out=${AGENT_STATE_FILE}
pub=${PUBLISH_DIR}
[ -d "$pub" ] || pub=
# init made it (empty, writable by anyone) before the agent started; make it only if missing, never changing its mode
[ -e "$sig" ] || { (umask 0 && true >> "$sig"); } 2>/dev/null
# the time without forking date at every check: the boot's epoch plus /proc/uptime
{ read -r up _ < /proc/uptime; } 2>/dev/null
base=$(( $(date +%s) - \${up%.*} ))
clock() { { read -r up _ < /proc/uptime; } 2>/dev/null; now=$((base + \${up%.*})); }
clock
state= reason= since=$now
tpid= rchar=-1 act=0
publish() {
  line="mng-agent state=$1 reason=\${2:--} since=$since source=$3"
  printf '%s\\n' "$line" > "$out.tmp" && mv -f "$out.tmp" "$out"
  [ -n "$pub" ] && printf '%s\\n' "$line" > "$pub/agent.tmp" && mv -f "$pub/agent.tmp" "$pub/agent"
}
# the tmux server's count of times it ran (/proc/PID/schedstat, readable whoever runs it): it wakes for every output of
# the agent (and for each tmux command)
counter() {
  c=-1
  [ -n "$tpid" ] || return 0
  { read -r _ _ c < /proc/$tpid/schedstat; } 2>/dev/null || { c=-1; tpid=; }
  case $c in ''|*[!0-9]*) c=-1 ;; esac
}
# ask tmux: the server's pid and the window's last activity; then the counter again (this call moved it)
ask_tmux() {
  set -- $(tmux display -p -t agent '#{pid} #{window_activity}' 2>/dev/null)
  tpid=$1
  act=\${2:-0}
  case $act in ''|*[!0-9]*) act=0 ;; esac
  counter
  rchar=$c
}
# a check's wait without forking sleep (the one fork of a quiet check): under bash (init prefers it), read -t on a FIFO
# that nobody writes; sleep otherwise
nap() { sleep "$1"; }
if [ -n "$BASH_VERSION" ]; then
  f=/run/mng/nap-$$
  if mkfifo "$f" 2>/dev/null && exec 3<>"$f"; then
    rm -f "$f"
    nap() { read -r -t "$1" -u 3 _; }
  fi
fi
first=1
while :; do
  [ -n "$first" ] || nap "$tick"
  first=
  clock
  new= why= src=agent
  if [ -e /run/mng/agent-exit ]; then
    { read -r code < /run/mng/agent-exit; } 2>/dev/null
    new=exited why=\${code:-unknown}
  else
    s=
    { read -r s r < "$sig"; } 2>/dev/null
    case $s in
      working|waiting) new=$s why=$r ;;
      *)
        src=screen
        counter
        if [ "$c" -lt 0 ] || [ "$c" != "$rchar" ]; then ask_tmux; fi
        if [ -z "$tpid" ]; then new=unknown
        elif [ $((now - act)) -lt "$quiet" ]; then new=working
        else new=waiting
        fi ;;
    esac
  fi
  if [ "$new" != "$state" ] || [ "$why" != "$reason" ]; then
    state=$new reason=$why since=$now
    publish "$state" "$reason" "$src"
  fi
done
`;

/**
 * Init, before the agent starts: the agent's signal file (its hooks write it as the agent's user), empty and writable
 * by anyone, so no writer ever finds it root's and unwritable.
 */
export const INIT_SIGNAL_FILE = `(umask 0 && true > ${AGENT_SIGNAL_FILE}) 2>/dev/null`;

/** Init, after the agent: the state watcher, with bash when the image has it (its checks then fork nothing). */
export const INIT_STATE_WATCH = `w=sh
command -v bash >/dev/null 2>&1 && w=bash
$w ${MNG_DIR}/state-watch </dev/null >/dev/null 2>&1 &`;

/**
 * The agent's wrapper, at each run: no signal from the last run. \`true\`, not \`:\`: a special built-in's failed
 * redirection ends a POSIX sh (the agent would never start), and this one must never fail the wrapper.
 */
export const WRAPPER_CLEAR_SIGNAL = `[ ! -e ${AGENT_SIGNAL_FILE} ] || { true > ${AGENT_SIGNAL_FILE}; } 2>/dev/null`;
