import { MngError } from '../../errors.js';
import { execScript } from '../exec.js';
import type { Core } from '../core.js';
import type { Host } from '../model/host.js';
import {
  CAPTURE_ALL,
  followWindowScript,
  MESSAGE_SCRIPT,
  STATUS_SCRIPT,
  parseAgentStatus,
  type AgentStatus,
} from './tmux-scripts.js';

/**
 * Reading and typing into the agent's tmux pane without attaching. Every call is one `docker exec` (no ssh), so it
 * works on remote daemons and needs none of mng's ssh files.
 */

/** `mng message`: the agent did not visibly take the text (its pane did not change after Enter). Python mng uses 7 too. */
export const MESSAGE_NOT_CONFIRMED_EXIT = 7;
/** `mng wait --timeout` ran out, as timeout(1) reports it. */
export const WAIT_TIMEOUT_EXIT = 124;

function requireRunning(host: Host): void {
  if (host.state !== 'running') {
    throw new MngError(
      `agent '${host.name}' is not running (state: ${host.state}); its terminal exists only while the host runs`,
      {
        hint: `start it with: mng start ${host.name}`,
      },
    );
  }
}

/** The pane's whole text may be large (50,000 lines of history): more than this is not the agent's terminal. */
const CAPTURE_MAX_BYTES = 64 * 1024 * 1024;

/** One of the terminal scripts in the agent's container, within its time limit and read cap (core/exec.ts). */
async function agentExec(
  core: Core,
  host: Host,
  script: string,
  opts: { input?: string; timeoutMs?: number; timeoutIsResult?: boolean; maxBytes?: number } = {},
) {
  return execScript(core, host.daemon, host.containerId, script, {
    what: "mng's look at the agent's terminal",
    ...opts,
  });
}

function noSession(host: Host, stderr: string): MngError {
  return new MngError(
    `agent '${host.name}' has no terminal session: ${stderr.trim().split('\n').pop() || 'tmux is not running'}`,
    {
      hint: `mng connect ${host.name} starts it again`,
    },
  );
}

/** The pane's whole text (scrollback included), trailing blank lines dropped. */
export async function captureAgent(core: Core, host: Host): Promise<string[]> {
  requireRunning(host);
  const r = await agentExec(core, host, CAPTURE_ALL, { maxBytes: CAPTURE_MAX_BYTES });
  if (r.exitCode !== 0) throw noSession(host, r.stderr);
  return trimTrailingBlank(r.stdout.split('\n'));
}

/** Lines without trailing spaces and trailing blank lines, and without tmux's own "Pane is dead" line at the end. */
export function trimTrailingBlank(lines: string[]): string[] {
  const out = lines.map((l) => l.trimEnd());
  const drop = () => {
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
  };
  drop();
  if (out.length > 0 && /^Pane is dead( \(.*\))?$/.test(out[out.length - 1])) {
    out.pop();
    drop();
  }
  return out;
}

/**
 * The lines of `cur` that come after what was printed already (`printed`, the last lines shown). Both are windows of
 * the pane's complete lines; the overlap is found by matching the end of `printed` in `cur`, latest match first.
 * No overlap (the screen was cleared, or more output came than one window holds): all of `cur` is new.
 */
export function newLines(printed: string[], cur: string[]): string[] {
  if (printed.length === 0) return cur;
  const k = Math.min(printed.length, 50);
  const tail = printed.slice(-k);
  for (let end = cur.length; end >= 1; end--) {
    const m = Math.min(k, end);
    let ok = true;
    for (let i = 1; i <= m; i++) {
      if (cur[end - i] !== tail[k - i]) {
        ok = false;
        break;
      }
    }
    // A match shorter than the tail only counts at the very start of the window (the window began inside the tail).
    if (ok && (m === k || end === m)) return cur.slice(end);
  }
  return cur;
}

/**
 * Follow the pane: print complete lines as they appear (the line with the cursor is printed once the next one
 * starts, or when the agent exits). Polls every `intervalMs` with one docker exec; returns when the agent exits.
 */
export async function followAgent(
  core: Core,
  host: Host,
  initial: number,
  emit: (line: string) => void,
  opts: { intervalMs?: number; stop?: AbortSignal } = {},
): Promise<void> {
  requireRunning(host);
  let printed: string[] | undefined;
  for (;;) {
    const r = await agentExec(core, host, followWindowScript(2000));
    if (r.exitCode !== 0) {
      if (printed !== undefined) return; // the host stopped while following
      throw noSession(host, r.stderr);
    }
    const [head, ...rest] = r.stdout.split('\n');
    const dead = head.trim() === '1';
    const lines = trimTrailingBlank(rest);
    // While the agent runs, the last line is the one being written: hold it back.
    const complete = dead ? lines : lines.slice(0, -1);
    const fresh = printed === undefined ? complete.slice(-initial) : newLines(printed, complete);
    if (printed === undefined && initial === 0) {
      /* nothing of the past */
    } else for (const l of fresh) emit(l);
    printed = complete.length > 0 ? complete : (printed ?? []);
    if (dead || opts.stop?.aborted) return;
    await sleep(opts.intervalMs ?? 500);
  }
}

