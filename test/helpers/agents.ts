import { execa } from 'execa';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
