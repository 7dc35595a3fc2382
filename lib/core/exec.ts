// The one way mng runs its scripts in a container (`docker exec`: access repair, the agent's terminal, git): always
// with a time limit and a cap on what it reads back. The container is the agent's, and the agent may have replaced
// sh, tmux or git there: a script that never answers, or answers without end, ends the call instead of mng.

import { buildExecScriptArgs } from '../docker/args.js';
import type { Daemon } from '../docker/daemon.js';
import type { DockerResult } from '../docker/runner.js';
import { MngError } from '../errors.js';
import { sizeText } from '../process/runner.js';
import type { Core } from './core.js';

/** How long one of mng's scripts may take, and how much of its output mng reads, unless the caller says otherwise. */
export const EXEC_TIMEOUT_MS = 60_000;
export const EXEC_MAX_BYTES = 16 * 1024 * 1024;

export interface ScriptCall {
  /** what the script does, for the error that says it took too long or wrote too much ("the agent's terminal") */
  what: string;
  /** arguments, as $1... */
  args?: readonly string[];
  /** text on the script's stdin */
  input?: string;
  /** the user it runs as (the agent's, for git in its repository); the container's own (root) when absent */
  user?: string;
  /** the script goes on stdin (`sh -s`), not in the argv: one that carries secrets (a coding agent's delivery) */
  scriptOnStdin?: boolean;
  /** a file as the script's stdin */
  inputFile?: string;
  /** the script's stdout into this file (a bundle) */
  stdoutFile?: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** running out of time is an answer (`timedOut`), not an error: the caller has a deadline of its own */
  timeoutIsResult?: boolean;
  /** what to tell the user when the script ran out of time or wrote too much */
  hint?: string;
}

/** Run one of mng's scripts in a running container; a non-zero exit is the caller's to read (check: false). */
export async function execScript(
  core: Core,
  daemon: Daemon,
  container: string,
  script: string,
  call: ScriptCall,
): Promise<DockerResult> {
  const timeoutMs = call.timeoutMs ?? EXEC_TIMEOUT_MS;
  const maxBytes = call.maxBytes ?? EXEC_MAX_BYTES;
  const stdin = call.input !== undefined || call.inputFile !== undefined;
  const { user, scriptOnStdin } = call;
  const argv = buildExecScriptArgs(container, script, call.args ?? [], { stdin, user, scriptOnStdin });
  const r = await core.runner.docker(daemon, argv, {
    check: false,
    input: scriptOnStdin ? script : call.input,
    inputFile: call.inputFile,
    stdoutFile: call.stdoutFile,
    timeoutMs,
    timeoutIsResult: true,
    maxBytes,
    limitIsResult: true,
  });
  if (r.timedOut && !call.timeoutIsResult) {
    throw new MngError(`container ${container} did not finish ${call.what} within ${Math.round(timeoutMs / 1000)} s`, {
      hint: call.hint ?? "the agent may have changed what mng runs there; mng list shows the host's state",
    });
  }
  if (r.overLimit) {
    throw new MngError(
      `container ${container} wrote more than ${sizeText(maxBytes)} for ${call.what}: stopped reading`,
      {
        hint: call.hint,
      },
    );
  }
  return r;
}
