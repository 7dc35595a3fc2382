import { TMUX_FN } from '../agents/user-shell.js';

/**
 * The idle watcher: plain POSIX sh that needs nothing beyond the prepared image (sh, tmux, /proc, date, sleep, mv).
 * mng's init starts it in the background at every boot; it reads its settings from the environment docker create
 * gave the container (MNG_IDLE_TIMEOUT, MNG_IDLE_INTERVAL, see lib/docker/idle-args.ts). Each interval it looks for
 * activity, writes what it found to IDLE_STATE_FILE (which docker's health check prints, so `mng list` reads it from
 * `docker inspect`), and when nothing happened for the timeout it stops the host through the init script's hook
 * (`kill -USR1 1` → exit 81 → stop_reason `idle`).
 */

/** Touch this file (any write) to count as activity: an agent's own hooks, `mng touch`. World-writable. */
export const ACTIVITY_FILE = '/run/mng/activity';
/** The watcher's last finding, one line: `mng-idle last=EPOCH source=WORD timeout=S interval=S checked=EPOCH`. */
export const IDLE_STATE_FILE = '/run/mng/idle';

/** Sources of activity, as the watcher names them (the first that counted in a check is recorded). */
export const ACTIVITY_SOURCES = ['boot', 'ssh', 'tmux', 'file', 'cpu', 'tcp'] as const;

export const IDLE_WATCH_SCRIPT = `# mng idle watcher: stops the host (kill -USR1 1 → exit 81, stop_reason idle) after MNG_IDLE_TIMEOUT seconds
# without activity. Activity: an ssh session (a process under an sshd connection), output/input in the agent's tmux session, a write to
# ${ACTIVITY_FILE}, CPU time of the agent's processes (its tmux pane's session) above 1% of a CPU since the last
# check, an established TCP connection other than ssh's (port 22), and boot.
${TMUX_FN}
timeout=\${MNG_IDLE_TIMEOUT:-0}
interval=\${MNG_IDLE_INTERVAL:-30}
case $timeout in ''|*[!0-9]*) timeout=0 ;; esac
case $interval in ''|*[!0-9]*|0) interval=30 ;; esac
state=${IDLE_STATE_FILE}
act=${ACTIVITY_FILE}
mark=/run/mng/idle-mark
echo $$ > /run/mng/idle-watch.pid
if [ "$timeout" -eq 0 ]; then
  echo "mng-idle disabled" > "$state"
  exit 0
fi
: >> "$act"
chmod 666 "$act" 2>/dev/null
: > "$mark"
last=$(date +%s)
src=boot
prev_cpu=-1
# threshold in clock ticks (USER_HZ, 100 a second): 1% of one CPU over the interval
min_cpu=$interval

write_state() {
  echo "mng-idle last=$last source=$src timeout=$timeout interval=$interval checked=$now" > "$state.tmp" && mv -f "$state.tmp" "$state"
}

now=$last
write_state
while :; do
  sleep "$interval"
  now=$(date +%s)
  found=
  sshd=
  { read -r sshd < /run/mng/sshd.pid; } 2>/dev/null
  # one tmux call: the pane's process (its session id) and the newest activity of the session's window
  set -- $(tmux display -p -t agent '#{pane_pid} #{window_activity} #{session_activity}' 2>/dev/null)
  pane=\${1:-none}
  for t in \${2:-0} \${3:-0}; do
    case $t in ''|*[!0-9]*) continue ;; esac
    if [ "$t" -gt "$last" ]; then last=$t; src=tmux; fi
  done
  # processes: ssh sessions and the agent's CPU ticks. A session is a process whose parent is an sshd connection
  # (any sshd but the listening daemon): a shell, a command, scp/sftp. An idle shared connection (ControlMaster) has
  # no such child, so it does not keep the host up.
  cpu=0
  conns=' '
  parents=' '
  for d in /proc/[0-9]*; do
    { read -r line < "$d/stat"; } 2>/dev/null || continue
    comm=\${line#*(}
    comm=\${comm%%)*}
    set -- \${line##*) }
    # an sshd process under an sshd connection is that connection's own unprivileged half (a non-root login), not a session
    case $comm in
      sshd*) [ "\${d#/proc/}" != "$sshd" ] && conns="$conns\${d#/proc/} " ;;
      *) parents="$parents$2 " ;;
    esac
    [ "$4" = "$pane" ] && cpu=$((cpu + \${12} + \${13} + \${14} + \${15}))
  done
  if [ "$conns" != ' ' ]; then
    for p in $parents; do
      case $conns in *" $p "*) found=\${found:-ssh}; break ;; esac
    done
  fi
  [ "$mark" -nt "$act" ] || found=\${found:-file}
  : > "$mark"
  if [ "$prev_cpu" -ge 0 ] && [ $((cpu - prev_cpu)) -ge "$min_cpu" ]; then found=\${found:-cpu}; fi
  prev_cpu=$cpu
  if [ -z "$found" ]; then
    for f in /proc/net/tcp /proc/net/tcp6; do
      [ -r "$f" ] || continue
      while read -r _ local _ st _; do
        [ "$st" = 01 ] || continue
        case $local in *:0016) ;; *) found=tcp; break ;; esac
      done < "$f"
      [ -n "$found" ] && break
    done
  fi
  if [ -n "$found" ]; then last=$now; src=$found; fi
  write_state
  if [ $((now - last)) -ge "$timeout" ]; then
    echo "mng: idle for $((now - last))s (timeout \${timeout}s, last activity: $src): stopping the host" >&2
    kill -USR1 1
    exit 0
  fi
done
`;

/** Docker's health check: prints the watcher's last finding; unhealthy when the watcher is not running. */
export const IDLE_HEALTH_SCRIPT = `# mng: docker's health check prints the idle watcher's state (mng list reads it from docker inspect).
{ read -r line < ${IDLE_STATE_FILE}; } 2>/dev/null || { echo "mng-idle no-state"; exit 1; }
echo "$line"
case $line in "mng-idle disabled"*) exit 0 ;; esac
{ read -r pid < /run/mng/idle-watch.pid; } 2>/dev/null
kill -0 "$pid" 2>/dev/null || { echo "mng-idle watcher-not-running"; exit 1; }
`;
