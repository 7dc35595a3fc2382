import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  buildMasterCheckArgs,
  buildSshArgs,
  isAccessMismatch,
  isDroppedHandshake,
  knownHostsLine,
  sshOptions,
  sshReason,
} from '../../lib/ssh/args.js';

const FILES = {
  identityFile: '/data/mng/keys/client/id_ed25519',
  knownHostsFile: '/data/mng/hosts/mng-a/known_hosts',
  hostKeyAlias: 'mng-a',
};
const EP = { user: 'root', host: '127.0.0.1', port: 49153 };

const COMMON = [
  '-F',
  '/dev/null',
  '-o',
  'IdentityFile=/data/mng/keys/client/id_ed25519',
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'UserKnownHostsFile=/data/mng/hosts/mng-a/known_hosts',
  '-o',
  'StrictHostKeyChecking=yes',
  '-o',
  'HostKeyAlias=mng-a',
  '-o',
  'ForwardAgent=no',
  '-o',
  'ForwardX11=no',
  '-o',
  'ForwardX11Trusted=no',
  '-o',
  'AddKeysToAgent=no',
  '-o',
  'PermitLocalCommand=no',
  '-o',
  'ServerAliveInterval=15',
  '-o',
  'ServerAliveCountMax=3',
  '-o',
  'LogLevel=ERROR',
];

// Under `npm test` (MNG_TESTBED_CHECK_BARE=1, the test bed installs the ssh client) a missing ssh fails these tests
// instead of skipping them.
const hasSsh = spawnSync('ssh', ['-V']).status === 0 || process.env.MNG_TESTBED_CHECK_BARE === '1';

