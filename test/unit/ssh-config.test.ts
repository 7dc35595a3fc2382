import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  entryRoute,
  hostEntry,
  hostSshFiles,
  isPinned,
  mainConfigText,
  pinHostKey,
  removeHostFiles,
  sshConfigPath,
  writeHostEntry,
} from '../../lib/ssh/config.js';
import { controlDir } from '../../lib/ssh/control.js';

const ep = (port: number) => ({ user: 'root', host: '127.0.0.1', port });
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOSTKEY mng host mng-a';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mng-unit-sshcfg-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

// Under `npm test` (MNG_TESTBED_CHECK_BARE=1, the test bed installs the ssh client) a missing ssh fails these tests
// instead of skipping them.
const hasSsh = spawnSync('ssh', ['-V']).status === 0 || process.env.MNG_TESTBED_CHECK_BARE === '1';

/** What the real ssh would use for ALIAS through mng's main file (ssh -G: no connection). */
function resolved(alias: string): Record<string, string> {
  return Object.fromEntries(
    execFileSync('ssh', ['-G', '-F', sshConfigPath(dir), alias], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]),
  );
}

describe('paths', () => {
  it('a host folder is always one folder directly inside hosts/ (H1: no path out of the data folder)', () => {
    for (const alias of ['../x', '../../etc', '.', '..', 'a/b', '', '.hidden', 'x\ny', '/abs']) {
      expect(() => hostSshFiles('/x/mng', alias), alias).toThrow(/is not a host alias mng makes/);
    }
    expect(hostSshFiles('/x/mng', 'mng-a.gpu-box').knownHostsFile).toBe('/x/mng/hosts/mng-a.gpu-box/known_hosts');
  });

  it('keeps one folder per host under the data directory', () => {
    expect(sshConfigPath('/x/mng')).toBe('/x/mng/ssh_config');
    expect(hostSshFiles('/x/mng', 'mng-a')).toEqual({
      identityFile: '/x/mng/keys/client/id_ed25519',
      knownHostsFile: '/x/mng/hosts/mng-a/known_hosts',
      hostKeyAlias: 'mng-a',
    });
  });
  it('the main file includes every host entry, quoting a path with spaces', () => {
    expect(mainConfigText('/x/mng')).toContain('\nInclude /x/mng/hosts/*/ssh_config\n');
    expect(mainConfigText('/Users/Jo Doe/mng')).toContain('\nInclude "/Users/Jo Doe/mng/hosts/*/ssh_config"\n');
  });
  it('sockets go under the data directory, or a short private path when that is too long for a unix socket', () => {
    expect(controlDir('/home/u/.local/share/mng')).toBe('/home/u/.local/share/mng/sockets');
    const long = `/home/${'x'.repeat(80)}/mng`;
    const d = controlDir(long, 1000);
    expect(d).toMatch(/\/mng-1000-[0-9a-f]{12}$/);
    // The socket ssh binds first: <dir>/<40 hex digits of %C>.<16 random characters>, within macOS's 104 bytes.
    expect(d.length + 1 + 40 + 17).toBeLessThanOrEqual(103);
    expect(controlDir(long, 1000)).toBe(d); // stable for one data directory
  });
  it('counts the temporary name a master socket is bound to first (a sockets folder of 46 characters is too long)', () => {
    const dir = '/tmp/mngtest-byname-nNwfkY/other-data-c577f5/mng'; // seen: ssh's bind failed with "too long for Unix domain socket"
    expect(controlDir(dir, 0, '/tmp')).toMatch(/^\/tmp\/mng-0-[0-9a-f]{12}$/);
    const longest = `/d/${'x'.repeat(30)}/mng`;
    // the longest sockets folder kept under the data directory has 45 characters: 45 + 1 + 40 + 17 = 103
    const kept = controlDir(longest, 0, '/tmp');
    expect(kept).toBe(`${longest}/sockets`);
    expect(kept).toHaveLength(45);
    expect(controlDir(`/d/${'x'.repeat(31)}/mng`, 0, '/tmp')).toMatch(/^\/tmp\/mng-0-/);
  });
  it('uses /tmp when the temporary directory itself is too long (macOS: /var/folders/.../T)', () => {
    const macTmp = '/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T';
    expect(controlDir(`/Users/${'x'.repeat(60)}/mng`, 501, macTmp)).toMatch(/^\/tmp\/mng-501-[0-9a-f]{12}$/);
  });
});

