import { SECRETS_DIR, type Delivery } from './delivery.js';
import type { AgentKit, Platform } from './kit.js';
import { readCredentialsJson, readSettings } from './user-files.js';

/**
 * Claude Code. Its npm wrapper (`@anthropic-ai/claude-code`, which wants Node 22) only links a native binary that
 * comes in one package per platform (`…-linux-x64`, `…-linux-arm64`, with `-musl` builds for Alpine): mng installs
 * that binary alone, no Node. Facts below were checked with 2.1.332.
 *
 * Sign-in, in the container:
 * - ANTHROPIC_API_KEY goes to a tmpfs file that Claude reads through `apiKeyHelper` (managed settings), so no
 *   "use this API key?" dialog comes up and no part of the key lands in ~/.claude.json;
 * - CLAUDE_CODE_OAUTH_TOKEN (from `claude setup-token`) is handed over as a variable;
 * - the Linux login file ~/.claude/.credentials.json goes to the tmpfs, and CLAUDE_SECURESTORAGE_CONFIG_DIR points
 *   Claude there (it refuses a link in its place). A token Claude refreshes stays in the tmpfs until the host stops.
 */

export const MANAGED_SETTINGS = '/etc/claude-code/managed-settings.json';
const API_KEY_FILE = 'anthropic-api-key';
const CREDENTIALS = '~/.claude/.credentials.json';
const SETTINGS = [
  '~/.claude/settings.json',
  '~/.claude/CLAUDE.md',
  '~/.claude/agents',
  '~/.claude/commands',
  '~/.claude/skills',
];

/**
 * The API key's helper: Claude asks it at its start, which may come before mng's delivery (a host signed in with an
 * API key starts its agent at once), so it waits for the delivery (up to 15 s) before it reads the key.
 */
export const KEY_HELPER = `sh -c 'i=0; while [ ! -e ${SECRETS_DIR}/.ready ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done; exec cat ${SECRETS_DIR}/${API_KEY_FILE}'`;

/** Managed settings (root's, read by every claude in the container): no self-update, and the API key's helper. */
export function managedSettings(apiKey: boolean): string {
  const settings: Record<string, unknown> = { env: { DISABLE_AUTOUPDATER: '1' } };
  if (apiKey) settings.apiKeyHelper = KEY_HELPER;
  return JSON.stringify(settings, null, 2) + '\n';
}

/**
 * ~/.claude.json at create: onboarding done, the working folder and every other one trusted (a git repository's own
 * folder must be named: the entry for / does not cover it), and (unattended) the bypass warning accepted.
 */
export function claudeJson(unattended: boolean, workdir: string): string {
  return (
    JSON.stringify(
      {
        hasCompletedOnboarding: true,
        ...(unattended ? { bypassPermissionsModeAccepted: true } : {}),
        projects: { '/': { hasTrustDialogAccepted: true }, [workdir]: { hasTrustDialogAccepted: true } },
      },
      null,
      2,
    ) + '\n'
  );
}

export const claudeKit: AgentKit = {
  install: {
    wrapper: '@anthropic-ai/claude-code',
    platformKey: (p: Platform) => `@anthropic-ai/claude-code-linux-${p.arch}${p.libc === 'musl' ? '-musl' : ''}`,
    libcSpecific: true,
    files: () => [{ from: 'package/claude', to: 'claude' }],
    bin: { claude: 'claude' },
  },
  looked: ['$ANTHROPIC_API_KEY', '$CLAUDE_CODE_OAUTH_TOKEN', CREDENTIALS],
  // the key goes through the helper; a token or a login file needs a variable at the agent's start
  lazySignIn: (d) => Object.keys(d.env ?? {}).length === 0,
  async credentials({ env }) {
    const apiKey = env.ANTHROPIC_API_KEY || undefined;
    const token = env.CLAUDE_CODE_OAUTH_TOKEN || undefined;
    const file = await readCredentialsJson(env, CREDENTIALS);
    const delivery: Partial<Delivery> = { secrets: [], env: {}, system: [] };
    if (apiKey) delivery.secrets!.push({ path: API_KEY_FILE, content: apiKey });
    if (token) delivery.env!.CLAUDE_CODE_OAUTH_TOKEN = token;
    if (file !== undefined) {
      delivery.secrets!.push({ path: 'claude/.credentials.json', content: file });
      delivery.env!.CLAUDE_SECURESTORAGE_CONFIG_DIR = `${SECRETS_DIR}/claude`;
    }
    delivery.system!.push({ path: MANAGED_SETTINGS, content: managedSettings(Boolean(apiKey)) });
    return { delivery, found: Boolean(apiKey || token || file !== undefined) };
  },
  async setup({ env, warn, settings, unattended, workdir }) {
    const own = settings ? await readSettings(env, SETTINGS, warn) : [];
    return [{ path: '.claude.json', content: claudeJson(unattended, workdir), mode: 0o600 }, ...own];
  },
};
