import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { PROVIDER_DEFAULTS, type ProviderConfig } from '../../lib/config/config.js';
import { dockerExecProxyCommand, isRemoteDaemon, sshRoute } from '../../lib/core/hosts/hosts.js';
import { changedBefore } from '../../lib/core/hosts/recorded.js';

const provider = (host: string): ProviderConfig => ({ name: 'p', ...PROVIDER_DEFAULTS, host });

describe('isRemoteDaemon', () => {
  it('is false for the local socket and an empty host with no DOCKER_HOST', () => {
    expect(isRemoteDaemon(provider(''), {})).toBe(false);
    expect(isRemoteDaemon(provider('unix:///var/run/docker.sock'), {})).toBe(false);
    expect(isRemoteDaemon(provider(''), { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toBe(false);
  });

  it('is true for tcp:// and ssh:// hosts, from the config or from DOCKER_HOST', () => {
    expect(isRemoteDaemon(provider('tcp://10.1.1.1:2376'), {})).toBe(true);
    expect(isRemoteDaemon(provider('ssh://me@server'), {})).toBe(true);
    expect(isRemoteDaemon(provider(''), { DOCKER_HOST: 'ssh://me@server' })).toBe(true);
  });
});

describe('sshRoute', () => {
  it('uses the published loopback port for a local daemon', () => {
    expect(sshRoute(provider(''), 'mng-a', { host: '127.0.0.1', port: 32768 }, 'root')).toEqual({
      user: 'root',
      host: '127.0.0.1',
      port: 32768,
    });
  });

  it('goes through docker exec for a remote daemon, never a published port', () => {
    expect(sshRoute(provider('tcp://h:2376'), 'mng-a', { host: '127.0.0.1', port: 32768 }, 'root')).toEqual({
      user: 'root',
      host: 'mng-a',
      port: 22,
      proxyCommand: dockerExecProxyCommand(provider('tcp://h:2376'), 'mng-a'),
    });
  });

  it('has no route for a container without a published port', () => {
    expect(sshRoute(provider(''), 'mng-a', undefined, 'root')).toBeUndefined();
  });
});

describe('dockerExecProxyCommand', () => {
  it('runs sshd in inetd mode in the container, with DOCKER_HOST of the provider', () => {
    expect(dockerExecProxyCommand(provider('ssh://me@srv:2222'), 'mng-a')).toBe(
      "env DOCKER_HOST=ssh://me@srv:2222 docker exec -i mng-a /bin/sh -c 'exec $(command -v sshd || echo /usr/sbin/sshd) -i -f /mng/sshd_config'",
    );
    expect(dockerExecProxyCommand(provider(''), 'mng-a')).toMatch(/^docker exec -i mng-a /);
  });

  it('is a valid sh command line without % (ssh would expand it)', () => {
    const cmd = dockerExecProxyCommand(provider('tcp://h:1'), "odd name'");
    expect(cmd).not.toContain('%');
    expect(() => execFileSync('sh', ['-n', '-c', cmd])).not.toThrow();
  });
});

describe('changedBefore (was a host stopped or running already when mng acted on it by name?)', () => {
  const since = Date.parse('2026-11-29T06:00:00.000Z');
  it("compares docker's time with the moment the call went out, exactly for a local daemon", () => {
    expect(changedBefore('2026-11-29T05:59:59.900123456Z', since, provider(''))).toBe(true); // docker's nanoseconds
    expect(changedBefore('2026-11-29T06:00:00.050000000Z', since, provider(''))).toBe(false);
  });
  it("allows two seconds for a remote daemon's clock", () => {
    expect(changedBefore('2026-11-29T05:59:59.000Z', since, provider('tcp://10.1.1.1:2376'))).toBe(false);
    expect(changedBefore('2026-11-29T05:59:57.000Z', since, provider('tcp://10.1.1.1:2376'))).toBe(true);
  });
  it("a container never started (docker's zero time) changed long before; no time at all is no answer", () => {
    expect(changedBefore('0001-01-01T00:00:00Z', since, provider(''))).toBe(true);
    expect(changedBefore(undefined, since, provider(''))).toBe(false);
    expect(changedBefore('', since, provider(''))).toBe(false);
  });
});
