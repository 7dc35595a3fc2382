import { STATE_MOUNT } from '../../docker/args.js';
import { AGENT_SIGNAL_FILE } from '../agents/signals.js';

/**
 * The agent-state part of mng's watcher (core/container/watch-script.ts, one loop per host). At each tick it decides
 * what the agent is doing and, when that changed, writes one line to AGENT_STATE_FILE:
 *
 *   mng-agent state=STATE reason=REASON since=EPOCH source=SOURCE
 *
 * - `exited`, reason = the exit code: the agent's program ended (the tmux pane's wrapper wrote /run/mng/agent-exit);
 * - the agent's own signal, when it gave one (source `agent`): Claude Code's and Codex's hooks write
 *   `STATE [REASON]` to AGENT_SIGNAL_FILE (see core/agents/signals.ts); nothing is guessed from the screen then;
 * - otherwise the screen (source `screen`): `working` while the terminal changes, `waiting` once it has been quiet for
 *   MNG_STATE_QUIET seconds (default 15), `unknown` when there is no agent session.
 *
 * The terminal is watched through the tmux server's count of wake-ups (/proc/PID/schedstat: it wakes for what the
 * agent prints and for what an attached user types); tmux is asked for the pid and the window's and session's last
 * activity only when that counter moved (tmux_fresh, which the idle part uses too). A quiet check forks nothing.
 *
 * Where `mng list` reads it without a call per host: on a local daemon the line is written into PUBLISH_DIR too, a
 * folder of the user's data directory bind-mounted into the container (list reads the files); on a remote daemon,
 * docker's health check prints it (State.Health.Log in `docker inspect`).
 */

/** The watcher's finding, one line (see above). */
export const AGENT_STATE_FILE = '/run/mng/agent-state';
/** Where a local daemon's host publishes its state lines (a bind mount of hosts/ALIAS/state in mng's data folder). */
export const PUBLISH_DIR = STATE_MOUNT;
/** Testing knobs (seconds), read by the watcher from the container's environment. */
export const STATE_ENV = { interval: 'MNG_STATE_INTERVAL', quiet: 'MNG_STATE_QUIET' } as const;
export const DEFAULT_STATE_INTERVAL = 5;
export const DEFAULT_STATE_QUIET = 15;

/**
 * The watcher's agent-state part: settings and functions (POSIX sh; `$now` and `$pub` set by the watcher). check_agent
 * runs at every tick.
 */
export const STATE_PART = `# --- the agent's state: see lib/core/container/state-scripts.ts
quiet=\${${STATE_ENV.quiet}:-${DEFAULT_STATE_QUIET}}
case $quiet in ''|*[!0-9]*) quiet=${DEFAULT_STATE_QUIET} ;; esac
sig=${AGENT_SIGNAL_FILE}
out=${AGENT_STATE_FILE}
# init made it (empty, writable by anyone) before the agent started; make it only if missing, never changing its mode
[ -e "$sig" ] || { (umask 0 && true >> "$sig"); }
state= reason= since=$now
tpid= rchar=-1 wact=0 sact=0
publish_state() {
  line="mng-agent state=$1 reason=\${2:--} since=$since source=$3"
  printf '%s\\n' "$line" > "$out.tmp" && mv -f "$out.tmp" "$out"
  [ -n "$pub" ] && printf '%s\\n' "$line" > "$pub/agent.tmp" && mv -f "$pub/agent.tmp" "$pub/agent"
}
# the tmux server's count of times it ran (/proc/PID/schedstat, readable whoever runs it)
counter() {
  c=-1
  [ -n "$tpid" ] || return 0
  { read -r _ _ c < /proc/$tpid/schedstat; } || { c=-1; tpid=; }
  case $c in ''|*[!0-9]*) c=-1 ;; esac
}
# ask tmux (only when its server ran since we last asked): its pid, the window's and the session's last activity
tmux_fresh() {
  counter
  [ "$c" -ge 0 ] && [ "$c" = "$rchar" ] && return 0
  set -- $(tmux display -p -t agent '#{pid} #{window_activity} #{session_activity}')
  tpid=$1 wact=\${2:-0} sact=\${3:-0}
  case $wact in ''|*[!0-9]*) wact=0 ;; esac
  case $sact in ''|*[!0-9]*) sact=0 ;; esac
  counter
  rchar=$c
}
check_agent() {
  new= why= src=agent
  if [ -e /run/mng/agent-exit ]; then
    { read -r code < /run/mng/agent-exit; }
    new=exited why=\${code:-unknown}
  else
    s=
    { read -r s r < "$sig"; }
    case $s in
      working|waiting) new=$s why=$r ;;
      *)
        src=screen
        tmux_fresh
        if [ -z "$tpid" ]; then new=unknown
        elif [ $((now - wact)) -lt "$quiet" ]; then new=working
        else new=waiting
        fi ;;
    esac
  fi
  if [ "$new" != "$state" ] || [ "$why" != "$reason" ]; then
    state=$new reason=$why since=$now
    publish_state "$state" "$reason" "$src"
  fi
}
`;

/**
 * Init, before the agent starts: the agent's signal file (its hooks write it as the agent's user), empty and writable
 * by anyone, so no writer ever finds it root's and unwritable.
 */
export const INIT_SIGNAL_FILE = `(umask 0 && true > ${AGENT_SIGNAL_FILE}) 2>/dev/null`;

/**
 * The agent's wrapper, at each run: no signal from the last run. \`true\`, not \`:\`: a special built-in's failed
 * redirection ends a POSIX sh (the agent would never start), and this one must never fail the wrapper.
 */
export const WRAPPER_CLEAR_SIGNAL = `[ ! -e ${AGENT_SIGNAL_FILE} ] || { true > ${AGENT_SIGNAL_FILE}; } 2>/dev/null`;
