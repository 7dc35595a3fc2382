import { MNG_DIR } from '../../docker/args.js';
import { quoteArgv } from '../../shell.js';
import { TMUX_FN } from '../agents/user-shell.js';

/**
 * The agent as mng talks to it: how it is started (a program, a command line, a shell), the tmux session that holds
 * it, and what mng runs over ssh to learn its state, attach to it, or run a command beside it.
 */

/** tmux session that holds the agent. */
export const AGENT_SESSION = 'agent';

/** How the agent is started: a program on the image's PATH with arguments, a whole shell command line, or a shell. */
export type AgentSpec =
  /** `script`: a typed agent's start script (core/agents/command.ts), instead of exec-ing the program */
  | { kind: 'program'; program: string; args: string[]; script?: string }
  | { kind: 'command'; command: string }
  | { kind: 'shell' };

/** The shell command line that runs the agent (also stored in a label, for `list` and for replaying the host). */
export function agentCommandLine(agent: AgentSpec): string {
  switch (agent.kind) {
    case 'program':
      return quoteArgv([agent.program, ...agent.args]);
    case 'command':
      return agent.command;
    case 'shell':
      return 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi';
  }
}

/**
 * What `mng create` and `mng start` run over ssh once sshd answers: the agent's state, read in the same round trip.
 * sshd starts while the init script starts the agent, so the probe first waits (up to 5 s) for the agent's status.
 */
export const AGENT_PROBE = `${TMUX_FN}; i=0; while [ ! -e /run/mng/agent-status ] && [ $i -lt 100 ]; do sleep 0.05 2>/dev/null || break; i=$((i+1)); done; cat /run/mng/agent-status 2>/dev/null; test -f /run/mng/agent-exit && echo "exit $(cat /run/mng/agent-exit)"; tmux has-session -t ${AGENT_SESSION} 2>/dev/null && echo session; true`;

export type AgentState =
  | { state: 'running' }
  | { state: 'exited'; exitCode: number | null }
  | { state: 'missing'; program: string }
  | { state: 'unknown' };

/** Parse the output of AGENT_PROBE. */
export function parseAgentProbe(out: string): AgentState {
  const lines = out.split('\n').map((l) => l.trim());
  const missing = lines.find((l) => l.startsWith('missing '));
  if (missing) return { state: 'missing', program: missing.slice('missing '.length) };
  const exit = lines.find((l) => /^exit\b/.test(l));
  if (exit) {
    const text = exit.slice('exit'.length).trim();
    const code = text === '' ? NaN : Number(text);
    return { state: 'exited', exitCode: Number.isInteger(code) ? code : null };
  }
  if (lines.includes('session')) return { state: 'running' };
  return lines.includes('started') ? { state: 'exited', exitCode: null } : { state: 'unknown' };
}

/** The remote command `mng connect` runs: make sure the agent's session exists, then attach to it. */
export const CONNECT_COMMAND = `sh ${MNG_DIR}/start-agent; exec tmux attach-session -t ${AGENT_SESSION}`;

/** Run a command (argv) in the agent's working directory, as `docker exec` would. */
export function execCommandLine(argv: readonly string[]): string {
  return `cd "$(cat /run/mng/workdir 2>/dev/null || echo ~)" 2>/dev/null; exec ${quoteArgv(argv)}`;
}
