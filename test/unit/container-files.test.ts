import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AGENT_WRAPPER,
  REPAIR_ACCESS_SCRIPT,
  HOST_KEY_LOG_PREFIX,
  hostKeyFromLog,
  imageFiles,
  INIT_SCRIPT,
  initArgs,
  SSHD_CONFIG,
  START_AGENT_SCRIPT,
  systemFiles,
  TMUX_CONF,
  type ContainerFile,
} from '../../lib/core/container/scripts.js';
import {
  AGENT_PROBE,
  AGENT_SESSION,
  agentCommandLine,
  CONNECT_COMMAND,
  execCommandLine,
  parseAgentProbe,
} from '../../lib/core/container/agent.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummyDummyDummyDummyDummyDummyDummyDumm mng-client';
const HOST_PUB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOST+/x= mng host';

function byPath(files: ContainerFile[]): Record<string, ContainerFile> {
  return Object.fromEntries(files.map((f) => [f.path, f]));
}

/** Run a shell script line with a local sh, return stdout split on NUL (the words printf got). */
function runSh(line: string): string[] {
  const out = execFileSync('sh', ['-c', line], {
    encoding: 'utf8',
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' },
  });
  return out.split('\0').slice(0, -1);
}

describe('agentCommandLine', () => {
  it('quotes a program and its arguments', () => {
    expect(agentCommandLine({ kind: 'program', program: 'claude', args: [] })).toBe('claude');
    expect(
      agentCommandLine({ kind: 'program', program: 'claude', args: ['--model', 'opus', 'say "hi"; rm -rf /'] }),
    ).toBe(`claude --model opus 'say "hi"; rm -rf /'`);
  });

  it('uses a whole command line as given', () => {
    expect(agentCommandLine({ kind: 'command', command: 'cd /src && npm run dev | tee log' })).toBe(
      'cd /src && npm run dev | tee log',
    );
  });

  it('starts bash when there is one, else sh, for a shell agent', () => {
    expect(agentCommandLine({ kind: 'shell' })).toBe(
      'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi',
    );
  });

  it('gives program arguments back unchanged through a real sh', () => {
    const args = ['a b', "it's", '$HOME', 'x;y', ''];
    expect(runSh(agentCommandLine({ kind: 'program', program: 'printf', args: ['%s\\0', ...args] }))).toEqual(args);
  });
});

describe('the files in /mng', () => {
  it('bakes the seven fixed files into the image with their modes: no key, no authorized key, nothing of one host', () => {
    expect(imageFiles().map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ['init', '755'],
      ['start-agent', '755'],
      ['agent', '755'],
      ['watch', '755'],
      ['idle-health', '755'],
      ['sshd_config', '644'],
      ['tmux.conf', '644'],
    ]);
    const f = byPath(imageFiles());
    expect(f.init.content).toBe(INIT_SCRIPT);
    expect(f['start-agent'].content).toBe(START_AGENT_SCRIPT);
    expect(f.sshd_config.content).toBe(SSHD_CONFIG);
    expect(f['tmux.conf'].content).toBe(TMUX_CONF);
    expect(f.agent.content).toBe(AGENT_WRAPPER);
    for (const file of imageFiles()) expect(file.content).not.toMatch(/PRIVATE KEY|ssh-ed25519 AAAA/);
  });

  it('start --snapshot copies the fixed files and the authorized key (trimmed, 0644: sshd reads it as the agent user), not the host key', () => {
    const files = systemFiles({ authorizedKey: `\n  ${KEY}  \n\n` });
    const fixed = imageFiles().length;
    expect(files.slice(0, fixed)).toEqual(imageFiles());
    expect(files.slice(fixed)).toEqual([{ path: 'authorized_keys', content: `${KEY}\n`, mode: 0o644 }]);
  });

  it('uses relative paths only (they go under /mng)', () => {
    for (const f of systemFiles({ authorizedKey: KEY })) expect(f.path).not.toMatch(/^\/|\.\./);
  });
});

const HOST_ID = '0123456789abcdef';

describe("initArgs: the host's own public files, as arguments of the init script", () => {
  it('execs a program agent and records the program for the PATH check', () => {
    expect(
      initArgs({
        hostId: HOST_ID,
        agent: { kind: 'program', program: 'claude', args: ['--model', 'opus max'] },
        authorizedKey: ` ${KEY}\n`,
      }),
    ).toEqual([
      '--host-id',
      HOST_ID,
      '--authorized-key',
      KEY,
      '--agent-bin',
      'claude',
      '--agent-cmd',
      "exec claude --model 'opus max'",
    ]);
  });

  it('runs a command agent as a script line, with no program to check', () => {
    expect(
      initArgs({ hostId: HOST_ID, agent: { kind: 'command', command: 'npm start; bash' }, authorizedKey: KEY }).slice(
        4,
      ),
    ).toEqual(['--agent-bin', '', '--agent-cmd', 'npm start; bash']);
  });

  it('runs a shell agent with no program to check', () => {
    expect(initArgs({ hostId: HOST_ID, agent: { kind: 'shell' }, authorizedKey: KEY }).slice(4)).toEqual([
      '--agent-bin',
      '',
      '--agent-cmd',
      'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi',
    ]);
  });
});

