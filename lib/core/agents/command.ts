import { quoteArgv } from '../../shell.js';
import type { AgentType } from '../../config/agent-types.js';

/**
 * How a typed agent is started in its tmux pane. Pure: unit-tested as strings.
 *
 * The start script continues the last conversation (the type's resume arguments, right after the program) unless
 * this start is a fresh one: mng marks create and `start --fresh` with FRESH_FILE, which the script removes.
 */

/** Written by mng's delivery at create and at `start --fresh`: start a new conversation this time. */
export const FRESH_FILE = '/run/mng/agent-fresh';

/**
 * The agent's argv without the resume arguments: program, its fixed arguments, its unattended (or, with
 * `unattended = false`, attended) ones, the user's.
 */
export function agentArgv(t: AgentType, userArgs: readonly string[]): string[] {
  return [t.program, ...t.args, ...(t.unattended ? t.unattendedArgs : t.attendedArgs), ...userArgs];
}

/** The command line as `mng list` shows it (the label `mng.agent-command`). */
export function agentCommandLabel(t: AgentType, userArgs: readonly string[]): string {
  return quoteArgv(agentArgv(t, userArgs));
}

/** The script in /mng/agent-cmd (plain sh): resume unless fresh, then exec the agent. */
export function agentStartScript(t: AgentType, userArgs: readonly string[]): string {
  const [program, ...rest] = agentArgv(t, userArgs);
  const run = `exec ${quoteArgv([program])} "$@"${rest.length > 0 ? ` ${quoteArgv(rest)}` : ''}`;
  if (t.resumeArgs.length === 0) return `rm -f ${FRESH_FILE}\n${run}\n`;
  const resume = `set -- ${quoteArgv(t.resumeArgs)}`;
  return [
    `# mng: the ${t.name} agent; it continues its last conversation unless this start is a fresh one`,
    `set --`,
    `if [ -e ${FRESH_FILE} ]; then rm -f ${FRESH_FILE}`,
    t.resumeIf ? `elif ${t.resumeIf}; then ${resume}` : `else ${resume}`,
    `fi`,
    run,
    '',
  ].join('\n');
}
