import { MNG_DIR } from '../../docker/args.js';
import { READY_FILE } from './delivery.js';

/**
 * Shell pieces for a host whose agent runs as an unprivileged user (hosts made before that run everything as root, and
 * these pieces leave them as they were). Plain POSIX sh, interpolated into mng's container scripts.
 *
 * The agent user's tmux server lives under TMUX_TMPDIR=/run/mng (its socket /run/mng/tmux-UID/default): the user's
 * own `tmux attach` finds it (ssh sessions get the variable), and root's scripts (`docker exec` for logs, message
 * and wait; the idle watcher) find it through TMUX_FN.
 */

export const AGENT_TMUX_TMPDIR = '/run/mng';

/** Makes `tmux` in a script talk to the agent user's server when there is one, else to the caller's own. */
export const TMUX_FN = `tmux() { for _s in ${AGENT_TMUX_TMPDIR}/tmux-*/default; do [ -S "$_s" ] && { command tmux -S "$_s" "$@"; return; }; done; command tmux "$@"; }`;

/**
 * Init, after the host's key: the agent's user (from /mng/agent-user; none or root = a host made before), its home,
 * the --from files it owns (once), and where ssh sessions read their environment. Sets $user, $ssh_dir.
 */
export const INIT_USER = `user=$(cat ${MNG_DIR}/agent-user 2>/dev/null || true)
[ "$user" = root ] && user=
if [ -n "$user" ]; then
  chmod 1777 /run/mng
  user_home=$(awk -F: -v u="$user" '$1 == u { print $6 }' /etc/passwd)
  user_shell=$(awk -F: -v u="$user" '$1 == u { print $7 }' /etc/passwd)
  ssh_dir="\${user_home:-/home/$user}/.ssh"
  if [ -s ${MNG_DIR}/chown ] && [ ! -e ${MNG_DIR}/chowned ]; then
    chown -R "$user:$(id -g "$user")" "$(cat ${MNG_DIR}/chown)" && : > ${MNG_DIR}/chowned
  fi
else
  ssh_dir="\${HOME:-/root}/.ssh"
fi`;

/** Init, after the environment file: the user's own, and it names the agent's tmux folder. */
export const INIT_USER_ENV = `if [ -n "$user" ]; then
  echo "TMUX_TMPDIR=${AGENT_TMUX_TMPDIR}" >> "$ssh_dir/environment"
  chown -R "$user:$(id -g "$user")" "$ssh_dir"
fi`;

/**
 * Init, before the agent starts: a host that takes deliveries (a coding agent's sign-in) waits for mng's, up to 20 s
 * (a host started with plain `docker start` gets none, and its agent starts without).
 */
export const INIT_AWAIT_DELIVERY = `if [ -e ${MNG_DIR}/await-delivery ]; then
  i=0; while [ ! -e ${READY_FILE} ] && [ $i -lt 400 ]; do sleep 0.05 2>/dev/null || sleep 1; i=$((i+1)); done
fi`;

/** Init: start the agent's session, as its user when it has one. */
export const INIT_START_AGENT = `if [ -n "$user" ]; then
  su -s /bin/sh "$user" -c "SHELL=\${user_shell:-/bin/sh} TMUX_TMPDIR=${AGENT_TMUX_TMPDIR} sh ${MNG_DIR}/start-agent"
else
  sh ${MNG_DIR}/start-agent
fi`;
