/**
 * The idle part of mng's watcher (core/container/watch-script.ts, one loop per host). It reads its settings from the
 * environment docker create gave the container (MNG_IDLE_TIMEOUT, MNG_IDLE_INTERVAL, see lib/docker/idle-args.ts).
 * Every interval it looks for activity and, when that moved the clock, writes its finding to IDLE_STATE_FILE (a
 * remote daemon's health check prints it, so `mng list` reads it from `docker inspect`) or, on a local daemon, to the
 * published folder; there it also marks each check (IDLE_ALIVE: a file truncated in place, no process forked), so
 * list can tell a running watcher. When nothing happened for the timeout it stops the host through the init script's
 * hook (`kill -USR1 1` → exit 81 → stop_reason `idle`).
 *
 * Activity, each found without forking a process (the watcher's stderr is /dev/null, its fd 4 the container's log):
 * - `ssh`: a session (a process under an sshd connection: a shell, a command, scp/sftp), found from sshd's children
 *   (/proc/PID/task/PID/children; a scan of /proc on kernels without that file). An idle shared connection
 *   (ControlMaster) has no such child, so it does not keep the host up;
 * - `tmux`: output or input in the agent's tmux session (its window's and session's last activity);
 * - `file`: a write to ACTIVITY_FILE (any user: an agent's own hooks, `mng touch`);
 * - `cpu`: the container's processes used more than 1% of one CPU since the last check (its cgroup's usage);
 * - `tcp`: an established TCP connection other than ssh's (port 22), looked for only when the container has any;
 * - `boot`.
 */

/** Touch this file (any write) to count as activity: an agent's own hooks, `mng touch`. World-writable. */
export const ACTIVITY_FILE = '/run/mng/activity';
/** The watcher's last finding, one line: `mng-idle last=EPOCH source=WORD timeout=S interval=S checked=EPOCH`. */
export const IDLE_STATE_FILE = '/run/mng/idle';
/** In the published folder: emptied at every check (its modification time says when the watcher last checked). */
export const IDLE_ALIVE = 'alive';

/** Sources of activity, as the watcher names them (when several counted in one check: in this order, boot aside). */
export const ACTIVITY_SOURCES = ['boot', 'ssh', 'tmux', 'file', 'cpu', 'tcp'] as const;

/**
 * The watcher's idle part: settings and functions (POSIX sh; `$now`, `$pub` and tmux_fresh from the watcher). With a
 * timeout, the watcher runs idle_check every interval.
 */
