import { MNG_DIR, SSH_CONTAINER_PORT } from '../../docker/args.js';
import { AGENT_SESSION, type AgentSpec, agentCommandLine } from './agent.js';
import { SECRET_ENV_FILE, SECRETS_DIR } from '../agents/delivery.js';
import { AGENT_SIGNAL_FILE } from '../agents/signals.js';
import { INIT_AWAIT_DELIVERY, INIT_START_AGENT, INIT_USER, INIT_USER_ENV } from '../agents/user-shell.js';
import { IDLE_HEALTH_SCRIPT } from './idle-scripts.js';
import { INIT_SIGNAL_FILE, WRAPPER_CLEAR_SIGNAL } from './state-scripts.js';
import { INIT_WATCH, WATCH_SCRIPT } from './watch-script.js';

/**
 * The files mng puts in every container's /mng before its first start. They are plain POSIX sh so that
 * any image with a shell works (Debian, Alpine/busybox, Fedora).
 */

/**
 * How the init script exits tells `mng list` why a host stopped (see core/model/stop-reason.ts), since labels cannot change:
 * 0 on SIGTERM/SIGINT (docker stop / mng stop: quick and clean), IDLE_STOP_EXIT_CODE on IDLE_STOP_SIGNAL (the host
 * stopped itself: the hook for the idle watcher, which runs `kill -USR1 1`; docker-init forwards the signal to the init
 * script), and non-zero otherwise (sshd died on its own).
 */
export const IDLE_STOP_SIGNAL = 'USR1';
export const IDLE_STOP_EXIT_CODE = 81;

/** The line the init script logs (`docker logs`) when it made the host's key at its first boot: this, then the public key. */
export const HOST_KEY_LOG_PREFIX = 'mng-host-key ';

/**
 * PID 1's child (under docker-init): writes the host's own files at its first boot, starts sshd, then the agent; exits 0
 * on SIGTERM so `docker stop` is quick. It is baked into mng's prepared image, like the other fixed files.
 *
 * Its arguments (create: `--host-id ID --authorized-key KEY --agent-bin PROGRAM --agent-cmd SCRIPT`, all public)
 * become files in /mng, each written only when missing: a restart, or a container from a snapshot, keeps the host's
 * own. A /mng that was made for another host (`/mng/host-id` names another: an image built from a snapshot, or one
 * that ships keys of its own) is never trusted: its host key is made anew and its authorized keys and agent replaced. The host's ssh
 * host key is made here too, at the first boot, so its private half never leaves the container (no `docker cp`, nothing
 * in `docker inspect`); the public half is logged once (HOST_KEY_LOG_PREFIX) for mng to read through the Docker API and
 * pin before its first handshake. All before sshd starts.
 */
