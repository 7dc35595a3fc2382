import type { Daemon } from '../../docker/daemon.js';
import { buildPrepareArgs } from '../../docker/args.js';
import { meaningfulLines } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import type { Core } from '../core.js';

/**
 * The agent's user: an unprivileged account that runs the agent, owns the --from files, is the one `exec`, `connect`
 * and the ssh alias log in as, and can become root with sudo (as in Dev Containers). It is the image's own non-root
 * USER when it has a named one, else `agent` (uid 1000 when free). mng adds it, and sudo, in one thin layer on top of
 * the image with sshd, tmux and git: `mng-prepared:<base id>-g-u`, made once per base image. Pure: unit-tested.
 */

export const DEFAULT_AGENT_USER = 'agent';

/** The user a new host's agent runs as, from the image's USER (`docker image inspect` .Config.User). */
export function agentUserOf(imageUser: string | undefined): string {
  const name = (imageUser ?? '').split(':')[0];
  if (name === '' || name === 'root' || /^\d+$/.test(name)) return DEFAULT_AGENT_USER;
  return /^[a-z_][a-z0-9_-]*$/.test(name) ? name : DEFAULT_AGENT_USER;
}

/** The tag of the user layer on top of the tools image. */
export function userLayerTag(toolsTag: string): string {
  return `${toolsTag}-u`;
}

/**
 * sudo (when missing) with the image's own package manager, the user (when missing; its password `*`, not `!`: sshd
 * refuses a locked account, and nobody logs in with a password anyway), its sudo rule, and git's consent to work in
 * repositories of another user (root's `docker exec … git` in the agent's repository).
 */
export function userDockerfile(from: string, user: string): string {
  return `FROM ${from}
USER root
RUN set -e; u=${user}; \\
    if ! command -v sudo >/dev/null 2>&1; then \\
      if command -v apt-get >/dev/null 2>&1; then \\
        export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; \\
        apt-get install -y -qq --no-install-recommends sudo; apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; \\
      elif command -v apk >/dev/null 2>&1; then apk add --no-cache sudo; \\
      elif command -v dnf >/dev/null 2>&1; then dnf install -y sudo; dnf clean all; \\
      elif command -v microdnf >/dev/null 2>&1; then microdnf install -y sudo; microdnf clean all; \\
      elif command -v yum >/dev/null 2>&1; then yum install -y sudo; yum clean all; \\
      else echo "mng: cannot install sudo: the image has no apt-get, apk, dnf or yum" >&2; exit 1; fi; \\
    fi; \\
    if ! id "$u" >/dev/null 2>&1; then \\
      sh=/bin/sh; if [ -x /bin/bash ]; then sh=/bin/bash; fi; \\
      if command -v useradd >/dev/null 2>&1; then useradd --create-home --shell "$sh" "$u"; \\
      else adduser -D -s "$sh" "$u"; fi; \\
    fi; \\
    if [ -f /etc/shadow ]; then sed -i "s/^$u:![^:]*:/$u:*:/" /etc/shadow; fi; \\
    mkdir -p /etc/sudoers.d; printf '%s ALL=(ALL) NOPASSWD:ALL\\n' "$u" > /etc/sudoers.d/mng-agent; \\
    chmod 0440 /etc/sudoers.d/mng-agent; \\
    if command -v git >/dev/null 2>&1; then git config --system --add safe.directory '*'; fi
`;
}

/** Make the user layer `tag` on `from`: sudo and the agent's user, the Dockerfile on stdin. */
export async function makeUserImage(
  core: Core,
  daemon: Daemon,
  o: { image: string; from: string; tag: string; user: string; baseId: string },
): Promise<void> {
  core.progress(`Preparing image ${o.image}: adding the user '${o.user}' and sudo (once per image)`);
  const build = await core.runner.docker(daemon, buildPrepareArgs(o.tag, { 'mng.prepared-from': o.baseId }), {
    input: userDockerfile(o.from, o.user),
    check: false,
    onLine: (line) => core.stream(line),
  });
  if (build.exitCode !== 0) {
    const tail = meaningfulLines(`${build.stdout}\n${build.stderr}`).slice(-3).join(' | ');
    throw new MngError(`preparing image '${o.image}' (adding the user ${o.user} and sudo) failed: ${tail}`);
  }
}
