import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import SSHConfig from 'ssh-config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostEntry, sshConfigPath, updateSshConfig } from '../../lib/ssh/config.js';

const FILES = { identityFile: '/d/mng/keys/client/id_ed25519', knownHostsFile: '/d/mng/known_hosts' };
const ep = (port: number) => ({ user: 'root', host: '127.0.0.1', port });

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mng-unit-sshcfg-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

const hasSsh = spawnSync('ssh', ['-V']).status === 0;

const text = () => readFileSync(sshConfigPath(dir), 'utf8');
const parsed = () => SSHConfig.parse(text());
const hosts = () => parsed().filter((l) => l.type === SSHConfig.DIRECTIVE && l.param === 'Host').map((l) => (l as { value: unknown }).value);

describe('sshConfigPath', () => {
  it('is ssh_config in the data directory', () => {
    expect(sshConfigPath('/x/mng')).toBe('/x/mng/ssh_config');
  });
});

describe('hostEntry', () => {
  it('is a Host block with the endpoint and mng\'s options, without LogLevel', () => {
    expect(hostEntry('mng-a', ep(1234), FILES)).toEqual({
      Host: 'mng-a',
      HostName: '127.0.0.1',
      Port: '1234',
      User: 'root',
      IdentityFile: '/d/mng/keys/client/id_ed25519',
      IdentitiesOnly: 'yes',
      UserKnownHostsFile: ['/d/mng/known_hosts'],
      StrictHostKeyChecking: 'yes',
      HostKeyAlias: 'mng-host',
    });
  });
});