export const INIT_SCRIPT = `# mng init: the container's main process (under docker-init).
# Writes the host's own files at its first boot, starts sshd, then the agent's tmux session, and waits on sshd.
# Exits 0 on SIGTERM: docker stop is quick and clean.
# Exits ${IDLE_STOP_EXIT_CODE} on SIG${IDLE_STOP_SIGNAL}: the host stopped itself (kill -${IDLE_STOP_SIGNAL} 1, for example when idle).
trap 'exit 0' TERM INT
trap 'exit ${IDLE_STOP_EXIT_CODE}' ${IDLE_STOP_SIGNAL}
umask 022
mkdir -p /run/mng /run/sshd
# mng's arguments (create): this host's own files, written once; a restart or a snapshot keeps what is there. The
# first, --host-id ID, says which host this is: a /mng made for another (an image built from a snapshot, or one that
# ships its own keys) is not this host's, and its host key, authorized keys and agent files are replaced.
new=
if [ "$1" = --host-id ] && [ "$(cat ${MNG_DIR}/host-id 2>/dev/null)" != "$2" ]; then
  new=1
  rm -f ${MNG_DIR}/authorized_keys ${MNG_DIR}/agent-bin ${MNG_DIR}/agent-cmd ${MNG_DIR}/agent-user ${MNG_DIR}/await-delivery ${MNG_DIR}/chown ${MNG_DIR}/chowned
fi
while [ $# -ge 2 ]; do
  case $1 in
    --host-id) [ -z "$new" ] || printf '%s\\n' "$2" > ${MNG_DIR}/host-id.new ;;
    --authorized-key) [ -e ${MNG_DIR}/authorized_keys ] || printf '%s\\n' "$2" > ${MNG_DIR}/authorized_keys ;;
    --agent-bin) [ -e ${MNG_DIR}/agent-bin ] || printf '%s' "$2" > ${MNG_DIR}/agent-bin ;;
    --agent-cmd) [ -e ${MNG_DIR}/agent-cmd ] || printf '%s\\n' "$2" > ${MNG_DIR}/agent-cmd ;;
    --agent-user) [ -e ${MNG_DIR}/agent-user ] || printf '%s\\n' "$2" > ${MNG_DIR}/agent-user ;;
    --await-delivery) [ -e ${MNG_DIR}/await-delivery ] || : > ${MNG_DIR}/await-delivery ;;
    --chown) [ -e ${MNG_DIR}/chown ] || printf '%s\\n' "$2" > ${MNG_DIR}/chown ;;
  esac
  shift 2
done
# The host's own ssh host key, made at its first boot: the private half stays here; mng pins the public half, read
# from this container's log through Docker, before its first handshake.
key=${MNG_DIR}/ssh_host_ed25519_key
if [ -n "$new" ] || [ ! -s "$key" ]; then
  rm -f "$key" "$key.pub"
  if ! err=$(ssh-keygen -q -t ed25519 -N '' -C 'mng host' -f "$key" </dev/null 2>&1 >/dev/null); then
    echo "mng: could not make the host's ssh key: \${err:-is ssh-keygen in the image?}" >&2
    exit 1
  fi
  echo "${HOST_KEY_LOG_PREFIX}$(cat "$key.pub")"
fi
# this host's files are in place: the next boot keeps them
[ ! -e ${MNG_DIR}/host-id.new ] || mv -f ${MNG_DIR}/host-id.new ${MNG_DIR}/host-id
pwd > /run/mng/workdir
rm -f /run/mng/agent-status /run/mng/agent-exit /run/mng/agent-state ${AGENT_SIGNAL_FILE}
${INIT_SIGNAL_FILE}
# the agent's user (hosts made before it existed run as root), its home and its --from files
${INIT_USER}
mkdir -p "$ssh_dir" && chmod 700 "$ssh_dir"
# ssh sessions see the container's environment (docker run -e, the image's ENV), like the agent does.
env | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' | grep -vE '^(HOME|PWD|OLDPWD|SHLVL|_|TERM)=' > "$ssh_dir/environment"
${INIT_USER_ENV}
# sshd first: it gets ready while the agent's session starts (mng's first probe waits for /run/mng/agent-status).
sshd=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)
"$sshd" -D -e -f ${MNG_DIR}/sshd_config &
sshd_pid=$!
${INIT_AWAIT_DELIVERY}
${INIT_START_AGENT}
# the watcher: the agent's state, and the idle clock when the host has a timeout (boot counts as activity)
${INIT_WATCH}
wait $sshd_pid
status=$?
echo "mng: sshd exited with status $status" >&2
# sshd ending by itself is a crash: never exit with a code that reads as another stop reason (0 asked, ${IDLE_STOP_EXIT_CODE} idle, 137 killed).
case $status in 0|${IDLE_STOP_EXIT_CODE}|137) status=1 ;; esac
exit $status
`;

/** Start the agent's tmux session unless it runs already. Used at boot and before `mng connect` attaches. */
export const START_AGENT_SCRIPT = `# mng: start the agent's tmux session unless it is already there.
tmux has-session -t ${AGENT_SESSION} 2>/dev/null && exit 0
bin=$(cat ${MNG_DIR}/agent-bin 2>/dev/null)
if [ -n "$bin" ] && ! command -v "$bin" >/dev/null 2>&1; then
  echo "missing $bin" > /run/mng/agent-status
  echo "mng: agent command '$bin' is not on the PATH" >&2
  exit 127
fi
dir=$(cat /run/mng/workdir 2>/dev/null || echo /)
tmux -f ${MNG_DIR}/tmux.conf new-session -d -s ${AGENT_SESSION} -x 200 -y 50 -c "$dir" "sh ${MNG_DIR}/agent" || { echo failed > /run/mng/agent-status; exit 1; }
echo started > /run/mng/agent-status
`;

export const SSHD_CONFIG = `# sshd configuration written by mng. The image's own /etc/ssh/sshd_config is not used.
Port ${SSH_CONTAINER_PORT}
HostKey ${MNG_DIR}/ssh_host_ed25519_key
AuthorizedKeysFile ${MNG_DIR}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
ChallengeResponseAuthentication no
PermitUserEnvironment yes
UsePAM no
PidFile /run/mng/sshd.pid
PrintMotd no
AcceptEnv LANG LC_* COLORTERM
AllowTcpForwarding yes
X11Forwarding no
ClientAliveInterval 30
# mng's own parallel use (make -j, scripts fanning out): many sessions share one connection (ControlMaster), and many
# connections may be opening at once. OpenSSH's defaults (MaxSessions 10, MaxStartups 10:30:100) drop the rest.
# Past 256 connections not yet logged in, new ones are dropped at random (30%, rising to all at 512), and each gets
# 20 s to log in: a neighbour holding connections open cannot lock mng out for long.
MaxSessions 256
MaxStartups 256:30:512
LoginGraceTime 20
Subsystem sftp internal-sftp
`;

export const TMUX_CONF = `# tmux configuration for the agent's server, written by mng.
# Keep a pane whose program exited, so its last output and exit status stay visible to mng connect.
set -g remain-on-exit on
set -g history-limit 50000
`;

