import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS } from '../../lib/config/config.js';
import { chooseDaemon, proxyCommand } from '../../lib/docker/daemon.js';
import { sshAlias, sshRoute } from '../../lib/core/model/host.js';
import { buildSshArgs } from '../../lib/ssh/args.js';

const daemon = (host: string) => chooseDaemon({ name: 'p', ...PROVIDER_DEFAULTS, host }, {});

const names = { container: 'mng-a', alias: 'mng-a.p' };

describe('sshRoute', () => {
  it('uses the published loopback port for a local daemon', () => {
    expect(sshRoute(daemon(''), names, { host: '127.0.0.1', port: 32768 }, 'root')).toEqual({
      user: 'root',
      host: '127.0.0.1',
      port: 32768,
    });
    expect(sshRoute(daemon(''), names, { host: '0.0.0.0', port: 32768 }, 'root')?.host).toBe('127.0.0.1');
    expect(sshRoute(daemon(''), names, { host: '::', port: 32768 }, 'root')?.host).toBe('127.0.0.1');
  });

  it('goes through docker exec for a remote daemon, never a published port; its host name is the alias', () => {
    expect(sshRoute(daemon('tcp://h:2376'), names, { host: '127.0.0.1', port: 32768 }, 'root')).toEqual({
      user: 'root',
      host: 'mng-a.p',
      port: 22,
      proxyCommand: proxyCommand(daemon('tcp://h:2376'), 'mng-a'),
    });
  });

  it('has no route for a container without a published port', () => {
    expect(sshRoute(daemon(''), names, undefined, 'root')).toBeUndefined();
  });
});

describe('the same name on two remote providers (M7)', () => {
  const hasSsh = spawnSync('ssh', ['-V']).status === 0;
  const files = (alias: string) => ({
    identityFile: '/d/id',
    knownHostsFile: `/d/hosts/${alias}/known_hosts`,
    hostKeyAlias: alias,
  });
  const route = (provider: string) => {
    const d = chooseDaemon({ name: provider, ...PROVIDER_DEFAULTS, host: `tcp://${provider}.example:2376` }, {});
    const alias = sshAlias('mng-twin', provider);
    return { alias, endpoint: sshRoute(d, { container: 'mng-twin', alias }, { host: '127.0.0.1', port: 1 }, 'root')! };
  };

  it('gives two aliases, so two entries, two pinned keys and two records', () => {
    expect(route('gpu').alias).toBe('mng-twin.gpu');
    expect(route('ci').alias).toBe('mng-twin.ci');
  });

  it.skipIf(!hasSsh)('gives two connection sockets (ssh -G: %C hashes the host name, which is the alias)', () => {
    const controlPath = (provider: string) => {
      const { alias, endpoint } = route(provider);
      const args = buildSshArgs(endpoint, files(alias), 'true', { control: { path: '/d/s/%C', master: 'auto' } });
      const out = execFileSync('ssh', ['-G', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return /^controlpath (.*)$/m.exec(out)?.[1];
    };
    expect(controlPath('gpu')).toMatch(/^\/d\/s\/[0-9a-f]{40}$/);
    expect(controlPath('gpu')).not.toBe(controlPath('ci'));
  });
});