describe('hostEntry', () => {
  it("is a Host block with the endpoint, the client key and the host's own pinned key, contained, without LogLevel", () => {
    expect(hostEntry('mng-a', ep(1234), hostSshFiles('/d/mng', 'mng-a'))).toEqual({
      Host: 'mng-a',
      HostName: '127.0.0.1',
      Port: '1234',
      User: 'root',
      IdentityFile: '/d/mng/keys/client/id_ed25519',
      IdentitiesOnly: 'yes',
      UserKnownHostsFile: ['/d/mng/hosts/mng-a/known_hosts'],
      StrictHostKeyChecking: 'yes',
      HostKeyAlias: 'mng-a',
      ForwardAgent: 'no',
      ForwardX11: 'no',
      ForwardX11Trusted: 'no',
      AddKeysToAgent: 'no',
      PermitLocalCommand: 'no',
      ServerAliveInterval: '15',
      ServerAliveCountMax: '3',
      ProxyJump: 'none',
      ProxyCommand: 'none',
    });
  });

  it('refuses any value with a line break, a control character, a quote or a backslash (H1: no directive smuggled in)', () => {
    const files = hostSshFiles('/d/mng', 'mng-a');
    expect(() => hostEntry('mng-a', { ...ep(22), user: 'root"\n  ProxyCommand touch /tmp/x' }, files)).toThrow(
      /will not write User .* into an ssh config file/,
    );
    expect(() => hostEntry('mng-a', { ...ep(22), host: "a'b" }, files)).toThrow(/HostName/);
    expect(() => hostEntry('mng-a', { ...ep(22), proxyCommand: 'docker exec -i x\nLocalCommand y' }, files)).toThrow(
      /ProxyCommand/,
    );
    expect(() => hostEntry('mng-a', ep(22), hostSshFiles('/d/"q"/mng', 'mng-a'))).toThrow(/IdentityFile/);
    // a ProxyCommand is a shell line: its single quotes are its own; % is escaped where ssh expands it
    const e = hostEntry(
      'mng-a',
      { ...ep(22), proxyCommand: "env DOCKER_HOST=x%y docker exec -i c sh -c 'sshd -i'" },
      files,
    );
    expect(e.ProxyCommand).toBe("env DOCKER_HOST=x%%y docker exec -i c sh -c 'sshd -i'");
  });
  it('carries the proxy route of a remote daemon', () => {
    const e = hostEntry(
      'mng-a',
      { ...ep(22), host: 'mng-a', proxyCommand: 'docker exec -i mng-a sshd -i' },
      hostSshFiles('/d', 'mng-a'),
    );
    expect(e.ProxyCommand).toBe('docker exec -i mng-a sshd -i');
  });
});