export const IDLE_PART = `# --- the idle clock: see lib/core/container/idle-scripts.ts
timeout=\${MNG_IDLE_TIMEOUT:-0}
interval=\${MNG_IDLE_INTERVAL:-30}
case $timeout in ''|*[!0-9]*) timeout=0 ;; esac
case $interval in ''|*[!0-9]*|0) interval=30 ;; esac
idle=${IDLE_STATE_FILE}
[ -n "$pub" ] && idle=$pub/idle
act=${ACTIVITY_FILE}
mark=/run/mng/idle-mark
last=$now isrc=boot
# the container's CPU time (its cgroup's usage, in ns): v2 (cpu.stat) or v1 (cpuacct), where /proc/self/cgroup says
cg= cgv=
while IFS=: read -r _ ctl path; do
  case $ctl in
    '') [ -r "/sys/fs/cgroup$path/cpu.stat" ] && cg=/sys/fs/cgroup$path/cpu.stat cgv=2 ;;
    *cpuacct*)
      for f in "/sys/fs/cgroup/cpuacct$path/cpuacct.usage" /sys/fs/cgroup/cpuacct/cpuacct.usage; do
        [ -r "$f" ] && { cg=$f cgv=1; break; }
      done ;;
  esac
  [ -n "$cg" ] && break
done < /proc/self/cgroup
# ... less the watcher's own (its runtime, /proc/PID/schedstat): its checks are not the agent working
cpu_ns() {
  u=-1 w=0
  if [ "$cgv" = 1 ]; then { read -r u < "$cg"; }
  elif [ "$cgv" = 2 ]; then
    while read -r k v; do [ "$k" = usage_usec ] && { u=$((v * 1000)); break; }; done < "$cg"
  fi
  { read -r w _ < /proc/$$/schedstat; }
  case $w in ''|*[!0-9]*) w=0 ;; esac
  case $u in ''|*[!0-9]*) u=-1 ;; *) u=$((u - w)) ;; esac
}
# 1% of one CPU over the interval, in ns
min_cpu=$((interval * 10000000))
prev_cpu=-1
write_idle() {
  echo "mng-idle last=$last source=$isrc timeout=$timeout interval=$interval checked=$now" > "$idle.tmp" && mv -f "$idle.tmp" "$idle"
}
# an ssh session: a process (not sshd) under a connection of the listening sshd, or under that connection's own
# unprivileged half (a non-root login). Status 2 when the kernel has no children files. Counts the connections (nconn).
ssh_children() {
  nconn=-1
  { read -r sp < /run/mng/sshd.pid; } || return 1
  l1=
  [ -r /proc/$sp/task/$sp/children ] || return 2
  { read -r l1 < /proc/$sp/task/$sp/children; }
  set -- $l1
  nconn=$#
  for p in $l1; do
    l2=
    { read -r l2 < /proc/$p/task/$p/children; }
    for q in $l2; do
      n=
      { read -r n < /proc/$q/comm; }
      case $n in
        sshd*) l3=; { read -r l3 < /proc/$q/task/$q/children; }; [ -n "$l3" ] && return 0 ;;
        *) return 0 ;;
      esac
    done
  done
  return 1
}
# the same from a scan of every process (kernels without children files)
ssh_scan() {
  conns=' ' parents=' '
  for d in /proc/[0-9]*; do
    { read -r line < "$d/stat"; } || continue
    comm=\${line#*(}
    comm=\${comm%%)*}
    set -- \${line##*) }
    case $comm in
      sshd*) [ "\${d#/proc/}" != "$sp" ] && conns="$conns\${d#/proc/} " ;;
      *) parents="$parents$2 " ;;
    esac
  done
  [ "$conns" != ' ' ] || return 1
  for p in $parents; do
    case $conns in *" $p "*) return 0 ;; esac
  done
  return 1
}
# an established TCP connection other than ssh's. /proc/net/tcp walks the kernel's whole connection table (milliseconds
# on a big machine, whatever the container holds): read only when the container has more established connections
# (CurrEstab in /proc/net/snmp, this network namespace's) than sshd has connections
tcp_open() {
  est=
  while read -r k _ _ _ _ _ _ _ _ e _; do
    [ "$k" = Tcp: ] && case $e in [0-9]*) est=$e ;; esac
  done < /proc/net/snmp
  if [ -n "$est" ] && { [ "$est" = 0 ] || [ "$est" -le "$nconn" ]; }; then return 1; fi
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    while read -r _ local _ st _; do
      [ "$st" = 01 ] || continue
      case $local in *:0016) ;; *) return 0 ;; esac
    done < "$f"
  done
  return 1
}
idle_check() {
  was="$last $isrc"
  tmux_fresh
  tm=
  for t in $wact $sact; do
    if [ "$t" -gt "$last" ]; then last=$t isrc=tmux tm=1; fi
  done
  found=
  ssh_children
  case $? in 0) found=ssh ;; 2) ssh_scan && found=ssh ;; esac
  [ "$mark" -nt "$act" ] || found=\${found:-file}
  : > "$mark"
  cpu_ns
  if [ "$prev_cpu" -ge 0 ] && [ "$u" -ge 0 ] && [ $((u - prev_cpu)) -ge "$min_cpu" ]; then found=\${found:-cpu}; fi
  prev_cpu=$u
  [ -n "$found" ] || { tcp_open && found=tcp; }
  # named when several counted: ssh, then the terminal, then the rest (a terminal's output costs CPU too)
  if [ -n "$found" ]; then
    last=$now
    case $found in ssh) isrc=ssh ;; *) [ -n "$tm" ] || isrc=$found ;; esac
  fi
  [ "$last $isrc" = "$was" ] || write_idle
  [ -z "$pub" ] || : > "$pub/${IDLE_ALIVE}"
  if [ $((now - last)) -ge "$timeout" ]; then
    echo "mng: idle for $((now - last))s (timeout \${timeout}s, last activity: $isrc): stopping the host" >&4
    kill -USR1 1
    exit 0
  fi
}
if [ "$timeout" -eq 0 ]; then
  echo "mng-idle disabled" > ${IDLE_STATE_FILE}
  [ -z "$pub" ] || echo "mng-idle disabled" > "$pub/idle"
else
  : >> "$act"
  chmod 666 "$act"
  : > "$mark"
  write_idle
  [ -z "$pub" ] || : > "$pub/${IDLE_ALIVE}"
fi
`;

/** Docker's health check (remote daemons): prints the watcher's last findings; unhealthy when it is not running. */
export const IDLE_HEALTH_SCRIPT = `# mng: docker's health check prints the idle clock's and the agent's state lines (mng list reads them from docker
# inspect): a remote daemon's hosts have no published state folder.
{ read -r agent < /run/mng/agent-state; } 2>/dev/null && echo "$agent"
{ read -r line < ${IDLE_STATE_FILE}; } 2>/dev/null || { echo "mng-idle no-state"; exit 1; }
echo "$line"
case $line in "mng-idle disabled"*) exit 0 ;; esac
{ read -r pid < /run/mng/watch.pid; } 2>/dev/null
kill -0 "$pid" 2>/dev/null || { echo "mng-idle watcher-not-running"; exit 1; }
`;
