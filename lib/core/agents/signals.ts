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
 *
 * At a permission prompt Claude Code (2.1.332) runs PreToolUse, then PermissionRequest as its dialog opens (about
 * 0.1 s later, each event's hooks done before the next), and the Notification `permission_prompt` only some 6 s after
 * that: PermissionRequest is what reports the prompt at once, after PreToolUse's `working`. A hook that prints
 * nothing decides nothing, so the dialog is shown as usual. When the user answers No, no hook runs: the state stays
 * `waiting permission` until the next prompt.
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
    PermissionRequest: [run('waiting', 'permission', '*')],
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
