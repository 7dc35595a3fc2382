import { TMUX_FN } from '../agents/user-shell.js';
import { AGENT_SESSION } from '../container/agent.js';
import { AGENT_SIGNAL_FILE } from '../agents/signals.js';

/**
 * The shell snippets `mng logs`, `message` and `wait` run in the container through `docker exec` (plain POSIX sh,
 * tmux talking to the agent's server), and the parsing of what they print. Pure: unit-tested without docker.
 */

const T = AGENT_SESSION;

/** The whole pane as text: scrollback and screen, wrapped lines joined. */
export const CAPTURE_ALL = `${TMUX_FN}
tmux capture-pane -p -J -S - -E - -t ${T}`;

/** First line: 1 when the agent has exited (pane dead); then the last `rows` rows of history plus the screen. */
export function followWindowScript(rows: number): string {
  return `${TMUX_FN}
tmux display-message -p -t ${T} '#{pane_dead}' && tmux capture-pane -p -J -S -${Math.max(0, Math.floor(rows))} -E - -t ${T}`;
}

/**
 * One line for `mng wait`: pane dead (0/1), the exit code the agent wrapper recorded (or -), and a fingerprint of the
 * pane's output (history length and a checksum of the screen): it changes whenever the agent prints.
 */
export const STATUS_SCRIPT = [
  TMUX_FN,
  `d=$(tmux display-message -p -t ${T} '#{pane_dead} #{history_size}') || exit 3`,
  `e=$(cat /run/mng/agent-exit 2>/dev/null)`,
  `s=$(tmux capture-pane -p -t ${T} | cksum | cut -d' ' -f1)`,
  `echo "$d \${e:--} $s"`,
].join('\n');

export interface AgentStatus {
  /** the agent's program has ended */
  exited: boolean;
  /** its exit code, when recorded */
  exitCode: number | null;
  /** changes whenever the pane's output changes */
  fingerprint: string;
}

export function parseAgentStatus(out: string): AgentStatus | undefined {
  const m = /^([01]) (\d+) (-|-?\d+) (\d+)\s*$/.exec(out.trim());
  if (!m) return undefined;
  const exitCode = m[3] === '-' ? null : Number(m[3]);
  return { exited: m[1] === '1' || exitCode !== null, exitCode, fingerprint: `${m[2]}:${m[4]}` };
}

/**
 * Type stdin into the agent's pane and submit it. The text goes in as one paste (`load-buffer` + `paste-buffer -p`:
 * literal, bracketed when the program asked for bracketed paste, so tmux key names are not interpreted); Enter is a
 * separate key, sent once the paste shows (or after 1 s), so the program does not take it as part of the paste.
 * Prints `dead [CODE]`, `confirmed` (the pane changed after Enter within `ticks` tenths of a second) or `unchanged`.
 */
export function MESSAGE_SCRIPT(ticks: number): string {
  return [
    TMUX_FN,
    `d=$(tmux display-message -p -t ${T} '#{pane_dead}') || exit 3`,
    `if [ "$d" = 1 ]; then echo "dead $(cat /run/mng/agent-exit 2>/dev/null)"; exit 0; fi`,
    `snap() { tmux display-message -p -t ${T} '#{history_size} #{cursor_x} #{cursor_y}'; tmux capture-pane -p -t ${T}; }`,
    `before=$(snap); b=mng-message-$$`,
    `tmux load-buffer -b "$b" - || exit 3`,
    `tmux paste-buffer -p -d -b "$b" -t ${T} || exit 3`,
    `i=0; while [ $i -lt 10 ] && [ "$(snap)" = "$before" ]; do sleep 0.1; i=$((i+1)); done`,
    `sleep 0.1; pasted=$(snap)`,
    `tmux send-keys -t ${T} Enter || exit 3`,
    // an agent that reports its own state (its hooks) is working on the text now, whether or not it says so
    `[ -s ${AGENT_SIGNAL_FILE} ] && printf 'working\\n' > ${AGENT_SIGNAL_FILE} 2>/dev/null`,
    `i=0; while [ $i -lt ${Math.max(1, Math.floor(ticks))} ]; do sleep 0.1; [ "$(snap)" != "$pasted" ] && { echo confirmed; exit 0; }; i=$((i+1)); done`,
    `echo unchanged`,
  ].join('\n');
}
