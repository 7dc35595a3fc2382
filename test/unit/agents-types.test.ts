import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/config.js';
import { agentCommandLabel, agentStartScript } from '../../lib/core/agents/command.js';
import { agentLayerTag, installDir, npmArch } from '../../lib/core/agents/install.js';
import { KITS } from '../../lib/core/agents/kits.js';
import { npmReason, parseNpmView, platformSpec, tarballName } from '../../lib/core/agents/npm.js';
import { agentTypes, BUILT_IN_TYPES } from '../../lib/config/agent-types.js';
import { agentUserOf, userDockerfile } from '../../lib/core/agents/user-layer.js';

const FILE = '/home/jo/.config/mng/config.toml';
const errorOf = (text: string) => {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('[agents.NAME] sections', () => {
  it('are optional, and absent from the config when there are none', () => {
    expect(parseConfig('', FILE).agents).toBeUndefined();
  });

  it('change a built-in or define a new type', () => {
    const c = parseConfig(
      '[agents.claude]\nversion = "2.1.332"\nunattended = false\nsettings = false\nenv = ["GH_TOKEN"]\n' +
        '[agents.aider]\ncommand = "aider"\nargs = ["--no-auto-commits"]\nunattended_args = ["--yes-always"]\n' +
        'resume_args = ["--restore-chat-history"]\nfiles = ["~/.aider.conf.yml"]\n',
      FILE,
    );
    const types = agentTypes(c.agents);
    expect(types.claude).toMatchObject({ version: '2.1.332', unattended: false, settings: false, env: ['GH_TOKEN'] });
    expect(types.claude.resumeIf).toBe(BUILT_IN_TYPES.claude.resumeIf);
    expect(types.codex).toEqual(BUILT_IN_TYPES.codex);
    expect(types.aider).toEqual({
      name: 'aider',
      builtIn: false,
      program: 'aider',
      args: ['--no-auto-commits'],
      unattended: true,
      unattendedArgs: ['--yes-always'],
      attendedArgs: [],
      resumeArgs: ['--restore-chat-history'],
      resumeIf: undefined,
      env: [],
      files: ['~/.aider.conf.yml'],
      settings: true,
      version: undefined,
    });
  });

  it('attended_args: what unattended = false means; Claude asks before it runs a tool (manual mode)', () => {
    const c = parseConfig('[agents.claude]\nunattended = false\n[agents.aider]\nattended_args = ["--no-auto"]\n', FILE);
    const types = agentTypes(c.agents);
    expect(types.claude.attendedArgs).toEqual(['--permission-mode', 'manual']);
    expect(agentCommandLabel(types.claude, [])).toBe('claude --permission-mode manual');
    expect(agentCommandLabel(types.aider, [])).toBe('aider');
    expect(agentCommandLabel({ ...types.aider, unattended: false }, ['x'])).toBe('aider --no-auto x');
    expect(agentTypes({ claude: { unattended: false, attended_args: [] } }).claude.attendedArgs).toEqual([]);
    expect(errorOf('[agents.x]\nattended_args = [1]\n')).toBe(
      `${FILE}: [agents.x] attended_args: expected an array of strings, got an array`,
    );
  });

  it('new resume arguments for a built-in drop its own test for a conversation', () => {
    expect(agentTypes({ claude: { resume_args: ['--resume'] } }).claude.resumeIf).toBeUndefined();
  });

  it.each([
    [
      '[agents.x]\nmodel = "a"\n',
      "[agents.x]: unknown key 'model' (valid keys: command, args, version, env, files, unattended, unattended_args, attended_args, resume_args, settings)",
    ],
    ['[agents.x]\nargs = "a"\n', '[agents.x] args: expected an array of strings, got a string'],
    ['[agents.x]\nunattended = "yes"\n', '[agents.x] unattended: expected true or false, got a string'],
    [
      '[agents.x]\nversion = "1.0.0"\n',
      "[agents.x] version: mng installs only claude and codex; install 'x' in the image (--dockerfile)",
    ],
    ['[agents.claude]\nversion = "1 0"\n', '[agents.claude] version: "1 0" is not a version (like "2.1.332")'],
    ['[agents.x]\nenv = ["A-B"]\n', '[agents.x] env: "A-B" is not a variable name'],
    ['[agents.x]\nfiles = ["/etc/passwd"]\n', '[agents.x] files: "/etc/passwd" must be a path under ~/ (without ..)'],
    ['[agents.x]\nfiles = ["~/../x"]\n', '[agents.x] files: "~/../x" must be a path under ~/ (without ..)'],
    ['[agents.x]\ncommand = "a b"\n', '[agents.x] command: "a b" is not a program name or path'],
    ['agents = 1\n', 'agents: expected a table, got a number'],
    ['[agents."a b"]\n', "[agents.a b]: agent names use letters, digits, '-' and '_'"],
  ])('%j is an error naming the file, section and key', (text, message) => {
    expect(errorOf(text)).toBe(`${FILE}: ${message}`);
  });
});

describe('how a typed agent starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mng-unit-agent-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in program that prints its arguments, and the script run as the pane runs it (sh, in the working folder).
  mkdirSync(join(dir, 'bin'));
  for (const p of ['claude', 'codex']) {
    writeFileSync(join(dir, 'bin', p), '#!/bin/sh\necho "$0 $*"\n');
    chmodSync(join(dir, 'bin', p), 0o755);
  }
  const start = (script: string, fresh: string, home: string) =>
    execFileSync('sh', ['-c', script.replaceAll('/run/mng/agent-fresh', fresh)], {
      cwd: dir,
      env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, HOME: home },
      encoding: 'utf8',
    }).trim();

  it('claude continues only when its folder has a conversation, and never on a fresh start', () => {
    const t = BUILT_IN_TYPES.claude;
    const script = agentStartScript(t, ['--model', 'opus']);
    const home = join(dir, 'home');
    const fresh = join(dir, 'fresh');
    expect(start(script, fresh, home)).toMatch(/claude --dangerously-skip-permissions --model opus$/);
    const project = join(home, '.claude', 'projects', dir.replace(/[^A-Za-z0-9]/g, '-'));
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'a.jsonl'), '{}\n');
    expect(start(script, fresh, home)).toMatch(/claude --continue --dangerously-skip-permissions --model opus$/);
    writeFileSync(fresh, '');
    expect(start(script, fresh, home)).toMatch(/claude --dangerously-skip-permissions --model opus$/);
    // the mark is used up: the next start continues again
    expect(start(script, fresh, home)).toMatch(/claude --continue /);
    expect(agentCommandLabel(t, ['--model', 'opus'])).toBe('claude --dangerously-skip-permissions --model opus');
    // unattended = false: the mode that asks, after the resume arguments
    expect(start(agentStartScript({ ...t, unattended: false }, []), fresh, home)).toMatch(
      /claude --continue --permission-mode manual$/,
    );
  });

  it('codex resumes its last session (a new one when there is none), unattended or not', () => {
    const home = join(dir, 'home2');
    expect(start(agentStartScript(BUILT_IN_TYPES.codex, []), join(dir, 'f2'), home)).toMatch(
      /codex resume --last --no-daemon --dangerously-bypass-approvals-and-sandbox$/,
    );
    const attended = { ...BUILT_IN_TYPES.codex, unattended: false };
    writeFileSync(join(dir, 'f2'), '');
    expect(start(agentStartScript(attended, []), join(dir, 'f2'), home)).toMatch(
      /codex --no-daemon --ask-for-approval on-request$/,
    );
  });

  it('a type without resume arguments just starts', () => {
    const t = agentTypes({ x: { command: 'claude', args: ['a b'] } }).x;
    expect(start(agentStartScript(t, []), join(dir, 'f3'), dir)).toMatch(/claude a b$/);
  });
});

