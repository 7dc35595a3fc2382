// How a coding agent reports its own state to mng's state watcher (core/container/state-scripts.ts): its hooks write
// `STATE [REASON]` to one file, which any user in the container may write. Pure.

/** The agent's own signal, written by its hooks (any user may write it): `STATE [REASON]`, one line. */
export const AGENT_SIGNAL_FILE = '/run/mng/agent-signal';
/** The shell command an agent's hook runs to report its state (`waiting permission`, `waiting input`, `working`). */
export function agentSignalCommand(state: 'working' | 'waiting', reason?: 'permission' | 'input'): string {
  return `printf '%s\\n' '${reason ? `${state} ${reason}` : state}' > ${AGENT_SIGNAL_FILE}`;
}

/** One entry of an event's hooks, in the form Claude Code and Codex share (settings JSON; Codex's TOML `[hooks]`). */
type CommandHook = { matcher?: string; hooks: { type: 'command'; command: string }[] };

function signalHook(state: 'working' | 'waiting', reason?: 'permission' | 'input', matcher?: string): CommandHook {
  return {
    ...(matcher === undefined ? {} : { matcher }),
    hooks: [{ type: 'command', command: agentSignalCommand(state, reason) }],
  };
}

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
export function claudeStateHooks(): Record<string, CommandHook[]> {
  return {
    SessionStart: [signalHook('waiting', 'input')],
    UserPromptSubmit: [signalHook('working')],
    PreToolUse: [signalHook('working', undefined, '*')],
    PermissionRequest: [signalHook('waiting', 'permission', '*')],
    PostToolUse: [signalHook('working', undefined, '*')],
    Notification: [
      signalHook('waiting', 'permission', 'permission_prompt'),
      signalHook('waiting', 'input', 'idle_prompt'),
    ],
    Stop: [signalHook('waiting', 'input')],
  };
}

/**
 * Codex's hooks that report its state, for its system requirements file (/etc/codex/requirements.toml: Codex 0.171.0
 * runs these managed hooks without asking the user to trust them, as it does for hooks of the user's): a prompt or a
 * tool run → `working`; its approval question → `waiting permission` (PermissionRequest, as the question opens, after
 * PreToolUse); the end of a turn → `waiting input` (Stop).
 *
 * Not its `notify` program: Codex 0.171.0 runs that at the end of every turn of every thread, the short one that names
 * the session too (`Generate a concise, single-line task title…`), which ends while the user's turn is still working
 * or at its approval question, and said `waiting input` then. The hooks run for the user's thread alone.
 */
export function codexStateHooks(): Record<string, CommandHook[]> {
  return {
    UserPromptSubmit: [signalHook('working')],
    PreToolUse: [signalHook('working', undefined, '*')],
    PermissionRequest: [signalHook('waiting', 'permission', '*')],
    PostToolUse: [signalHook('working', undefined, '*')],
    Stop: [signalHook('waiting', 'input')],
  };
}
