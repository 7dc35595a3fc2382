import { TMUX_FN } from '../../lib/core/agents/user-shell.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDeliverArgs } from '../../lib/docker/agent-args.js';
import { buildExecScriptArgs } from '../../lib/docker/args.js';
import { checkEnv, sshTimeoutFromEnv } from '../../lib/config/env.js';
import { newLines, trimTrailingBlank } from '../../lib/core/terminal/agent-io.js';
import {
  CAPTURE_ALL,
  followWindowScript,
  MESSAGE_SCRIPT,
  parseAgentStatus,
} from '../../lib/core/terminal/tmux-scripts.js';
import { buildCpArgs, checkCpOperands, parseCpOperand } from '../../lib/core/code/cp.js';
import { buildHostContainersArgs, replacementsOf } from '../../lib/core/hosts/rename.js';
import { reuseDifference } from '../../lib/core/create/reuse.js';
import { checkSpacedOptions, spacedOption } from '../../lib/core/create/spaced-args.js';
import { readNames, updateNames, writeNames } from '../../lib/core/hosts/name-cache.js';
import { nameCompletions } from '../../lib/cli/completion.js';

describe('agent scripts', () => {
  it('runs through docker exec as the container user, -i only with stdin', () => {
    expect(buildExecScriptArgs('mng-a', 'true')).toEqual(['exec', 'mng-a', '/bin/sh', '-c', 'true', 'sh']);
    expect(buildExecScriptArgs('mng-a', 'cat', [], { stdin: true })).toEqual([
      'exec',
      '-i',
      'mng-a',
      '/bin/sh',
      '-c',
      'cat',
      'sh',
    ]);
  });

  it("as the agent's user for git (root stays the container's own); a delivery's script on stdin, as --dry-run shows it", () => {
    expect(buildExecScriptArgs('mng-a', 'git', ['/w'], { user: 'agent' })).toEqual([
      'exec',
      '--user',
      'agent',
      'mng-a',
      '/bin/sh',
      '-c',
      'git',
      'sh',
      '/w',
    ]);
    expect(buildExecScriptArgs('mng-a', 'true', [], { user: 'root' })).toEqual(buildExecScriptArgs('mng-a', 'true'));
    const delivery = buildExecScriptArgs('mng-a', 'SECRET SCRIPT', ['agent'], { scriptOnStdin: true });
    expect(delivery).toEqual(buildDeliverArgs('mng-a', 'agent'));
    expect(delivery.join(' ')).not.toContain('SECRET');
  });

  it("captures the whole pane, joined, and a window for follow, on the agent user's tmux server", () => {
    expect(CAPTURE_ALL).toBe(`${TMUX_FN}\ntmux capture-pane -p -J -S - -E - -t agent`);
    expect(followWindowScript(2000)).toContain('capture-pane -p -J -S -2000 -E - -t agent');
  });

  it('pastes literally, then Enter as its own key, then checks for a change', () => {
    const s = MESSAGE_SCRIPT(50);
    const paste = s.indexOf('paste-buffer -p -d');
    const enter = s.indexOf('send-keys -t agent Enter');
    expect(s).toContain('load-buffer -b "$b" -');
    expect(paste).toBeGreaterThan(0);
    expect(enter).toBeGreaterThan(paste);
    expect(s).toContain('-lt 50 ]');
    expect(s).not.toMatch(/send-keys[^\n]*\$/); // the text never goes through send-keys
  });

  it('parses the status line', () => {
    expect(parseAgentStatus('0 12 - 3456\n')).toEqual({ exited: false, exitCode: null, fingerprint: '12:3456' });
    expect(parseAgentStatus('1 12 3 99')).toEqual({ exited: true, exitCode: 3, fingerprint: '12:99' });
    expect(parseAgentStatus('0 0 7 1')).toMatchObject({ exited: true, exitCode: 7 });
    expect(parseAgentStatus('no server running')).toBeUndefined();
  });
});

describe('pane text', () => {
  it('drops trailing blanks and tmux\'s own "Pane is dead" line', () => {
    expect(trimTrailingBlank(['a  ', '', 'b', '', ''])).toEqual(['a', '', 'b']);
    expect(trimTrailingBlank(['x', '', '', 'Pane is dead (status 5, Sat Nov 28 08:21:58 2026)', ''])).toEqual(['x']);
    expect(trimTrailingBlank(['Pane is dead'])).toEqual([]);
  });

  it('finds what is new after what was printed', () => {
    expect(newLines([], ['a', 'b'])).toEqual(['a', 'b']);
    expect(newLines(['a', 'b'], ['a', 'b', 'c'])).toEqual(['c']);
    expect(newLines(['a', 'b'], ['a', 'b'])).toEqual([]);
    // the window moved on: the printed tail is at its start
    expect(newLines(['x', 'a', 'b'], ['b', 'c', 'd'])).toEqual(['c', 'd']);
    // repeated lines: the latest full match wins
    expect(newLines(['ok', 'ok'], ['ok', 'ok', 'ok'])).toEqual([]);
    // screen cleared: everything is new
    expect(newLines(['a', 'b'], ['c'])).toEqual(['c']);
  });
});