describe('hostKeyFromLog', () => {
  it('takes the key (without its comment) from the line the init script writes', () => {
    expect(hostKeyFromLog(`${HOST_KEY_LOG_PREFIX}${HOST_PUB}\nmng: something else\n`)).toBe(
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOST+/x=',
    );
    expect(hostKeyFromLog(`${HOST_KEY_LOG_PREFIX}ssh-ed25519 AAAAC3\r\n`)).toBe('ssh-ed25519 AAAAC3');
  });

  it('only the first such line counts, and a garbled one is no key', () => {
    expect(hostKeyFromLog(`${HOST_KEY_LOG_PREFIX}ssh-rsa AAAA\n${HOST_KEY_LOG_PREFIX}${HOST_PUB}\n`)).toBeUndefined();
    expect(hostKeyFromLog(`${HOST_KEY_LOG_PREFIX}ssh-ed25519 AAAA;rm\n`)).toBeUndefined();
    expect(hostKeyFromLog(`${HOST_KEY_LOG_PREFIX}${HOST_PUB}\n${HOST_KEY_LOG_PREFIX}ssh-ed25519 OTHER\n`)).toBe(
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOST+/x=',
    );
  });

  it('nothing before the init script made the key', () => {
    expect(hostKeyFromLog('')).toBeUndefined();
    expect(hostKeyFromLog(`sshd: ${HOST_KEY_LOG_PREFIX}${HOST_PUB}\n`)).toBeUndefined();
  });
});

describe("the init script's first boot, run by a local sh in a folder standing for /mng", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mng-init-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The script up to where it starts the agent (no tmux, sshd or /run here), with /mng and /run/mng moved into `dir`. */
  const firstBoot = (args: string[], env: Record<string, string> = {}) => {
    const upTo = INIT_SCRIPT.slice(0, INIT_SCRIPT.indexOf('pwd > /run/mng/workdir'));
    const script = upTo.replaceAll('/run/', `${dir}/run/`).replaceAll('/mng/', `${dir}/mng/`);
    mkdirSync(join(dir, 'mng'), { recursive: true });
    return execFileSync('/bin/sh', ['-c', script, 'init', ...args], {
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, ...env },
    });
  };
  const read = (name: string) => readFileSync(join(dir, 'mng', name), 'utf8');

  it('writes the files from its arguments, makes the host key, and logs the public half once', () => {
    const out = firstBoot(
      initArgs({ hostId: HOST_ID, agent: { kind: 'program', program: 'claude', args: ["it's"] }, authorizedKey: KEY }),
    );
    expect(read('host-id')).toBe(`${HOST_ID}\n`);
    expect(read('authorized_keys')).toBe(`${KEY}\n`);
    expect(statSync(join(dir, 'mng', 'authorized_keys')).mode & 0o777).toBe(0o644);
    expect(read('agent-bin')).toBe('claude');
    expect(read('agent-cmd')).toBe("exec claude 'it'\\''s'\n");
    expect(statSync(join(dir, 'mng', 'ssh_host_ed25519_key')).mode & 0o777).toBe(0o600);
    const pub = read('ssh_host_ed25519_key.pub').trim();
    expect(hostKeyFromLog(out)).toBe(pub.split(' ').slice(0, 2).join(' '));

    // the next boot (a restart: the same arguments; a snapshot's container: none) keeps what is there and logs nothing
    const other = ['--authorized-key', 'ssh-ed25519 OTHER', '--agent-bin', 'x', '--agent-cmd', 'x'];
    expect(firstBoot(['--host-id', HOST_ID, ...other])).toBe('');
    expect(firstBoot(other)).toBe('');
    expect(read('authorized_keys')).toBe(`${KEY}\n`);
    expect(read('agent-bin')).toBe('claude');
    expect(read('ssh_host_ed25519_key.pub').trim()).toBe(pub);
  });

  it('replaces a /mng made for another host (L4: an image that ships its keys): host key, authorized keys, agent', () => {
    firstBoot(initArgs({ hostId: 'aaaaaaaaaaaaaaaa', agent: { kind: 'shell' }, authorizedKey: 'ssh-ed25519 BAKED' }));
    const baked = read('ssh_host_ed25519_key.pub');
    const out = firstBoot(
      initArgs({ hostId: HOST_ID, agent: { kind: 'command', command: 'make' }, authorizedKey: KEY }),
    );
    expect(read('ssh_host_ed25519_key.pub')).not.toBe(baked);
    expect(hostKeyFromLog(out)).toBe(read('ssh_host_ed25519_key.pub').trim().split(' ').slice(0, 2).join(' '));
    expect(read('authorized_keys')).toBe(`${KEY}\n`);
    expect(read('agent-cmd')).toBe('make\n');
    expect(read('host-id')).toBe(`${HOST_ID}\n`);
  });

  it('without arguments (a container from a snapshot) it writes no agent files', () => {
    firstBoot([]);
    expect(existsSync(join(dir, 'mng', 'agent-cmd'))).toBe(false);
    expect(existsSync(join(dir, 'mng', 'ssh_host_ed25519_key'))).toBe(true);
  });

  it('stops with a one-line reason when it cannot make the key (an image without ssh-keygen)', () => {
    let failure: { status: number; stderr: string } | undefined;
    try {
      firstBoot([], { PATH: join(dir, 'empty') });
    } catch (e) {
      failure = e as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr.trim().split('\n').pop()).toMatch(
      /^mng: could not make the host's ssh key: .*ssh-keygen.*not found/,
    );
  });
});

