import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeJson, KEY_HELPER, managedSettings } from '../../lib/core/agents/claude.js';
import { codexConfig, codexRequirements } from '../../lib/core/agents/codex.js';
import { claudeStateHooks, codexStateHooks } from '../../lib/core/agents/signals.js';
import { deliveryScript, emptyDelivery, envScript, parseAwait } from '../../lib/core/agents/delivery.js';
import { gather, noSignInWarning } from '../../lib/core/agents/gather.js';
import { checkPassEnv, looksLikeSecret, secretStartArgWarnings } from '../../lib/core/agents/secret-args.js';
import { agentTypes, BUILT_IN_TYPES } from '../../lib/config/agent-types.js';
import { readSettings } from '../../lib/core/agents/user-files.js';

const home = mkdtempSync(join(tmpdir(), 'mng-unit-agent-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const warnings: string[] = [];
const ctx = (env: Record<string, string> = {}) => ({
  env: { HOME: home, ...env },
  warn: (m: string) => warnings.push(m),
});

describe('the delivery script', () => {
  it('hands variables over as sh sources them, whatever they hold', () => {
    const env = { A: "it's $HOME `x` \\ \n two lines", B: '' };
    const file = join(home, 'env.sh');
    writeFileSync(file, envScript(env));
    const out = execFileSync('sh', ['-c', `. "${file}"; printf '%s|%s' "$A" "$B"`], { encoding: 'utf8' });
    expect(out).toBe(`${env.A}|`);
  });

  it('carries secrets only base64-encoded, and ends with the mark that starts the agent', () => {
    const d = {
      ...emptyDelivery(),
      secrets: [{ path: 'claude/.credentials.json', content: 'SECRET-VALUE-1' }],
      env: { TOKEN: 'SECRET-VALUE-2' },
      links: [{ path: '.codex/auth.json', secret: 'codex/auth.json' }],
      home: [{ path: 'my dir/a file', content: 'settings', mode: 0o644 }],
      fresh: true,
    };
    const script = deliveryScript(d, { readyPattern: 'a|b', readySeconds: 5 });
    expect(script).not.toContain('SECRET-VALUE');
    expect(script).toContain(`secret claude/.credentials.json ${Buffer.from('SECRET-VALUE-1').toString('base64')}`);
    expect(script).toContain("link .codex/auth.json codex/auth.json\nhome 'my dir/a file' 644 ");
    expect(script.trimEnd().split('\n').slice(-4)).toEqual([
      'fresh',
      ': > /run/mng-secrets/.ready',
      'early 0',
      "await 'a|b' 5",
    ]);
    // at a boot, an agent that started before the delivery starts again when it needed it
    const boot = deliveryScript({ ...emptyDelivery(), early: true }, { boot: true });
    expect(boot.trimEnd().split('\n').slice(-3)).toEqual([': > /run/mng-secrets/.ready', 'early 1', 'restart 1']);
    expect(deliveryScript(emptyDelivery()).trimEnd().split('\n').slice(-2)).toEqual([
      ': > /run/mng-secrets/.ready',
      'early 0',
    ]);
  });

  it('reports what it found of the agent', () => {
    expect(parseAwait('agent ready\n')).toBe('ready');
    expect(parseAwait('x\nagent not-ready\n')).toBe('not-ready');
    expect(parseAwait('agent missing claude')).toBe('missing');
    expect(parseAwait('')).toBeUndefined();
  });
});

describe('sign-in, read on this machine', () => {
  it('claude: the API key through its key helper, the token as a variable, the login file in the tmpfs', async () => {
    mkdirSync(join(home, '.claude'), { recursive: true });
    writeFileSync(join(home, '.claude', '.credentials.json'), '{"claudeAiOauth":{}}');
    const g = await gather(
      BUILT_IN_TYPES.claude,
      ['EXTRA'],
      ctx({ ANTHROPIC_API_KEY: 'k1', CLAUDE_CODE_OAUTH_TOKEN: 't1', EXTRA: 'e' }),
      {
        fresh: false,
      },
    );
    expect(g.signedIn).toBe(true);
    expect(g.delivery.secrets).toEqual([
      { path: 'anthropic-api-key', content: 'k1' },
      { path: 'claude/.credentials.json', content: '{"claudeAiOauth":{}}' },
    ]);
    expect(g.delivery.env).toEqual({
      CLAUDE_CODE_OAUTH_TOKEN: 't1',
      CLAUDE_SECURESTORAGE_CONFIG_DIR: '/run/mng-secrets/claude',
      EXTRA: 'e',
    });
    expect(g.delivery.system).toEqual([
      { path: '/etc/claude-code/managed-settings.json', content: managedSettings(true) },
    ]);
    expect(JSON.parse(managedSettings(true))).toEqual({
      env: { DISABLE_AUTOUPDATER: '1' },
      apiKeyHelper: KEY_HELPER,
      hooks: claudeStateHooks(),
    });
    // the helper waits for the delivery, then reads the key (here: a stand-in tmpfs)
    const tmpfs = join(home, 'tmpfs');
    mkdirSync(tmpfs);
    writeFileSync(join(tmpfs, 'anthropic-api-key'), 'the-key');
    const helper = KEY_HELPER.replaceAll('/run/mng-secrets', tmpfs);
    const delivered = `(sleep 0.3; : > '${tmpfs}/.ready') & ${helper}`;
    expect(execFileSync('sh', ['-c', delivered], { encoding: 'utf8' })).toBe('the-key');
    expect(g.delivery.early).toBe(false);
    expect(JSON.parse(managedSettings(false))).toEqual({
      env: { DISABLE_AUTOUPDATER: '1' },
      hooks: claudeStateHooks(),
    });
    rmSync(join(home, '.claude', '.credentials.json'));
    // signed in by a key alone, Claude needs nothing at its start: later boots start it before the delivery
    const keyOnly = await gather(BUILT_IN_TYPES.claude, [], ctx({ ANTHROPIC_API_KEY: 'k1' }), { fresh: false });
    expect(keyOnly.delivery.early).toBe(true);
  });

  it('a credentials file that is not JSON is an error that never shows its content', async () => {
    mkdirSync(join(home, '.codex'), { recursive: true });
    writeFileSync(join(home, '.codex', 'auth.json'), '{"tokens": secret-token-text');
    const e = await gather(BUILT_IN_TYPES.codex, [], ctx(), { fresh: false }).catch((x: Error) => x);
    expect((e as Error).message).toBe('the credentials file ~/.codex/auth.json is not valid JSON');
    rmSync(join(home, '.codex', 'auth.json'));
  });

  it('codex: ~/.codex/auth.json, else OPENAI_API_KEY in the same form, linked from the home', async () => {
    const fromKey = await gather(BUILT_IN_TYPES.codex, [], ctx({ OPENAI_API_KEY: 'sk-1' }), { fresh: true });
    expect(fromKey.delivery).toMatchObject({
      secrets: [{ path: 'codex/auth.json', content: '{"OPENAI_API_KEY":"sk-1"}\n' }],
      links: [{ path: '.codex/auth.json', secret: 'codex/auth.json' }],
      fresh: true,
    });
    writeFileSync(join(home, '.codex', 'auth.json'), '{"tokens":{}}');
    const fromFile = await gather(BUILT_IN_TYPES.codex, [], ctx({ OPENAI_API_KEY: 'sk-1' }), { fresh: false });
    expect(fromFile.delivery.secrets).toEqual([{ path: 'codex/auth.json', content: '{"tokens":{}}' }]);
    rmSync(join(home, '.codex', 'auth.json'));
  });

  it('codex: its state hooks go to its system requirements at every start, signed in or not (managed: no trust asked)', async () => {
    const system = [{ path: '/etc/codex/requirements.toml', content: codexRequirements() }];
    const signedIn = await gather(BUILT_IN_TYPES.codex, [], ctx({ OPENAI_API_KEY: 'sk-1' }), { fresh: false });
    expect(signedIn.delivery.system).toEqual(system);
    const none = await gather(BUILT_IN_TYPES.codex, [], ctx(), { fresh: false });
    expect(none.signedIn).toBe(false);
    expect(none.delivery.system).toEqual(system);
    // Codex's inline [hooks] tables: the same shape as Claude's hooks, and nothing else in the file
    expect(parse(codexRequirements())).toEqual({ hooks: codexStateHooks() });
  });

  it('a configured type hands over its variables and files; what is missing is one warning each', async () => {
    writeFileSync(join(home, '.aider.conf.yml'), 'model: x\n');
    const t = agentTypes({ aider: { env: ['AIDER_KEY', 'GONE'], files: ['~/.aider.conf.yml', '~/.nope'] } }).aider;
    warnings.length = 0;
    const g = await gather(t, [], ctx({ AIDER_KEY: 'a' }), { fresh: false });
    expect(g.delivery.env).toEqual({ AIDER_KEY: 'a' });
    expect(g.delivery.secrets).toEqual([{ path: 'files/.aider.conf.yml', content: 'model: x\n' }]);
    expect(g.delivery.links).toEqual([{ path: '.aider.conf.yml', secret: 'files/.aider.conf.yml' }]);
    expect(warnings).toEqual([
      '~/.nope does not exist on this machine: the agent starts without it',
      'GONE is not set in this environment: the agent starts without it',
    ]);
    expect(g.signedIn).toBe(false);
    expect(noSignInWarning(t)).toBeUndefined();
    expect(noSignInWarning(BUILT_IN_TYPES.codex)).toBe(
      'no sign-in for codex found on this machine (looked at ~/.codex/auth.json, $OPENAI_API_KEY): the agent will ask you to log in on mng connect',
    );
  });
});

describe('first-run files and settings', () => {
  it("Claude's ~/.claude.json: onboarding done, / and the working folder trusted, bypass accepted when unattended", () => {
    expect(JSON.parse(claudeJson(true, '/workspace'))).toEqual({
      hasCompletedOnboarding: true,
      bypassPermissionsModeAccepted: true,
      projects: { '/': { hasTrustDialogAccepted: true }, '/workspace': { hasTrustDialogAccepted: true } },
    });
    expect(JSON.parse(claudeJson(false, '/')).bypassPermissionsModeAccepted).toBeUndefined();
  });

  it("Codex's config.toml: the user's own, the working folder trusted, no update check", () => {
    const user =
      'model = "o3"\n[projects."/workspace"]\nnote = "kept"\n[projects."/other"]\ntrust_level = "untrusted"\n';
    expect(parse(codexConfig(user, '/workspace', () => {}))).toEqual({
      model: 'o3',
      check_for_update_on_startup: false,
      projects: { '/workspace': { note: 'kept', trust_level: 'trusted' }, '/other': { trust_level: 'untrusted' } },
    });
    const said: string[] = [];
    expect(parse(codexConfig('not = [toml', '/w', (m) => said.push(m)))).toEqual({
      check_for_update_on_startup: false,
      projects: { '/w': { trust_level: 'trusted' } },
    });
    expect(said).toEqual(["~/.codex/config.toml is not valid TOML: the container gets mng's settings without it"]);
  });

  it('settings: files and whole folders, links followed, missing ones skipped', async () => {
    mkdirSync(join(home, '.claude', 'skills', 'a'), { recursive: true });
    writeFileSync(join(home, '.claude', 'settings.json'), '{}');
    writeFileSync(join(home, '.claude', 'skills', 'a', 'SKILL.md'), 'x');
    const files = await readSettings(
      { HOME: home },
      ['~/.claude/settings.json', '~/.claude/skills', '~/.claude/none'],
      () => {},
    );
    expect(files.map((f) => [f.path, String(f.content), f.mode])).toEqual([
      ['.claude/settings.json', '{}', 0o644],
      ['.claude/skills/a/SKILL.md', 'x', 0o644],
    ]);
  });
});

describe('secrets on the command line', () => {
  it.each([
    ['ANTHROPIC_API_KEY=sk-ant-1', true],
    ['GITHUB_TOKEN=abc', true],
    ['MY_SECRET=abc', true],
    ['DB_PASSWORD=x', true],
    ['FOO=ghp_abcdef', true],
    ['FOO=bar', false],
    ['KEYBOARD=us', false],
    ['ANTHROPIC_BASE_URL=http://x', false],
    ['GITHUB_TOKEN=', false],
    ['GITHUB_TOKEN', false],
  ])('%s looks like a secret: %s', (assignment, secret) => {
    expect(looksLikeSecret(assignment)).toBe(secret);
  });

  it('warns once per such -s value, in every spelling, never repeating the value', () => {
    const w = secretStartArgWarnings([
      '-e=A_TOKEN=v1',
      '--env',
      'B_KEY=v2',
      '-eC_SECRET=v3',
      '--env=PLAIN=v4',
      '--cpus=2',
    ]);
    expect(w.map((l) => l.slice(0, l.indexOf(':')))).toEqual([
      '-s -e A_TOKEN=…',
      '-s --env B_KEY=…',
      '-s -e C_SECRET=…',
    ]);
    expect(w.join('\n')).not.toMatch(/v1|v2|v3/);
  });

  it('--pass-env takes variable names, each once', () => {
    expect(checkPassEnv(['A', 'B_1', 'A'])).toEqual(['A', 'B_1']);
    expect(() => checkPassEnv(['A=b'])).toThrow('--pass-env "A=b": give the name of a variable');
  });
});

describe("the agents' state signals in their settings", () => {
  it("Codex's config.toml gets no notify program of mng's (its hooks report the state); a user's own is kept", () => {
    expect(parse(codexConfig(undefined, '/w', () => {})).notify).toBeUndefined();
    expect(parse(codexConfig('notify = ["my-notifier"]\n', '/w', () => {})).notify).toEqual(['my-notifier']);
  });
});