describe('cp operands', () => {
  it('reads NAME:PATH as docker cp reads CONTAINER:PATH', () => {
    expect(parseCpOperand('my-agent:/work')).toEqual({ kind: 'agent', name: 'my-agent', path: '/work' });
    expect(parseCpOperand('./a:b')).toEqual({ kind: 'local', path: './a:b' });
    expect(parseCpOperand('/tmp/x:y')).toEqual({ kind: 'local', path: '/tmp/x:y' });
    expect(parseCpOperand('-')).toEqual({ kind: 'local', path: '-' });
    expect(parseCpOperand('rel/dir')).toEqual({ kind: 'local', path: 'rel/dir' });
  });

  it('refuses bad operands with a usage error', () => {
    expect(() => parseCpOperand('a:')).toThrow(/no path after 'a:'/);
    expect(() => parseCpOperand('-x:y')).toThrow(/not an agent name/);
    expect(() => checkCpOperands(parseCpOperand('a:/x'), parseCpOperand('b:/y'))).toThrow(/between two agents/);
    expect(() => checkCpOperands(parseCpOperand('x'), parseCpOperand('y'))).toThrow(/one side must be in an agent/);
  });

  it('builds docker cp with the container name', () => {
    expect(buildCpArgs(['--archive'], parseCpOperand('./src'), parseCpOperand('a:/work'), 'mng-a')).toEqual([
      'cp',
      '--archive',
      './src',
      'mng-a:/work',
    ]);
    expect(buildCpArgs([], parseCpOperand('a:/w/o.txt'), parseCpOperand('.'), 'mng-a')).toEqual([
      'cp',
      'mng-a:/w/o.txt',
      '.',
    ]);
  });

  it('a local path that starts with - is never an option to docker (L12); - alone is the tar stream', () => {
    expect(buildCpArgs([], parseCpOperand('--help'), parseCpOperand('a:/w'), 'mng-a')).toEqual([
      'cp',
      './--help',
      'mng-a:/w',
    ]);
    expect(buildCpArgs([], parseCpOperand('a:/w'), parseCpOperand('-'), 'mng-a')).toEqual(['cp', 'mng-a:/w', '-']);
  });
});

describe('-s / -b values with a space after the option', () => {
  it('finds them', () => {
    expect(spacedOption(['--cpus=2', '-e', 'A=b c'])).toBeUndefined();
    expect(spacedOption(['--env=A=b c'])).toBeUndefined();
    expect(spacedOption(['--cpus 2'])).toEqual({ value: '--cpus 2', name: '--cpus', rest: '2' });
    expect(spacedOption(['-p 8080:80'])).toMatchObject({ name: '-p', rest: '8080:80' });
  });

  it('says how to write them', () => {
    expect(() => checkSpacedOptions('-s', ['--cpus 2'])).toThrow(
      expect.objectContaining({ exitCode: 2, hint: 'write -s --cpus=2 or -s --cpus -s 2' }),
    );
    expect(() => checkSpacedOptions('-b', ['--build-arg A=1'])).toThrow(/^-b "--build-arg A=1"/);
  });
});

describe('create --reuse', () => {
  const host = { id: 'abc', image: 'img:1', startArgs: ['--cpus=2'], tags: { a: '1', b: '2' }, agentCommand: 'bash' };
  it('accepts the same request, tags in any order, agent not given', () => {
    expect(
      reuseDifference(host, { image: 'img:1', startArgs: ['--cpus=2'], tags: { b: '2', a: '1' } }),
    ).toBeUndefined();
  });
  it('names the difference', () => {
    expect(reuseDifference(host, { image: 'img:2', startArgs: ['--cpus=2'], tags: host.tags })).toBe(
      'it runs image img:1, not img:2',
    );
    expect(reuseDifference(host, { image: 'img:1', startArgs: [], tags: host.tags })).toBe(
      'its start args are ["--cpus=2"], not []',
    );
    expect(reuseDifference(host, { image: 'img:1', startArgs: ['--cpus=2'], tags: { a: '1' } })).toBe(
      'its tags are a=1,b=2, not a=1',
    );
    expect(
      reuseDifference(host, { image: 'img:1', startArgs: ['--cpus=2'], tags: host.tags, agentCommand: 'zsh' }),
    ).toBe('its agent is "bash", not "zsh"');
    expect(reuseDifference(host, { image: 'dockerfile', startArgs: [], tags: {} })).toMatch(
      /not one built from a Dockerfile/,
    );
    expect(
      reuseDifference(
        { ...host, image: 'mng-built:abc' },
        { image: 'dockerfile', startArgs: ['--cpus=2'], tags: host.tags },
      ),
    ).toBeUndefined();
  });
});

