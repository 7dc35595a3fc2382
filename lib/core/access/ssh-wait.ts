import { buildInspectArgs, buildLogsTailArgs } from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { parseContainerInspect } from '../../docker/inspect.js';
import { MngError } from '../../errors.js';
import { isAccessMismatch } from '../../ssh/args.js';
import { repairAccess, SSH_LIMITS, sharedSshArgs, type SshTarget } from './access.js';
import { AGENT_PROBE } from '../container/agent.js';
import type { Core } from '../core.js';

/** The error for a container that stopped before sshd answered: its exit code and the last line it logged. */
export async function exitedError(
  core: Core,
  daemon: Daemon,
  container: string,
  exitCode: number,
  step: string,
): Promise<MngError> {
  const logs = await core.runner.docker(daemon, buildLogsTailArgs(container, 5), {
    check: false,
    timeoutMs: 30_000,
    timeoutIsResult: true,
    maxBytes: 64 * 1024,
    limitIsResult: true,
  });
  const last = `${logs.stdout}\n${logs.stderr}`.trim().split('\n').filter(Boolean).pop() ?? '';
  return new MngError(
    `sshd did not start in container '${container}' (step: ${step}): the container exited with code ${exitCode}${last ? `: ${last}` : ''}`,
  );
}

/**
 * Bounded wait for an SSH handshake with the pinned host key, running AGENT_PROBE; returns the probe's output.
 * Used after every `docker start` (create, start, start --snapshot). The connection that answers stays open as the
 * host's shared connection, so the next exec or connect pays no handshake. Keys that no longer match (a lost data
 * folder) are restored through Docker once. About once a second it also checks that the container still runs, so a
 * container whose sshd died fails at once with its last log line, not at the timeout.
 */
export async function waitForSsh(core: Core, target: SshTarget, timeoutSeconds: number): Promise<string> {
  const { daemon, container } = target;
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  const args = await sharedSshArgs(core, target, AGENT_PROBE, { batch: true, connectTimeoutSeconds: 5 });
  let lastError = '';
  let lastStateCheck = started;
  let repaired = false;
  for (;;) {
    // An attempt that hangs (a port whose container just died can accept and never answer) is a failed attempt.
    const res = await core.runner.run('ssh', args, { ...SSH_LIMITS, timeoutMs: 10_000 });
    if (res.exitCode === 0) return res.stdout;
    if (isAccessMismatch(res.stderr) && !repaired) {
      repaired = true;
      await repairAccess(core, target);
      continue;
    }
    lastError = res.stderr.trim().split('\n').pop() ?? `ssh exit ${res.exitCode}`;
    const now = Date.now();
    if (now >= deadline) {
      throw new MngError(
        `timed out after ${timeoutSeconds}s waiting for sshd in container '${container}' (step: wait for ssh): ${lastError}`,
      );
    }
    // sshd may have died, taking the container with it: say so at once instead of waiting out the timeout.
    if (now - lastStateCheck >= 1000) {
      lastStateCheck = now;
      const inspect = await core.runner.docker(daemon, buildInspectArgs([container]));
      const [c] = parseContainerInspect(inspect.stdout);
      if (c && !c.State.Running) throw await exitedError(core, daemon, container, c.State.ExitCode, 'wait for ssh');
    }
    // sshd usually answers within a few hundred ms of the start: try often at first, then back off.
    await new Promise((r) => setTimeout(r, now - started < 2000 ? 20 : 100));
  }
}