describe('the agent layer', () => {
  it('tags, folders and CPU names', () => {
    expect(agentLayerTag('mng-prepared:abc-g-u', 'claude', '2.1.332')).toBe('mng-prepared:abc-g-u-claude-2.1.332');
    expect(agentLayerTag('t', 'x', '1.0.0+build')).toBe('t-x-1.0.0_build');
    expect(installDir('codex', '0.171.0')).toBe('/opt/mng/agents/codex-0.171.0');
    expect([npmArch('amd64'), npmArch('arm64'), npmArch('aarch64'), npmArch('s390x')]).toEqual([
      'x64',
      'arm64',
      'arm64',
      's390x',
    ]);
  });

  it('takes each vendor platform package for the image: the version from the wrapper, aliases followed', () => {
    const claude = KITS.claude.install;
    const codex = KITS.codex.install;
    expect(claude.platformKey({ arch: 'x64', libc: 'musl' })).toBe('@anthropic-ai/claude-code-linux-x64-musl');
    expect(codex.platformKey({ arch: 'arm64', libc: 'musl' })).toBe('@openai/codex-linux-arm64');
    const rel = {
      version: '0.171.0',
      optionalDependencies: { '@openai/codex-linux-x64': 'npm:@openai/codex@0.171.0-linux-x64' },
    };
    expect(platformSpec(rel, '@openai/codex-linux-x64')).toBe('@openai/codex@0.171.0-linux-x64');
    expect(platformSpec({ version: '2', optionalDependencies: { a: '2.1.332' } }, 'a')).toBe('a@2.1.332');
    expect(platformSpec(rel, '@openai/codex-linux-s390x')).toBeUndefined();
    expect(codex.files({ arch: 'x64', libc: 'glibc' }).map((f) => f.from)).toEqual([
      'package/vendor/x86_64-unknown-linux-musl/codex-package.json',
      'package/vendor/x86_64-unknown-linux-musl/bin/codex',
      'package/vendor/x86_64-unknown-linux-musl/bin/codex-code-mode-host',
      'package/vendor/x86_64-unknown-linux-musl/codex-path/rg',
    ]);
    expect(tarballName('@openai/codex@0.171.0-linux-x64')).toBe('openai-codex-0.171.0-linux-x64.tgz');
  });

  it("reads npm's answers: one release, an error's summary, never a list of versions", () => {
    expect(parseNpmView('{"version":"1.2.3","optionalDependencies":{"a":"1.2.3"}}', 'p@1.2.3')).toEqual({
      version: '1.2.3',
      optionalDependencies: { a: '1.2.3' },
    });
    expect(() => parseNpmView('[{"version":"1"},{"version":"2"}]', 'p@1')).toThrow('p@1 names 2 versions on npm');
    expect(npmReason('{"error":{"code":"E404","summary":"No match found for version 9"}}', '')).toBe(
      'No match found for version 9',
    );
    expect(npmReason('', 'npm error code E404\nnpm error A complete log of this run can be found in: x')).toBe(
      'code E404',
    );
  });
});

describe("the agent's user", () => {
  it("is the image's own named non-root USER, else agent", () => {
    expect(['', 'root', '0', '0:0', '1000', 'node', 'node:node', 'Bad Name', undefined].map(agentUserOf)).toEqual([
      'agent',
      'agent',
      'agent',
      'agent',
      'agent',
      'node',
      'node',
      'agent',
      'agent',
    ]);
  });

  it('gets sudo and a sudo rule, and a password that is not locked (sshd refuses locked accounts)', () => {
    const d = userDockerfile('mng-prepared:x-g', 'agent');
    expect(d.startsWith('FROM mng-prepared:x-g\nUSER root\nRUN set -e; u=agent;')).toBe(true);
    expect(d).toContain('apt-get install -y -qq --no-install-recommends sudo');
    expect(d).toContain('useradd --create-home --shell "$sh" "$u"');
    expect(d).toContain(`sed -i "s/^$u:![^:]*:/$u:*:/" /etc/shadow`);
    expect(d).toContain('printf \'%s ALL=(ALL) NOPASSWD:ALL\\n\' "$u" > /etc/sudoers.d/mng-agent');
  });
});