describe('updateSshConfig', () => {
  it('creates the file (and the data directory) with one Host entry and a header comment', async () => {
    const nested = join(dir, 'a', 'b');
    await updateSshConfig(nested, [{ alias: 'mng-a', endpoint: ep(1234) }], FILES);
    const t = readFileSync(sshConfigPath(nested), 'utf8');
    expect(t).toBe([
      '# Written by mng: one Host entry per agent. Edits are overwritten.',
      'Host mng-a',
      '  HostName 127.0.0.1',
      '  Port 1234',
      '  User root',
      '  IdentityFile /d/mng/keys/client/id_ed25519',
      '  IdentitiesOnly yes',
      '  UserKnownHostsFile /d/mng/known_hosts',
      '  StrictHostKeyChecking yes',
      '  HostKeyAlias mng-host',
      '',
    ].join('\n'));
    expect(statSync(sshConfigPath(nested)).mode & 0o777).toBe(0o644);
  });

  it('parses back to what ssh would use for the host', async () => {
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1234) }], FILES);
    expect(parsed().compute('mng-a')).toEqual({
      Host: 'mng-a',
      HostName: '127.0.0.1',
      Port: '1234',
      User: 'root',
      IdentityFile: ['/d/mng/keys/client/id_ed25519'],
      IdentitiesOnly: 'yes',
      UserKnownHostsFile: '/d/mng/known_hosts',
      StrictHostKeyChecking: 'yes',
      HostKeyAlias: 'mng-host',
    });
    expect(parsed().compute('some-other-host')).toEqual({});
  });

  it('adds a second host without touching the first', async () => {
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }], FILES);
    await updateSshConfig(dir, [{ alias: 'mng-b', endpoint: ep(2222) }], FILES);
    expect(hosts()).toEqual(['mng-a', 'mng-b']);
    expect(parsed().compute('mng-a').Port).toBe('1111');
    expect(parsed().compute('mng-b').Port).toBe('2222');
  });

  it('replaces an entry whose port changed, leaving one entry per alias', async () => {
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }, { alias: 'mng-b', endpoint: ep(2222) }], FILES);
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(3333) }], FILES);
    expect(hosts().sort()).toEqual(['mng-a', 'mng-b']);
    expect(parsed().compute('mng-a').Port).toBe('3333');
    expect(parsed().compute('mng-b').Port).toBe('2222');
    expect(text().match(/^\s*Port /gm)).toHaveLength(2);
  });

  it('removes the named entries only', async () => {
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }, { alias: 'mng-b', endpoint: ep(2222) }, { alias: 'mng-c', endpoint: ep(3333) }], FILES);
    await updateSshConfig(dir, [], undefined, ['mng-b']);
    expect(hosts()).toEqual(['mng-a', 'mng-c']);
    expect(parsed().compute('mng-b')).toEqual({});
    expect(parsed().compute('mng-c').Port).toBe('3333');
    expect(text()).not.toContain('2222');
  });

  it('removing the last entry leaves only the header', async () => {
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }], FILES);
    await updateSshConfig(dir, [], undefined, ['mng-a']);
    expect(hosts()).toEqual([]);
    expect(text().trim()).toBe('# Written by mng: one Host entry per agent. Edits are overwritten.');
  });

  it('removes and upserts in one call', async () => {
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }, { alias: 'mng-b', endpoint: ep(2222) }], FILES);
    await updateSshConfig(dir, [{ alias: 'mng-c', endpoint: ep(3333) }], FILES, ['mng-a']);
    expect(hosts()).toEqual(['mng-b', 'mng-c']);
  });

  it('leaves entries of other hosts (and their comments) untouched', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(sshConfigPath(dir), '# my notes\nHost build-box\n  HostName 10.0.0.5\n  User me\n\n');
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }], FILES);
    expect(text().startsWith('# my notes\nHost build-box\n  HostName 10.0.0.5\n  User me\n')).toBe(true);
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(4444) }], FILES);
    await updateSshConfig(dir, [], undefined, ['mng-a']);
    expect(hosts()).toEqual(['build-box']);
    expect(parsed().compute('build-box')).toEqual({ Host: 'build-box', HostName: '10.0.0.5', User: 'me' });
  });

  it('removes duplicate entries of an alias', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(sshConfigPath(dir), 'Host mng-a\n  Port 1\n\nHost mng-a\n  Port 2\n');
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(5555) }], FILES);
    expect(hosts()).toEqual(['mng-a']);
    expect(parsed().compute('mng-a').Port).toBe('5555');
  });

  it('does not create the file when nothing changes', async () => {
    await updateSshConfig(dir, [], undefined, ['mng-nothing']);
    expect(existsSync(sshConfigPath(dir))).toBe(false);
  });

  it('without files (keys unknown) only removes the upserted aliases', async () => {
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }], FILES);
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(2222) }], undefined);
    expect(hosts()).toEqual([]);
  });

  it('quotes paths with spaces so each stays one path', async () => {
    const files = { identityFile: '/home/Jo Doe/mng/id_ed25519', knownHostsFile: '/home/Jo Doe/mng/known_hosts' };
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }], files);
    expect(text()).toContain('  IdentityFile "/home/Jo Doe/mng/id_ed25519"\n');
    expect(text()).toContain('  UserKnownHostsFile "/home/Jo Doe/mng/known_hosts"\n');
    const cfg = parsed().compute('mng-a');
    expect(cfg.IdentityFile).toEqual(['/home/Jo Doe/mng/id_ed25519']);
    // one file, not the three words '/home/Jo', 'Doe/mng/known_hosts'...
    expect(cfg.UserKnownHostsFile).toBe('/home/Jo Doe/mng/known_hosts');
    // a later rewrite keeps the quoting
    await updateSshConfig(dir, [{ alias: 'mng-b', endpoint: ep(2222) }], files);
    expect(parsed().compute('mng-a').UserKnownHostsFile).toBe('/home/Jo Doe/mng/known_hosts');
  });

  it('leaves no temporary file behind', async () => {
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(1111) }], FILES);
    expect(readFileSync(sshConfigPath(dir), 'utf8')).toContain('Host mng-a');
    expect(readdirSync(dir)).toEqual(['ssh_config']);
  });

  it.skipIf(!hasSsh)('is read by the real ssh (ssh -G -F FILE ALIAS, no connection)', async () => {
    const files = { identityFile: '/home/Jo Doe/mng/id_ed25519', knownHostsFile: '/d/mng/known_hosts' };
    await updateSshConfig(dir, [{ alias: 'mng-a', endpoint: ep(4321) }, { alias: 'mng-b', endpoint: { user: 'dev', host: '127.0.0.2', port: 2222 } }], files);
    const resolved = (alias: string) => Object.fromEntries(
      execFileSync('ssh', ['-G', '-F', sshConfigPath(dir), alias], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        .split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]),
    );
    expect(resolved('mng-a')).toMatchObject({
      hostname: '127.0.0.1', port: '4321', user: 'root', identityfile: '/home/Jo Doe/mng/id_ed25519',
      userknownhostsfile: '/d/mng/known_hosts', stricthostkeychecking: 'true', hostkeyalias: 'mng-host', identitiesonly: 'yes',
    });
    expect(resolved('mng-b')).toMatchObject({ hostname: '127.0.0.2', port: '2222', user: 'dev' });
  });
});
