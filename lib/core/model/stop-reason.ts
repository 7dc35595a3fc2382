import { IDLE_STOP_EXIT_CODE } from '../container/scripts.js';

/**
 * Why a host stopped, derived from docker's State alone (labels are immutable, and `list` reads nothing else):
 * - `user`: it was asked to stop from outside (mng stop, docker stop, the daemon shutting down): the init script exits 0 on SIGTERM
 * - `idle`: it stopped itself (the init script exits IDLE_STOP_EXIT_CODE on SIGUSR1: the idle watcher's hook)
 * - `killed`: SIGKILL (exit 137 without an OOM kill): docker kill, or a stop whose grace period ran out
 * - `oom`: the kernel's OOM killer (State.OOMKilled) and a non-zero exit
 * - `crashed`: any other non-zero exit: sshd or the init script died on their own
 */
export type StopReason = 'user' | 'idle' | 'killed' | 'oom' | 'crashed';

export interface DockerStateLike {
  Status: string;
  ExitCode: number;
  OOMKilled?: boolean;
}

/** The reason an exited container stopped; null while it is not stopped (running, created, paused...). */
export function stopReason(state: DockerStateLike): StopReason | null {
  if (state.Status !== 'exited') return null;
  if (state.ExitCode === 0) return 'user';
  if (state.OOMKilled) return 'oom';
  if (state.ExitCode === IDLE_STOP_EXIT_CODE) return 'idle';
  if (state.ExitCode === 137) return 'killed';
  return 'crashed';
}

/** The reason as `mng list` shows it in the STATE column: `user`, `crashed: exit 3`, `oom`. */
export function describeStopReason(reason: StopReason, exitCode: number | null): string {
  return reason === 'crashed' && exitCode !== null ? `crashed: exit ${exitCode}` : reason;
}
