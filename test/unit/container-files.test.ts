import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AGENT_PROBE,
  AGENT_SESSION,
  AGENT_WRAPPER,
  REPAIR_ACCESS_SCRIPT,
  agentCommandLine,
  CONNECT_COMMAND,
  containerFiles,
  execCommandLine,
  INIT_SCRIPT,
  parseAgentProbe,
  SSHD_CONFIG,
  START_AGENT_SCRIPT,
  TMUX_CONF,
  type ContainerFile,
} from '../../lib/core/container-files.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummyDummyDummyDummyDummyDummyDummyDumm mng-client';
const HOST_PUB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOST mng host';
const HOST_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';

function byPath(files: ContainerFile[]): Record<string, ContainerFile> {
  return Object.fromEntries(files.map((f) => [f.path, f]));
}

/** Run a shell script line with a local sh, return stdout split on NUL (the words printf got). */
function runSh(line: string): string[] {
  const out = execFileSync('sh', ['-c', line], { encoding: 'utf8', cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' } });
  return out.split('\0').slice(0, -1);
}

describe('agentCommandLine', () => {
  it('quotes a program and its arguments', () => {
    expect(agentCommandLine({ kind: 'program', program: 'claude', args: [] })).toBe('claude');
    expect(agentCommandLine({ kind: 'program', program: 'claude', args: ['--model', 'opus', 'say "hi"; rm -rf /'] })).toBe(
      `claude --model opus 'say "hi"; rm -rf /'`,
    );
  });

  it('uses a whole command line as given', () => {
    expect(agentCommandLine({ kind: 'command', command: 'cd /src && npm run dev | tee log' })).toBe('cd /src && npm run dev | tee log');
  });

  it('starts bash when there is one, else sh, for a shell agent', () => {
    expect(agentCommandLine({ kind: 'shell' })).toBe('if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi');
  });

  it('gives program arguments back unchanged through a real sh', () => {
    const args = ['a b', "it's", '$HOME', 'x;y', ''];
    expect(runSh(agentCommandLine({ kind: 'program', program: 'printf', args: ['%s\\0', ...args] }))).toEqual(args);
  });
});

describe('containerFiles', () => {
  it('writes the twelve files with their modes; keys are 0600, scripts 0755', () => {
    const files = containerFiles({ agent: { kind: 'shell' }, authorizedKey: KEY, hostKey: { privateKey: HOST_KEY, publicKey: HOST_PUB } });
    expect(files.map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ['init', '755'],
      ['start-agent', '755'],
      ['agent', '755'],
      ['idle-watch', '755'],
      ['idle-health', '755'],
      ['sshd_config', '644'],
      ['tmux.conf', '644'],
      ['authorized_keys', '600'],
      ['ssh_host_ed25519_key', '600'],
      ['ssh_host_ed25519_key.pub', '644'],
      ['agent-cmd', '755'],
      ['agent-bin', '644'],
    ]);
  });

  it('puts the fixed scripts and configs in as they are', () => {
    const f = byPath(containerFiles({ agent: { kind: 'shell' }, authorizedKey: KEY, hostKey: { privateKey: HOST_KEY, publicKey: HOST_PUB } }));
    expect(f.init.content).toBe(INIT_SCRIPT);
    expect(f['start-agent'].content).toBe(START_AGENT_SCRIPT);
    expect(f.sshd_config.content).toBe(SSHD_CONFIG);
    expect(f['tmux.conf'].content).toBe(TMUX_CONF);
    expect(f.agent.content).toBe(AGENT_WRAPPER);
  });

  it('writes the authorized key trimmed, with one final newline, and the host key pair verbatim', () => {
    const f = byPath(containerFiles({ agent: { kind: 'shell' }, authorizedKey: `\n  ${KEY}  \n\n`, hostKey: { privateKey: HOST_KEY, publicKey: HOST_PUB } }));
    expect(f.authorized_keys.content).toBe(`${KEY}\n`);
    expect(f.ssh_host_ed25519_key.content).toBe(HOST_KEY);
    expect(f['ssh_host_ed25519_key.pub'].content).toBe(`${HOST_PUB}\n`);
  });

  it('execs a program agent and records the program for the PATH check', () => {
    const f = byPath(containerFiles({ agent: { kind: 'program', program: 'claude', args: ['--model', 'opus max'] }, authorizedKey: KEY, hostKey: { privateKey: HOST_KEY, publicKey: HOST_PUB } }));
    expect(f['agent-cmd'].content).toBe("exec claude --model 'opus max'\n");
    expect(f['agent-bin'].content).toBe('claude');
  });

  it('runs a command agent as a script line, with no program to check', () => {
    const f = byPath(containerFiles({ agent: { kind: 'command', command: 'npm start; bash' }, authorizedKey: KEY, hostKey: { privateKey: HOST_KEY, publicKey: HOST_PUB } }));
    expect(f['agent-cmd'].content).toBe('npm start; bash\n');
    expect(f['agent-bin'].content).toBe('');
  });

  it('runs a shell agent with no program to check', () => {
    const f = byPath(containerFiles({ agent: { kind: 'shell' }, authorizedKey: KEY, hostKey: { privateKey: HOST_KEY, publicKey: HOST_PUB } }));
    expect(f['agent-cmd'].content).toBe('if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi\n');
    expect(f['agent-bin'].content).toBe('');
  });

  it('uses relative paths only (they go under /mng)', () => {
    for (const f of containerFiles({ agent: { kind: 'shell' }, authorizedKey: KEY, hostKey: { privateKey: HOST_KEY, publicKey: HOST_PUB } })) {
      expect(f.path).not.toMatch(/^\/|\.\./);
    }
  });
});

describe('the fixed scripts', () => {
  it('are valid POSIX sh (sh -n)', () => {
    for (const script of [INIT_SCRIPT, START_AGENT_SCRIPT, AGENT_WRAPPER, CONNECT_COMMAND, AGENT_PROBE, REPAIR_ACCESS_SCRIPT, execCommandLine(['ls'])]) {
      expect(() => execFileSync('sh', ['-n', '-c', script])).not.toThrow();
    }
  });

  it('point at /mng and the agent tmux session', () => {
    expect(AGENT_SESSION).toBe('agent');
    expect(INIT_SCRIPT).toContain('sh /mng/start-agent');
    expect(INIT_SCRIPT).toContain('-f /mng/sshd_config');
    expect(INIT_SCRIPT).toMatch(/^trap 'exit 0' TERM INT$/m);
    expect(START_AGENT_SCRIPT).toContain('tmux has-session -t agent');
    expect(SSHD_CONFIG).toMatch(/^HostKey \/mng\/ssh_host_ed25519_key$/m);
    expect(SSHD_CONFIG).toMatch(/^AuthorizedKeysFile \/mng\/authorized_keys$/m);
    expect(SSHD_CONFIG).toMatch(/^PasswordAuthentication no$/m);
    expect(CONNECT_COMMAND).toBe('sh /mng/start-agent; exec tmux attach-session -t agent');
  });
});

describe('parseAgentProbe', () => {
  it('running: the session is there and no exit was recorded', () => {
    expect(parseAgentProbe('started\nsession\n')).toEqual({ state: 'running' });
    expect(parseAgentProbe('started\nsession')).toEqual({ state: 'running' });
  });

  it('exited with a status: the wrapper recorded it', () => {
    expect(parseAgentProbe('started\nexit 3\nsession\n')).toEqual({ state: 'exited', exitCode: 3 });
    expect(parseAgentProbe('started\nexit 0\n')).toEqual({ state: 'exited', exitCode: 0 });
  });

  it('exited without a status: a garbled exit file, or started but no session left', () => {
    expect(parseAgentProbe('started\nexit \nsession\n')).toEqual({ state: 'exited', exitCode: null });
    expect(parseAgentProbe('started\n')).toEqual({ state: 'exited', exitCode: null });
  });

  it('missing program: the PATH check failed', () => {
    expect(parseAgentProbe('missing claude\n')).toEqual({ state: 'missing', program: 'claude' });
    expect(parseAgentProbe('missing /opt/my tool/bin\n')).toEqual({ state: 'missing', program: '/opt/my tool/bin' });
  });

  it('unknown: nothing useful came back', () => {
    expect(parseAgentProbe('')).toEqual({ state: 'unknown' });
    expect(parseAgentProbe('\n\n')).toEqual({ state: 'unknown' });
    expect(parseAgentProbe('garbage\n')).toEqual({ state: 'unknown' });
  });

  it('reads the lines AGENT_PROBE asks for', () => {
    expect(AGENT_PROBE).toContain('cat /run/mng/agent-status');
    expect(AGENT_PROBE).toContain('echo "exit $(cat /run/mng/agent-exit)"');
    expect(AGENT_PROBE).toContain('tmux has-session -t agent 2>/dev/null && echo session');
  });

  describe('the real AGENT_PROBE, run by a local sh against fake state files and a fake tmux', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'mng-probe-'));
      mkdirSync(join(dir, 'run'));
      mkdirSync(join(dir, 'bin'));
      // tmux has-session succeeds when the file `session` exists
      writeFileSync(join(dir, 'bin', 'tmux'), `#!/bin/sh\ntest -f ${join(dir, 'session')}\n`, { mode: 0o755 });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const probe = (state: { status?: string; exit?: string; session?: boolean }) => {
      if (state.status !== undefined) writeFileSync(join(dir, 'run', 'agent-status'), state.status);
      if (state.exit !== undefined) writeFileSync(join(dir, 'run', 'agent-exit'), state.exit);
      if (state.session) writeFileSync(join(dir, 'session'), '');
      const script = AGENT_PROBE.replaceAll('/run/mng/', `${join(dir, 'run')}/`);
      expect(script).not.toBe(AGENT_PROBE);
      const out = execFileSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` } });
      return parseAgentProbe(out);
    };

    it('running', () => expect(probe({ status: 'started\n', session: true })).toEqual({ state: 'running' }));
    it('exited with its status', () => expect(probe({ status: 'started\n', exit: '7\n' })).toEqual({ state: 'exited', exitCode: 7 }));
    it('exited, the session gone without a status', () => expect(probe({ status: 'started\n' })).toEqual({ state: 'exited', exitCode: null }));
    it('missing program', () => expect(probe({ status: 'missing claude\n' })).toEqual({ state: 'missing', program: 'claude' }));
    it('unknown before the agent starts', () => expect(probe({})).toEqual({ state: 'unknown' }));
  });
});

describe('execCommandLine', () => {
  it('changes to the agent workdir, then execs the quoted argv', () => {
    expect(execCommandLine(['make', 'test'])).toBe('cd "$(cat /run/mng/workdir 2>/dev/null || echo ~)" 2>/dev/null; exec make test');
    expect(execCommandLine(['sh', '-c', 'echo $HOME; ls'])).toBe(
      `cd "$(cat /run/mng/workdir 2>/dev/null || echo ~)" 2>/dev/null; exec sh -c 'echo $HOME; ls'`,
    );
  });

  it('quotes awkward arguments so a real sh passes them through unchanged', () => {
    const args = ['two words', "it's", '"dq"', '$HOME', '$(id)', 'a;b', 'a && b', '*', '', 'new\nline'];
    expect(runSh(execCommandLine(['printf', '%s\\0', ...args]))).toEqual(args);
  });

  it.skipIf(existsSync('/run/mng/workdir'))('falls back to the home directory when there is no workdir file', () => {
    // locally /run/mng/workdir does not exist, so the command runs in $HOME (/tmp here)
    expect(runSh(execCommandLine(['sh', '-c', 'printf "%s\\0" "$PWD"']))).toEqual(['/tmp']);
  });
});