/** `ssh -G` resolves the options without connecting: what ssh would really use. */
function sshResolved(args: string[]): Map<string, string> {
  const out = execFileSync('ssh', ['-G', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(' ');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

describe('sshOptions', () => {
  it("pins the host's own key under its alias, strictly", () => {
    expect(sshOptions(FILES)).toEqual({
      IdentityFile: '/data/mng/keys/client/id_ed25519',
      IdentitiesOnly: 'yes',
      UserKnownHostsFile: '/data/mng/hosts/mng-a/known_hosts',
      StrictHostKeyChecking: 'yes',
      HostKeyAlias: 'mng-a',
      ForwardAgent: 'no',
      ForwardX11: 'no',
      ForwardX11Trusted: 'no',
      AddKeysToAgent: 'no',
      PermitLocalCommand: 'no',
      ServerAliveInterval: '15',
      ServerAliveCountMax: '3',
      LogLevel: 'ERROR',
    });
  });
});

describe('buildSshArgs', () => {
  it('defaults: no tty (-T), no batch mode, no timeout, no remote command', () => {
    expect(buildSshArgs(EP, FILES, undefined)).toEqual([
      ...COMMON,
      '-T',
      '-l',
      'root',
      '-p',
      '49153',
      '--',
      '127.0.0.1',
    ]);
  });

  it('tty: -t and the remote command after --', () => {
    expect(buildSshArgs(EP, FILES, 'sh /mng/start-agent; exec tmux attach-session -t agent', { tty: true })).toEqual([
      ...COMMON,
      '-t',
      '-l',
      'root',
      '-p',
      '49153',
      '--',
      '127.0.0.1',
      'sh /mng/start-agent; exec tmux attach-session -t agent',
    ]);
  });

  it('batch: BatchMode=yes after the shared options', () => {
    expect(buildSshArgs(EP, FILES, 'true', { batch: true })).toEqual([
      ...COMMON,
      '-o',
      'BatchMode=yes',
      '-T',
      '-l',
      'root',
      '-p',
      '49153',
      '--',
      '127.0.0.1',
      'true',
    ]);
  });

  it('timeout: ConnectTimeout in seconds', () => {
    expect(buildSshArgs(EP, FILES, 'true', { connectTimeoutSeconds: 5 })).toEqual([
      ...COMMON,
      '-o',
      'ConnectTimeout=5',
      '-T',
      '-l',
      'root',
      '-p',
      '49153',
      '--',
      '127.0.0.1',
      'true',
    ]);
  });

  it('batch and timeout together, batch first', () => {
    expect(
      buildSshArgs({ user: 'dev', host: '10.0.0.7', port: 2222 }, FILES, 'echo ok', {
        batch: true,
        connectTimeoutSeconds: 10,
        tty: false,
      }),
    ).toEqual([
      ...COMMON,
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-T',
      '-l',
      'dev',
      '-p',
      '2222',
      '--',
      '10.0.0.7',
      'echo ok',
    ]);
  });

  it('a zero timeout means none', () => {
    expect(buildSshArgs(EP, FILES, undefined, { connectTimeoutSeconds: 0 })).not.toContain('ConnectTimeout=0');
  });

  it('an empty remote command is still passed (after -- and the host)', () => {
    expect(buildSshArgs(EP, FILES, '').slice(-3)).toEqual(['--', '127.0.0.1', '']);
  });

  it('a user or host that looks like an option is never read as one (H1): -l USER, and the host after --', () => {
    const evil = { user: '-oProxyCommand=touch /tmp/x', host: '-oProxyCommand=touch /tmp/y', port: 22 };
    const args = buildSshArgs(evil, FILES, 'true');
    expect(args.slice(-6)).toEqual(['-l', evil.user, '-p', '22', '--', evil.host, 'true'].slice(-6));
    expect(args.indexOf('--')).toBe(args.indexOf(evil.host) - 1);
  });

  it("escapes % where ssh expands tokens (a data folder's path, a ProxyCommand), keeping ControlPath's %C", () => {
    const files = { ...FILES, identityFile: '/d/50%/id', knownHostsFile: '/d/%h/known_hosts' };
    const args = buildSshArgs({ ...EP, proxyCommand: 'env DOCKER_HOST=tcp://a%20b docker exec -i c sh' }, files, 'x', {
      control: { path: '/s%x/%C', master: 'auto' },
    });
    expect(args).toContain('IdentityFile=/d/50%%/id');
    expect(args).toContain('UserKnownHostsFile=/d/%%h/known_hosts');
    expect(args).toContain('ProxyCommand=env DOCKER_HOST=tcp://a%%20b docker exec -i c sh');
    expect(args).toContain('ControlPath=/s%%x/%C');
  });

  it('double-quotes option values with spaces so ssh reads one path, not several words', () => {
    const files = {
      ...FILES,
      identityFile: '/home/Jo Doe/.local/share/mng/keys/client/id_ed25519',
      knownHostsFile: '/home/Jo Doe/.local/share/mng/known_hosts',
    };
    const args = buildSshArgs(EP, files, undefined);
    expect(args).toContain('IdentityFile="/home/Jo Doe/.local/share/mng/keys/client/id_ed25519"');
    expect(args).toContain('UserKnownHostsFile="/home/Jo Doe/.local/share/mng/known_hosts"');
  });

  describe.skipIf(!hasSsh)('as read by the real ssh (ssh -G, no connection)', () => {
    it("resolves to mng's files, port, user and strict checking", () => {
      const cfg = sshResolved(buildSshArgs(EP, FILES, 'true', { batch: true, connectTimeoutSeconds: 7 }));
      expect(cfg.get('user')).toBe('root');
      expect(cfg.get('hostname')).toBe('127.0.0.1');
      expect(cfg.get('port')).toBe('49153');
      expect(cfg.get('identityfile')).toBe(FILES.identityFile);
      expect(cfg.get('userknownhostsfile')).toBe(FILES.knownHostsFile);
      expect(cfg.get('stricthostkeychecking')).toBe('true');
      expect(cfg.get('hostkeyalias')).toBe('mng-a');
      expect(cfg.get('batchmode')).toBe('yes');
      expect(cfg.get('connecttimeout')).toBe('7');
      expect(cfg.get('forwardagent')).toBe('no');
      expect(cfg.get('serveraliveinterval')).toBe('15');
    });

    it('a host that looks like an option is a host name to ssh, which refuses it (H1)', () => {
      const evil = { user: 'root', host: '-oProxyCommand=touch /tmp/mng-never', port: 22 };
      const r = spawnSync('ssh', ['-G', ...buildSshArgs(evil, FILES, 'true')], { encoding: 'utf8' });
      expect(r.status).toBe(255);
      expect(r.stderr).toMatch(/hostname contains invalid characters/);
    });

    it('escaped % reads back as the path it is', () => {
      const files = { ...FILES, knownHostsFile: '/d/%h/known_hosts' };
      expect(sshResolved(buildSshArgs(EP, files, undefined)).get('userknownhostsfile')).toBe('/d/%h/known_hosts');
    });

    it('accepts paths with spaces', () => {
      const files = { ...FILES, identityFile: '/tmp/Jo Doe/id_ed25519', knownHostsFile: '/tmp/Jo Doe/known_hosts' };
      const cfg = sshResolved(buildSshArgs(EP, files, undefined));
      expect(cfg.get('identityfile')).toBe('/tmp/Jo Doe/id_ed25519');
      expect(cfg.get('userknownhostsfile')).toBe('/tmp/Jo Doe/known_hosts');
    });
  });
});

describe('connection sharing', () => {
  const control = { path: '/d/mng/sockets/%C', master: 'auto' as const, persistSeconds: 60 };
  it('adds ControlMaster, ControlPath and ControlPersist before the call options', () => {
    expect(buildSshArgs(EP, FILES, 'true', { batch: true, control })).toEqual([
      ...COMMON,
      '-o',
      'ControlMaster=auto',
      '-o',
      'ControlPath=/d/mng/sockets/%C',
      '-o',
      'ControlPersist=60s',
      '-o',
      'BatchMode=yes',
      '-T',
      '-l',
      'root',
      '-p',
      '49153',
      '--',
      '127.0.0.1',
      'true',
    ]);
  });
  it('checks for a live master without connecting', () => {
    expect(buildMasterCheckArgs(EP, '/d/s/%C')).toEqual([
      '-F',
      '/dev/null',
      '-o',
      'ControlPath=/d/s/%C',
      '-O',
      'check',
      '-l',
      'root',
      '-p',
      '49153',
      '--',
      '127.0.0.1',
    ]);
  });
  it.skipIf(!hasSsh)('is what the real ssh resolves', () => {
    const cfg = sshResolved(buildSshArgs(EP, FILES, 'true', { control }));
    expect(cfg.get('controlmaster')).toBe('auto');
    expect(cfg.get('controlpath')).toMatch(/^\/d\/mng\/sockets\/[0-9a-f]{40}$/); // %C: 40 hex digits, so the socket path length is known
    expect(cfg.get('controlpersist')).toBe('60');
  });
});

describe('reading ssh failures', () => {
  it('a handshake cut short by sshd is worth a retry', () => {
    expect(
      isDroppedHandshake(
        'kex_exchange_identification: Connection closed by remote host\r\nConnection closed by 127.0.0.1 port 32771',
      ),
    ).toBe(true);
    expect(isDroppedHandshake('kex_exchange_identification: read: Connection reset by peer')).toBe(true);
    expect(isDroppedHandshake('ssh: connect to host 127.0.0.1 port 1: Connection refused')).toBe(false);
  });
  it('keys that no longer match are repairable', () => {
    expect(
      isAccessMismatch(
        '@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.',
      ),
    ).toBe(true);
    expect(
      isAccessMismatch(
        'No ED25519 host key is known for mng-a and you have requested strict checking.\nHost key verification failed.',
      ),
    ).toBe(true);
    expect(isAccessMismatch('root@127.0.0.1: Permission denied (publickey).')).toBe(true);
    expect(isAccessMismatch('ssh: connect to host 127.0.0.1 port 1: Connection refused')).toBe(false);
  });
  it("the reason is ssh's last line without its banner", () => {
    const banner =
      '@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@\nIT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\nHost key verification failed.\n';
    expect(sshReason(banner)).toBe('Host key verification failed.');
    expect(sshReason('')).toBe('no error output');
  });
});

describe('knownHostsLine', () => {
  it('pins the key type and key under the alias, dropping the comment', () => {
    expect(knownHostsLine('mng-a', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0 mng host mng-a\n')).toBe(
      'mng-a ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0\n',
    );
  });

  it('works without a comment and with extra whitespace', () => {
    expect(knownHostsLine('mng-b', '  ssh-ed25519\tAAAAKEY  ')).toBe('mng-b ssh-ed25519 AAAAKEY\n');
  });
});