describe('the fixed scripts', () => {
  it('are valid POSIX sh (sh -n)', () => {
    for (const script of [
      INIT_SCRIPT,
      START_AGENT_SCRIPT,
      AGENT_WRAPPER,
      CONNECT_COMMAND,
      AGENT_PROBE,
      REPAIR_ACCESS_SCRIPT,
      execCommandLine(['ls']),
    ]) {
      expect(() => execFileSync('sh', ['-n', '-c', script])).not.toThrow();
    }
  });

  it.skipIf(!existsSync('/usr/sbin/sshd'))(
    "sshd reads mng's configuration as meant (sshd -T): a short login grace, random early drop past 256 (L8)",
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'mng-sshd-'));
      try {
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
        const config = SSHD_CONFIG.replace('/mng/ssh_host_ed25519_key', join(dir, 'key'))
          .replace('/mng/authorized_keys', join(dir, 'authorized_keys'))
          .replace('/run/mng/sshd.pid', join(dir, 'pid'));
        writeFileSync(join(dir, 'sshd_config'), config);
        const t = execFileSync('/usr/sbin/sshd', ['-T', '-f', join(dir, 'sshd_config')], { encoding: 'utf8' });
        expect(t).toMatch(/^logingracetime 20$/m);
        expect(t).toMatch(/^maxstartups 256:30:512$/m);
        expect(t).toMatch(/^maxsessions 256$/m);
        expect(t).toMatch(/^passwordauthentication no$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

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
      const out = execFileSync('sh', ['-c', script], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
      });
      return parseAgentProbe(out);
    };

    it('running', () => expect(probe({ status: 'started\n', session: true })).toEqual({ state: 'running' }));
    it('exited with its status', () =>
      expect(probe({ status: 'started\n', exit: '7\n' })).toEqual({ state: 'exited', exitCode: 7 }));
    it('exited, the session gone without a status', () =>
      expect(probe({ status: 'started\n' })).toEqual({ state: 'exited', exitCode: null }));
    it('missing program', () =>
      expect(probe({ status: 'missing claude\n' })).toEqual({ state: 'missing', program: 'claude' }));
    it("waits for the agent's status: sshd answers while the init script still starts the agent", () => {
      const status = join(dir, 'run', 'agent-status');
      const script =
        `(sleep 0.3; echo started > ${status}; touch ${join(dir, 'session')}) & ` +
        AGENT_PROBE.replaceAll('/run/mng/', `${join(dir, 'run')}/`);
      const out = execFileSync('sh', ['-c', script], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
      });
      expect(parseAgentProbe(out)).toEqual({ state: 'running' });
    });
    it('unknown when no status comes (here a sleep without fractions, where it does not wait)', () => {
      writeFileSync(join(dir, 'bin', 'sleep'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
      expect(probe({})).toEqual({ state: 'unknown' });
    });
    it("unknown when the agent's session could not start", () =>
      expect(probe({ status: 'failed\n' })).toEqual({ state: 'unknown' }));
  });
});

describe('execCommandLine', () => {
  it('changes to the agent workdir, then execs the quoted argv', () => {
    expect(execCommandLine(['make', 'test'])).toBe(
      'cd "$(cat /run/mng/workdir 2>/dev/null || echo ~)" 2>/dev/null; exec make test',
    );
    expect(execCommandLine(['sh', '-c', 'echo $HOME; ls'])).toBe(
      `cd "$(cat /run/mng/workdir 2>/dev/null || echo ~)" 2>/dev/null; exec sh -c 'echo $HOME; ls'`,
    );
  });

  it('quotes awkward arguments so a real sh passes them through unchanged', () => {
    const args = ['two words', "it's", '"dq"', '$HOME', '$(id)', 'a;b', 'a && b', '*', '', 'new\nline'];
    expect(runSh(execCommandLine(['printf', '%s\\0', ...args]))).toEqual(args);
  });

  it('falls back to the home directory when there is no workdir file', () => {
    // where /run/mng/workdir does not exist (not inside an mng host), the command runs in $HOME (/tmp here); inside one,
    // in the folder that file names
    const workdir = existsSync('/run/mng/workdir') ? readFileSync('/run/mng/workdir', 'utf8').trim() : '/tmp';
    expect(runSh(execCommandLine(['sh', '-c', 'printf "%s\\0" "$PWD"']))).toEqual([workdir]);
  });
});