describe('interrupted rename', () => {
  it("lists the host's containers by label", () => {
    expect(buildHostContainersArgs('mng-', 'a')).toEqual([
      'ps',
      '--all',
      '--no-trunc',
      '--filter',
      'label=mng.prefix=mng-',
      '--filter',
      'label=mng.name=a',
      '--format',
      '{{.Names}}\t{{.Label "mng.provider"}}\t{{.CreatedAt}}',
    ]);
  });
  it('picks the temporary replacements of this provider, newest first', () => {
    const out = [
      'mng-a.new-abc123\tdocker\t2026-01-01 10:00:00 +0000 UTC',
      'mng-a.new-def456\tdocker\t2026-01-01 11:00:00 +0000 UTC',
      'mng-a.new-111111\tother\t2026-01-01 12:00:00 +0000 UTC',
      'mng-ab.new-222222\tdocker\t2026-01-01 12:00:00 +0000 UTC',
      'mng-a\tdocker\t2026-01-01 12:00:00 +0000 UTC',
    ].join('\n');
    expect(replacementsOf(out, 'mng-a', 'docker')).toEqual(['mng-a.new-def456', 'mng-a.new-abc123']);
  });
});

describe('environment variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mng-env-'));
  const file = join(dir, 'file');
  writeFileSync(file, '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('MNG_SSH_TIMEOUT takes seconds or a duration', () => {
    expect(sshTimeoutFromEnv({})).toBe(60);
    expect(sshTimeoutFromEnv({ MNG_SSH_TIMEOUT: '' })).toBe(60);
    expect(sshTimeoutFromEnv({ MNG_SSH_TIMEOUT: '90' })).toBe(90);
    expect(() => sshTimeoutFromEnv({ MNG_SSH_TIMEOUT: 'abc' })).toThrow('environment variable MNG_SSH_TIMEOUT="abc"');
  });

  it('XDG folders must be usable folders', () => {
    expect(() => checkEnv({ XDG_DATA_HOME: dir, XDG_CONFIG_HOME: join(dir, 'not-yet') })).not.toThrow();
    expect(() => checkEnv({ XDG_DATA_HOME: file })).toThrow(
      'environment variable XDG_DATA_HOME="' + file + '": is not a folder',
    );
    expect(() => checkEnv({ XDG_CONFIG_HOME: join(file, 'x') })).toThrow(
      /XDG_CONFIG_HOME=.*a part of the path is a file/,
    );
    expect(() => checkEnv({ XDG_CONFIG_HOME: 'relative/dir' })).toThrow(/must be an absolute path/);
  });
});

describe('completion', () => {
  const names = ['alpha', 'beta', 'alps'];
  it('offers cached names where a command takes an agent name', () => {
    expect(nameCompletions(['exec'], 'al', names)).toEqual(['alpha', 'alps']);
    expect(nameCompletions(['destroy', 'alpha'], '', names)).toEqual(names);
    expect(nameCompletions(['snapshot', 'create'], 'b', names)).toEqual(['beta']);
    expect(nameCompletions(['cp', './x'], 'be', names)).toEqual(['beta:']);
  });
  it('offers none elsewhere', () => {
    expect(nameCompletions([], '', names)).toEqual([]);
    expect(nameCompletions(['create'], '', names)).toEqual([]);
    expect(nameCompletions(['exec'], '-', names)).toEqual([]);
    expect(nameCompletions(['message', 'alpha'], '', names)).toEqual([]);
    expect(nameCompletions(['snapshot'], '', names)).toEqual([]);
  });

  it('keeps names per prefix in one file: list writes it whole, create and destroy append a line each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mng-names-'));
    try {
      expect(readNames(dir, 'p-')).toEqual([]);
      await writeNames(dir, 'p-', ['b', 'a', 'b']);
      expect(readFileSync(join(dir, 'names-p-'), 'utf8')).toBe('a\nb\n');
      await updateNames(dir, 'p-', { add: ['c'], remove: ['a'] });
      expect(readFileSync(join(dir, 'names-p-'), 'utf8')).toBe('a\nb\n+c\n-a\n');
      expect(readNames(dir, 'p-')).toEqual(['b', 'c']);
      expect(readNames(dir, 'q-')).toEqual([]);
      expect(readdirSync(dir)).toEqual(['names-p-']);
      // list: the same names again leave the file as it is (same inode); other names fold the appended lines
      await writeNames(dir, 'p-', ['a', 'b']);
      const before = statSync(join(dir, 'names-p-')).ino;
      await writeNames(dir, 'p-', ['b', 'a']);
      expect(statSync(join(dir, 'names-p-')).ino).toBe(before);
      await writeNames(dir, 'p-', ['c']);
      expect(readFileSync(join(dir, 'names-p-'), 'utf8')).toBe('c\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fifty creates and destroys at once lose none of each other's names", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mng-names-'));
    try {
      await writeNames(dir, 'p-', ['old1', 'old2']);
      const added = Array.from({ length: 50 }, (_, i) => `agent-${i}`);
      await Promise.all([
        ...added.map((n) => updateNames(dir, 'p-', { add: [n] })),
        updateNames(dir, 'p-', { remove: ['old1'] }),
      ]);
      expect(readNames(dir, 'p-')).toEqual([...added, 'old2'].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
