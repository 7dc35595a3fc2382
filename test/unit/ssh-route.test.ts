import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS } from '../../lib/config/config.js';
import { chooseDaemon, proxyCommand } from '../../lib/docker/daemon.js';
import { sshRoute } from '../../lib/core/model/host.js';

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
