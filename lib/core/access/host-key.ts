// A new host's ssh host key: its init script makes the pair at the first boot, so the private half never leaves the
// container; mng reads the public half through Docker (the daemon's API authenticates that channel, unlike the network)
// and pins it before the first handshake.

import { buildInspectArgs, buildLogsArgs, MNG_DIR } from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { dockerError } from '../../docker/errors.js';
import { parseContainerInspect } from '../../docker/inspect.js';
import { MngError } from '../../errors.js';
import { execScript } from '../exec.js';
import { hostKeyFromLog, hostPublicKey } from '../container/scripts.js';
import type { Core } from '../core.js';
import { exitedError } from './ssh-wait.js';

/** The public key file, for a container whose log docker cannot read back (`--log-driver=none`). */
const READ_PUBLIC_KEY = `cat ${MNG_DIR}/ssh_host_ed25519_key.pub 2>/dev/null; true`;

/**
 * The public host key a just-started new container made: read from its log (`docker logs`, one call in the usual
 * case, as the key is made before sshd starts), or with `docker exec` when its log driver keeps nothing to read.
 * While the key is not there yet it tries again, and fails at once, with the container's last line, when the
 * container stopped (an image without ssh-keygen, a read-only /mng). Aborting `stop` ends the wait (the caller found
 * another reason to fail).
 */
export async function readNewHostKey(
  core: Core,
  daemon: Daemon,
  container: string,
  timeoutSeconds: number,
  stop?: AbortSignal,
): Promise<string> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  let lastStateCheck = started;
  let viaExec = false;
  for (let attempt = 0; ; attempt++) {
    if (stop?.aborted) throw new MngError(`stopped waiting for the ssh host key of container '${container}'`);
    // The log of a brand-new container holds the key line first; a container that writes without end is cut off.
    const args = buildLogsArgs(container);
    const res = viaExec
      ? await execScript(core, daemon, container, READ_PUBLIC_KEY, { what: 'its host key', timeoutMs: 30_000 })
      : await core.runner.docker(daemon, args, { check: false, timeoutMs: 30_000, maxBytes: 4 * 1024 * 1024 });
    if (!viaExec && res.failure === 'logs unreadable') {
      viaExec = true;
      continue;
    }
    if (res.exitCode === 0) {
      const key = viaExec ? hostPublicKey(res.stdout.trim()) : hostKeyFromLog(res.stdout);
      if (key) return key;
    }
    // Not made yet (it takes the container some tens of ms), or never will be: now and then ask docker whether the
    // container still runs; at once when docker could not answer.
    const now = Date.now();
    if (res.exitCode !== 0 || now - lastStateCheck >= 500) {
      lastStateCheck = now;
      const [c] = parseContainerInspect((await core.runner.docker(daemon, buildInspectArgs([container]))).stdout);
      if (!c.State.Running) throw await exitedError(core, daemon, container, c.State.ExitCode, 'host key');
      // docker could not read the log or run the exec of a running container: that is docker's answer, not a wait
      if (res.exitCode !== 0) throw dockerError(args, res.exitCode, res.stderr, daemon);
    }
    if (now >= deadline) {
      throw new MngError(
        `timed out after ${timeoutSeconds}s waiting for container '${container}' to make its ssh host key (step: host key)`,
      );
    }
    await new Promise((r) => setTimeout(r, attempt < 10 ? 20 : 100));
  }
}
