import { execa } from 'execa';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { docker } from './docker.js';
import { Sandbox } from './sandbox.js';

/**
 * Coding agent tests: the real CLIs from npm at the versions checked against the fake model servers, and a cache of
 * their packages shared by every run on this machine (a brand-new machine fetches each once; set
 * MNG_TEST_AGENT_CACHE to put it elsewhere).
 */
export const CLAUDE_VERSION = '2.1.332';
export const CODEX_VERSION = '0.171.0';
export const AGENT_CACHE = process.env.MNG_TEST_AGENT_CACHE ?? '/var/tmp/mng-test-cache';

/** A sandbox whose agents come from the shared cache, with these versions pinned (and any more config). */
export function agentSandbox(tag: string, extraConfig = ''): Sandbox {
  const sb = new Sandbox(tag);
  mkdirSync(AGENT_CACHE, { recursive: true });
  sb.env.XDG_CACHE_HOME = AGENT_CACHE;
  sb.writeConfig(
    `[providers.docker]\nbackend = "docker"\ndefault_image = "${sb.baseImage}"\n\n` +
      `[agents.claude]\nversion = "${CLAUDE_VERSION}"\n\n[agents.codex]\nversion = "${CODEX_VERSION}"\n` +
      extraConfig,
  );
  return sb;
}

/** What an agent test does to its hosts (`first`: the host named when no name is given). */
export function agentHosts(sb: Sandbox, first: string) {
  const run = (args: string[], env: Record<string, string> = {}) => sb.mng(args, { env, timeoutMs: 300_000 });
  return {
    run,
    /** A shell command in host NAME, as the agent's user: its stdout. */
    inContainer: async (cmd: string, name = first) =>
      (await docker(['exec', '--user', 'agent', sb.container(name), 'sh', '-c', cmd], { reject: false })).stdout,
    /** A failed wait, with what the agent's terminal shows. */
    withScreen: async (e: Error, name = first): Promise<never> => {
      throw new Error(`${e.message}; the agent's screen:\n${(await run(['logs', name, '-n', '40'])).stdout}`);
    },
    /** Host NAME's row of `mng list --format json`. */
    listed: async (name: string) =>
      JSON.parse((await run(['list', '--format', 'json'])).stdout).agents.find(
        (x: { name: string }) => x.name === name,
      ),
  };
}
export type AgentHosts = ReturnType<typeof agentHosts>;

/**
 * Host NAME comes to say, through the agent's own hooks, that it waits for REASON: its row in `list --format json`
 * (since a moment ago), its state line (source agent, not a guess from the screen), `mng wait --until waiting` naming
 * it (within `waitSeconds`), and the human list. Returns its row.
 */
export async function expectWaitingFromAgent(
  h: AgentHosts,
  name: string,
  reason: 'input' | 'permission',
  waitSeconds: number,
) {
  const agent = await waitFor(`waiting (${reason}) in list`, async () => {
    const a = await h.listed(name);
    return a?.agent_state === 'waiting' && a.agent_state_reason === reason ? a : undefined;
  }).catch((e) => h.withScreen(e, name));
  expect(Date.parse(agent.agent_state_since)).toBeGreaterThan(Date.now() - 120_000);
  expect(await h.inContainer('cat /run/mng/agent-state', name)).toMatch(
    new RegExp(`^mng-agent state=waiting reason=${reason} since=\\d+ source=agent$`),
  );
  const w = await h.run(['wait', name, '--until', 'waiting', '--timeout', String(waitSeconds)]);
  expect(w.exitCode, w.stderr).toBe(0);
  expect(w.stdout).toBe(`${name}\n`);
  expect(w.stderr).toContain(`agent '${name}': waiting (${reason})`);
  expect((await h.run(['list'])).stdout).toMatch(new RegExp(`^${name}\\s+running\\s+waiting \\(${reason}\\)\\s`, 'm'));
  return agent;
}

/** Poll `check` every 200 ms until it returns something truthy, or fail after `ms`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Does the output of a command (streamed, any size: `docker save` of an image) contain `needle`? */
export async function streamContains(file: string, args: string[], needle: string): Promise<boolean> {
  const want = Buffer.from(needle);
  const child = execa(file, args, { buffer: false, stdout: 'pipe', stderr: 'ignore' });
  let tail = Buffer.alloc(0);
  let found = false;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    const buf = Buffer.concat([tail, chunk]);
    if (buf.includes(want)) found = true;
    tail = buf.subarray(Math.max(0, buf.length - want.length + 1));
  }
  await child;
  return found;
}

/** Every file under `dir` whose content contains `needle` (mng's data folder: must be none). */
export function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile() && readFileSync(p).includes(needle)) out.push(p);
    }
  };
  walk(dir);
  return out;
}