/** The tmux pane's program: runs the agent's command and records how it ended (tmux's own pane status is not reliable). */
export const AGENT_WRAPPER = `# mng: the agent's tmux pane runs this.
rm -f /run/mng/agent-exit
${WRAPPER_CLEAR_SIGNAL}
# a coding agent's sign-in and --pass-env variables, delivered by mng at this start (a tmpfs: never in a snapshot)
if [ -r ${SECRETS_DIR}/${SECRET_ENV_FILE} ]; then . ${SECRETS_DIR}/${SECRET_ENV_FILE}; fi
sh ${MNG_DIR}/agent-cmd
status=$?
echo "$status" > /run/mng/agent-exit
# Keep the pane's terminal open a moment: tmux can handle the exit before it has read the agent's last output,
# and would lose it (seen with output printed just before exit).
sleep 0.3 2>/dev/null || sleep 1
exit "$status"
`;

export interface ContainerFile {
  /** path relative to /mng */
  path: string;
  content: string;
  mode: number;
}

/** mng's fixed files, the same for every host: baked into the prepared image's /mng (its tag carries their hash). */
export function imageFiles(): ContainerFile[] {
  return [
    { path: 'init', content: INIT_SCRIPT, mode: 0o755 },
    { path: 'start-agent', content: START_AGENT_SCRIPT, mode: 0o755 },
    { path: 'agent', content: AGENT_WRAPPER, mode: 0o755 },
    { path: 'watch', content: WATCH_SCRIPT, mode: 0o755 },
    { path: 'idle-health', content: IDLE_HEALTH_SCRIPT, mode: 0o755 },
    { path: 'sshd_config', content: SSHD_CONFIG, mode: 0o644 },
    { path: 'tmux.conf', content: TMUX_CONF, mode: 0o644 },
  ];
}

/**
 * What start --snapshot copies into a container made from a snapshot: mng's fixed files (a snapshot of a host made by
 * an older mng has older ones) and the authorized client key. The snapshot keeps the host's own key and agent files.
 */
export function systemFiles(opts: { authorizedKey: string }): ContainerFile[] {
  return [...imageFiles(), { path: 'authorized_keys', content: opts.authorizedKey.trim() + '\n', mode: 0o644 }];
}

/**
 * The init script's arguments at create: the host's own files that are not secret (the authorized client key, how to
 * start the agent), written into /mng at the first boot. They show in `docker inspect`, as the labels do.
 */
export function initArgs(opts: {
  /** which host this is: a /mng made for another is replaced at the first boot */
  hostId: string;
  agent: AgentSpec;
  authorizedKey: string;
  /** the agent's unprivileged user */
  user?: string;
  /** wait for mng's delivery (a coding agent's sign-in) before starting the agent */
  awaitDelivery?: boolean;
  /** a folder to hand to the user at the first boot (the --from files) */
  chown?: string;
}): string[] {
  const { agent } = opts;
  const line = agentCommandLine(agent);
  return [
    '--host-id',
    opts.hostId,
    '--authorized-key',
    opts.authorizedKey.trim(),
    '--agent-bin',
    agent.kind === 'program' ? agent.program : '',
    '--agent-cmd',
    agent.kind === 'program' ? (agent.script ?? `exec ${line}`) : line,
    ...(opts.user ? ['--agent-user', opts.user] : []),
    ...(opts.awaitDelivery ? ['--await-delivery', '1'] : []),
    ...(opts.chown ? ['--chown', opts.chown] : []),
  ];
}

/** The ed25519 public key (type and key, without its comment) that `text` starts with, as a `.pub` file holds it. */
export function hostPublicKey(text: string): string | undefined {
  return /^(ssh-ed25519 [A-Za-z0-9+/]+={0,2})(?: |$)/.exec(text)?.[1];
}

/** The public key in a new host's log (`docker logs`), from the line its init script writes at the first boot. */
export function hostKeyFromLog(log: string): string | undefined {
  for (const raw of log.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith(HOST_KEY_LOG_PREFIX)) return hostPublicKey(line.slice(HOST_KEY_LOG_PREFIX.length));
  }
  return undefined;
}

/**
 * Restore a user's access to a host through Docker (`docker exec`, which the daemon authenticates): authorize the
 * client public key given as \$1 (once), then print the host's public key, for mng to pin. Hosts made before each had
 * its own key file derive it from the private key.
 */
export const REPAIR_ACCESS_SCRIPT = `set -e
f=${MNG_DIR}/authorized_keys
touch "$f"; chmod 644 "$f"
grep -qxF "$1" "$f" || printf '%s\\n' "$1" >> "$f"
cat ${MNG_DIR}/ssh_host_ed25519_key.pub 2>/dev/null || ssh-keygen -y -f ${MNG_DIR}/ssh_host_ed25519_key`;