/** The agent's status (one docker exec), or undefined when there is no session; `timedOut` when it took `timeoutMs`. */
export async function agentStatus(
  core: Core,
  host: Host,
  timeoutMs?: number,
): Promise<AgentStatus | { timedOut: true } | undefined> {
  const r = await agentExec(core, host, STATUS_SCRIPT, { timeoutMs, timeoutIsResult: true, maxBytes: 64 * 1024 });
  if (r.timedOut) return { timedOut: true };
  if (r.exitCode !== 0) return undefined;
  return parseAgentStatus(r.stdout);
}

export type MessageOutcome = 'confirmed' | 'not-confirmed';

/**
 * Type `text` into the agent's terminal as one paste (bracketed when the program asked for it), then press Enter as
 * a separate key, then wait up to `confirmSeconds` for the pane to change. One docker exec does it all.
 */
export async function messageAgent(
  core: Core,
  host: Host,
  text: string,
  opts: { confirmSeconds: number },
): Promise<MessageOutcome> {
  requireRunning(host);
  const r = await agentExec(core, host, MESSAGE_SCRIPT(Math.max(1, Math.round(opts.confirmSeconds * 10))), {
    input: text,
    timeoutMs: (opts.confirmSeconds + 30) * 1000,
  });
  const out = r.stdout.trim();
  if (out.startsWith('dead')) {
    const code = out.split(/\s+/)[1];
    throw new MngError(`agent '${host.name}' has exited${code ? ` (exit code ${code})` : ''}; nothing was sent`, {
      hint: `mng logs ${host.name} shows its last output; mng connect ${host.name} starts it again`,
    });
  }
  if (r.exitCode !== 0 || !/^(confirmed|unchanged)$/.test(out)) throw noSession(host, r.stderr);
  return out === 'confirmed' ? 'confirmed' : 'not-confirmed';
}

/** How long one status poll of `mng wait` may take (a deadline cuts it shorter). */
const STATUS_TIMEOUT_MS = 30_000;

export type WaitOutcome =
  | { kind: 'exited'; exitCode: number | null }
  | { kind: 'idle' }
  | { kind: 'timeout' }
  | { kind: 'stopped' };

/**
 * Poll the agent once a second (one docker exec each) until it has exited, or (with `idleSeconds`) its pane has not
 * changed for that long, or `timeoutSeconds` have passed. A host that stops meanwhile ends the wait too. The timeout
 * is a hard deadline: no poll outlives it, however long the container takes to answer (or never does).
 */
export async function waitForAgent(
  core: Core,
  host: Host,
  opts: { idleSeconds?: number; timeoutSeconds?: number; intervalMs?: number },
): Promise<WaitOutcome> {
  requireRunning(host);
  const started = Date.now();
  const deadline = opts.timeoutSeconds === undefined ? Infinity : started + opts.timeoutSeconds * 1000;
  let last: string | undefined;
  let lastChange = Date.now();
  for (let first = true; ; first = false) {
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'timeout' };
    const status = await agentStatus(core, host, Math.min(left, STATUS_TIMEOUT_MS));
    if (status && 'timedOut' in status) {
      if (Date.now() >= deadline) return { kind: 'timeout' };
      throw new MngError(`agent '${host.name}''s container did not answer within ${STATUS_TIMEOUT_MS / 1000} s`, {
        hint: "mng list shows the host's state",
      });
    }
    if (!status) {
      if (first) {
        const r = await agentExec(core, host, 'true');
        if (r.exitCode === 0) throw noSession(host, 'tmux is not running');
      }
      return { kind: 'stopped' };
    }
    if (status.exited) return { kind: 'exited', exitCode: status.exitCode };
    const now = Date.now();
    if (status.fingerprint !== last) {
      last = status.fingerprint;
      lastChange = now;
    }
    if (opts.idleSeconds !== undefined && now - lastChange >= opts.idleSeconds * 1000) return { kind: 'idle' };
    if (now >= deadline) return { kind: 'timeout' };
    await sleep(Math.min(opts.intervalMs ?? 1000, Math.max(0, deadline - now)));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
