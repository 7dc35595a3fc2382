import { parse, stringify } from 'smol-toml';
import type { AgentKit, Platform } from './kit.js';
import { codexStateHooks } from './signals.js';
import { readCredentialsJson, readIfFile, readSettings, userHome } from './user-files.js';
import { join } from 'node:path';

/**
 * OpenAI Codex. `@openai/codex` is a small JS launcher; each platform's package (an npm alias such as
 * `@openai/codex@0.171.0-linux-x64`) holds static musl binaries that run on any Linux. mng installs the CLI, its
 * code-mode host (the model's tool calls run through it) and its bundled ripgrep, in the package's own layout
 * (codex-package.json), and leaves out the voice, sandbox (bubblewrap) and other helpers. Checked with 0.171.0.
 *
 * Sign-in: ~/.codex/auth.json (a ChatGPT login, or a key saved by `codex login --with-api-key`), else
 * OPENAI_API_KEY written in the same form. Either goes to the tmpfs, linked from ~/.codex/auth.json (Codex's TUI
 * asks for a login when only the variable is set).
 */

const AUTH = '~/.codex/auth.json';
/** Codex's system requirements (root's, read by every codex in the container): where its managed hooks live. */
export const CODEX_REQUIREMENTS = '/etc/codex/requirements.toml';

/** /etc/codex/requirements.toml: the hooks that report Codex's state to mng (see signals.ts), nothing else. */
export function codexRequirements(): string {
  return stringify({ hooks: codexStateHooks() }) + '\n';
}

const TRIPLES: Record<string, string> = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' };

/**
 * ~/.codex/config.toml at create: the user's own (when settings come along), with the agent's working folder trusted
 * (Codex asks otherwise, for a git repository) and no update check at start.
 */
export function codexConfig(userToml: string | undefined, workdir: string, warn: (m: string) => void): string {
  let doc: Record<string, unknown> = {};
  if (userToml !== undefined) {
    try {
      doc = parse(userToml) as Record<string, unknown>;
    } catch {
      warn("~/.codex/config.toml is not valid TOML: the container gets mng's settings without it");
    }
  }
  const projects = (typeof doc.projects === 'object' && doc.projects !== null ? doc.projects : {}) as Record<
    string,
    Record<string, unknown>
  >;
  doc.check_for_update_on_startup = false;
  doc.projects = { ...projects, [workdir]: { ...(projects[workdir] ?? {}), trust_level: 'trusted' } };
  return stringify(doc) + '\n';
}

export const codexKit: AgentKit = {
  install: {
    wrapper: '@openai/codex',
    platformKey: (p: Platform) => `@openai/codex-linux-${p.arch}`,
    libcSpecific: false,
    files: (p: Platform) => {
      const dir = `package/vendor/${TRIPLES[p.arch] ?? p.arch}`;
      return ['codex-package.json', 'bin/codex', 'bin/codex-code-mode-host', 'codex-path/rg'].map((f) => ({
        from: `${dir}/${f}`,
        to: f,
      }));
    },
    bin: { codex: 'bin/codex' },
  },
  looked: [AUTH, '$OPENAI_API_KEY'],
  async credentials({ env }) {
    const file = await readCredentialsJson(env, AUTH);
    const key = env.OPENAI_API_KEY || undefined;
    const content = file ?? (key ? JSON.stringify({ OPENAI_API_KEY: key }) + '\n' : undefined);
    const system = [{ path: CODEX_REQUIREMENTS, content: codexRequirements() }];
    if (content === undefined) return { delivery: { system }, found: false };
    return {
      delivery: {
        secrets: [{ path: 'codex/auth.json', content }],
        links: [{ path: '.codex/auth.json', secret: 'codex/auth.json' }],
        system,
      },
      found: true,
    };
  },
  async setup({ env, warn, settings, workdir }) {
    const userToml = settings ? await readIfFile(join(userHome(env), '.codex/config.toml')) : undefined;
    const own = settings ? await readSettings(env, ['~/.codex/AGENTS.md'], warn) : [];
    return [{ path: '.codex/config.toml', content: codexConfig(userToml, workdir, warn), mode: 0o600 }, ...own];
  },
};