describe('per-host files', () => {
  it('writes the entry and the main file; a rewrite (new port) replaces it; removal forgets the host', async () => {
    await writeHostEntry(dir, 'mng-a', ep(1111));
    await writeHostEntry(dir, 'mng-b', ep(2222));
    expect(readFileSync(sshConfigPath(dir), 'utf8')).toBe(mainConfigText(dir));
    const a = SSHConfig.parse(readFileSync(join(dir, 'hosts', 'mng-a', 'ssh_config'), 'utf8')).compute('mng-a');
    expect(a.Port).toBe('1111');
    await writeHostEntry(dir, 'mng-a', ep(3333));
    expect(SSHConfig.parse(readFileSync(join(dir, 'hosts', 'mng-a', 'ssh_config'), 'utf8')).compute('mng-a').Port).toBe(
      '3333',
    );
    await removeHostFiles(dir, 'mng-a');
    expect(readdirSync(join(dir, 'hosts'))).toEqual(['mng-b']);
  });

  it('is output only: the route it holds parses back, and nothing of the provider or ids is in it', async () => {
    await writeHostEntry(dir, 'mng-a', ep(1111));
    const text = readFileSync(join(dir, 'hosts', 'mng-a', 'ssh_config'), 'utf8');
    expect(entryRoute(text, 'mng-a')).toEqual(ep(1111));
    expect(text).not.toMatch(/# mng (provider|daemon|host id):/);
    const proxy = {
      user: 'root',
      host: 'mng-b',
      port: 22,
      proxyCommand: "env DOCKER_HOST=tcp://h:2376 docker exec -i mng-b /bin/sh -c 'exec sshd -i'",
    };
    await writeHostEntry(dir, 'mng-b', proxy);
    expect(entryRoute(readFileSync(join(dir, 'hosts', 'mng-b', 'ssh_config'), 'utf8'), 'mng-b')).toEqual(proxy);
    expect(entryRoute('', 'mng-none')).toBeUndefined();
  });

  it('pins a host key under the alias, alone in its own known_hosts', async () => {
    expect(await isPinned(dir, 'mng-a')).toBe(false);
    await pinHostKey(dir, 'mng-a', KEY);
    expect(readFileSync(hostSshFiles(dir, 'mng-a').knownHostsFile, 'utf8')).toBe(
      'mng-a ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOSTKEY\n',
    );
    expect(await isPinned(dir, 'mng-a')).toBe(true);
    expect(await isPinned(dir, 'mng-b')).toBe(false);
  });

  it('fifty writers at once lose nothing and leave no temporary file', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `mng-h${i}`);
    await Promise.all(
      aliases.map((a, i) => Promise.all([writeHostEntry(dir, a, ep(2000 + i)), pinHostKey(dir, a, KEY)])),
    );
    expect(readdirSync(join(dir, 'hosts')).sort()).toEqual([...aliases].sort());
    for (const a of aliases) expect(readdirSync(join(dir, 'hosts', a)).sort()).toEqual(['known_hosts', 'ssh_config']);
    expect(readdirSync(dir).sort()).toEqual(['hosts', 'ssh_config']);
  });

  it.skipIf(!hasSsh)('is read by the real ssh through the main file (ssh -G, no connection)', async () => {
    await writeHostEntry(dir, 'mng-a', ep(4321));
    await writeHostEntry(dir, 'mng-b', { user: 'dev', host: '127.0.0.2', port: 2222 });
    expect(resolved('mng-a')).toMatchObject({
      hostname: '127.0.0.1',
      port: '4321',
      user: 'root',
      identityfile: join(dir, 'keys/client/id_ed25519'),
      userknownhostsfile: join(dir, 'hosts/mng-a/known_hosts'),
      stricthostkeychecking: 'true',
      hostkeyalias: 'mng-a',
      identitiesonly: 'yes',
    });
    expect(resolved('mng-b')).toMatchObject({ hostname: '127.0.0.2', port: '2222', user: 'dev' });
    expect(existsSync(join(dir, 'hosts', 'mng-b', 'known_hosts'))).toBe(false);
  });

  it.skipIf(!hasSsh)(
    "contains the agent whatever the user's Host * says (M4): no agent or X forwarding, no keys added, no local command, no proxy for a loopback route",
    async () => {
      await writeHostEntry(dir, 'mng-a', ep(4321));
      const remote = { ...ep(22), host: 'mng-b.far', proxyCommand: "docker exec -i mng-b sh -c 'sshd -i'" };
      await writeHostEntry(dir, 'mng-b.far', remote);
      // the user's own config: mng's Include first (as mng ssh-config --install writes it), then a Host * that turns all on
      const user = join(dir, 'user_config');
      writeFileSync(
        user,
        `Include ${sshConfigPath(dir)}\nHost *\n  ForwardAgent yes\n  ForwardX11 yes\n  ForwardX11Trusted yes\n  AddKeysToAgent yes\n  PermitLocalCommand yes\n  LocalCommand touch /tmp/mng-never\n  ProxyJump jump.example\n  ProxyCommand nc %h %p\n`,
      );
      const asUser = (alias: string) =>
        Object.fromEntries(
          execFileSync('ssh', ['-G', '-F', user, alias], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
            .split('\n')
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]),
        );
      for (const alias of ['mng-a', 'mng-b.far']) {
        const r = asUser(alias);
        expect(r, alias).toMatchObject({
          forwardagent: 'no',
          forwardx11: 'no',
          forwardx11trusted: 'no',
          addkeystoagent: 'false',
          permitlocalcommand: 'no',
        });
        expect(r.proxyjump, alias).toBeUndefined();
      }
      expect(asUser('mng-a').proxycommand).toBeUndefined();
      expect(asUser('mng-b.far').proxycommand).toBe(remote.proxyCommand);
      // the same user config reaches other hosts as the user asked: the Host * itself works
      expect(asUser('elsewhere.example')).toMatchObject({ forwardagent: 'yes', proxyjump: 'jump.example' });
    },
  );

  it.skipIf(!hasSsh)('keeps paths with spaces whole', async () => {
    const spaced = join(dir, 'Jo Doe', 'mng');
    await writeHostEntry(spaced, 'mng-a', ep(1111));
    const r = Object.fromEntries(
      execFileSync('ssh', ['-G', '-F', sshConfigPath(spaced), 'mng-a'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]),
    );
    expect(r.port).toBe('1111');
    expect(r.userknownhostsfile).toBe(join(spaced, 'hosts/mng-a/known_hosts'));
  });
});
