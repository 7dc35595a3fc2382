// How a coding agent reports its own state to mng's state watcher (core/container/state-scripts.ts): its hooks write
// `STATE [REASON]` to one file, which any user in the container may write. Pure.

/** The agent's own signal, written by its hooks (any user may write it): `STATE [REASON]`, one line. */
export const AGENT_SIGNAL_FILE = '/run/mng/agent-signal';
/** The shell command an agent's hook runs to report its state (`waiting permission`, `waiting input`, `working`). */
export function agentSignalCommand(state: 'working' | 'waiting', reason?: 'permission' | 'input'): string {
  return `printf '%s\\n' '${reason ? `${state} ${reason}` : state}' > ${AGENT_SIGNAL_FILE}`;
}

type ClaudeHook = { matcher?: string; hooks: { type: 'command'; command: string }[] };

/**
 * Claude Code's hooks that report its state (for its managed settings, /etc/claude-code/managed-settings.json, so a
 * user's own settings cannot drop them): a prompt or a tool run → `working`; the end of a turn, a new session or
 * Claude asking for input when idle → `waiting input`; a permission prompt → `waiting permission`.
 */
export function claudeStateHooks(): Record<string, ClaudeHook[]> {
  const run = (state: 'working' | 'waiting', reason?: 'permission' | 'input', matcher?: string): ClaudeHook => ({
    ...(matcher === undefined ? {} : { matcher }),
    hooks: [{ type: 'command', command: agentSignalCommand(state, reason) }],
  });
  return {
    SessionStart: [run('waiting', 'input')],
    UserPromptSubmit: [run('working')],
    PreToolUse: [run('working', undefined, '*')],
    PostToolUse: [run('working', undefined, '*')],
    Notification: [run('waiting', 'permission', 'permission_prompt'), run('waiting', 'input', 'idle_prompt')],
    Stop: [run('waiting', 'input')],
  };
}

/**
 * Codex's `notify` program (config.toml: `notify = [...]`): Codex runs it with one JSON argument at the end of each
 * turn (`"type":"agent-turn-complete"`), and then waits for input.
 */
export function codexNotifyCommand(): string[] {
  return [
    'sh',
    '-c',
    `case "$1" in *agent-turn-complete*) ${agentSignalCommand('waiting', 'input')} ;; esac`,
    'mng-notify',
  ];
}
