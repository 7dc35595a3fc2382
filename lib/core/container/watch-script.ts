import { MNG_DIR, STATE_MOUNT } from '../../docker/args.js';
import { TMUX_FN } from '../agents/user-shell.js';
import { IDLE_PART } from './idle-scripts.js';
import { DEFAULT_STATE_INTERVAL, STATE_ENV, STATE_PART } from './state-scripts.js';

/**
 * mng's watcher: one loop per host, started by mng's init at every boot, that keeps the agent's state
 * (core/container/state-scripts.ts, every tick: MNG_STATE_INTERVAL, 5 s) and the idle clock
 * (core/container/idle-scripts.ts, every MNG_IDLE_INTERVAL, 30 s, when the host has an idle timeout).
 *
 * Cheap by design (100 idle hosts share the daemon's cores): a file is written only when what it says changed, and a
 * quiet tick or check forks nothing under bash (init runs the watcher with bash when the image has it: its wait is a
 * `read -t` on a FIFO nobody writes, and the time comes from /proc/uptime); under another sh, the wait is a `sleep`.
 */

/** The watcher's pid (the health check of a remote daemon's host checks that it runs). */
export const WATCH_PID_FILE = '/run/mng/watch.pid';

export const WATCH_SCRIPT = `# mng watcher: the agent's state and the idle clock. See lib/core/container/watch-script.ts.
${TMUX_FN}
# errors (a file that is not there yet, a tmux without a session) are no news: stderr is /dev/null, and fd 4 the
# container's log
exec 4>&2 2>/dev/null
echo $$ > ${WATCH_PID_FILE}
pub=${STATE_MOUNT}
[ -d "$pub" ] || pub=
# the time without forking date at every tick: the boot's epoch plus /proc/uptime
{ read -r up _ < /proc/uptime; }
base=$(( $(date +%s) - \${up%.*} ))
clock() { { read -r up _ < /proc/uptime; }; now=$((base + \${up%.*})); }
clock
${STATE_PART}
${IDLE_PART}
tick=\${${STATE_ENV.interval}:-${DEFAULT_STATE_INTERVAL}}
case $tick in ''|*[!0-9]*|0) tick=${DEFAULT_STATE_INTERVAL} ;; esac
[ "$timeout" -gt 0 ] && [ "$interval" -lt "$tick" ] && tick=$interval
# the wait without forking sleep: under bash, read -t on a FIFO that nobody writes
nap() { sleep "$1"; }
if [ -n "$BASH_VERSION" ]; then
  f=/run/mng/nap-$$
  if mkfifo "$f" && exec 3<>"$f"; then
    rm -f "$f"
    nap() { read -r -t "$1" -u 3 _; }
  fi
fi
next=$((now + interval))
while :; do
  check_agent
  if [ "$timeout" -gt 0 ] && [ "$now" -ge "$next" ]; then
    next=$((now + interval))
    idle_check
  fi
  nap "$tick"
  clock
done
`;

/** Init, after the agent: the watcher, with bash when the image has it (a quiet tick then forks nothing). */
export const INIT_WATCH = `w=sh
command -v bash >/dev/null 2>&1 && w=bash
$w ${MNG_DIR}/watch </dev/null >/dev/null &`;
