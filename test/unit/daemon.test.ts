import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS, type ProviderConfig } from '../../lib/config/config.js';
import {
  chooseDaemon,
  insecureDaemonWarning,
  daemonIdentity,
  daemonWhere,
  namedDockerContext,
  parseContextInspect,
  proxyCommand,
  resolveDaemons,
} from '../../lib/docker/daemon.js';

const provider = (name: string, host = ''): ProviderConfig => ({ name, ...PROVIDER_DEFAULTS, host });

describe('chooseDaemon: the docker CLI order (host, DOCKER_HOST, context, default)', () => {
  it('the provider host wins, and goes to every docker call as DOCKER_HOST', () => {
    const d = chooseDaemon(provider('p', 'tcp://10.1.1.1:2376'), { DOCKER_HOST: 'unix:///x' }, { name: 'c' });
    expect(d).toEqual({
      provider: 'p',
      via: 'host',
      address: 'tcp://10.1.1.1:2376',
      remote: true,
      env: { DOCKER_HOST: 'tcp://10.1.1.1:2376' },
    });
  });

  it("then DOCKER_HOST (the user's own environment, left to docker), then the context, then the local default", () => {
    expect(chooseDaemon(provider('p'), { DOCKER_HOST: 'ssh://me@server' })).toMatchObject({
      via: 'env',
      address: 'ssh://me@server',
      remote: true,
      env: {},
    });
    expect(chooseDaemon(provider('p'), {}, { name: 'far', address: 'tcp://10.0.0.7:2376' })).toMatchObject({
      via: 'context',
      context: 'far',
      address: 'tcp://10.0.0.7:2376',
      remote: true,
      env: {},
    });
    expect(chooseDaemon(provider('p'), {})).toEqual({
      provider: 'p',
      via: 'default',
      address: '',
      remote: false,
      env: {},
    });
  });

  it('is remote only for an address that is not a local socket', () => {
    expect(chooseDaemon(provider('p', 'unix:///var/run/docker.sock'), {}).remote).toBe(false);
    expect(chooseDaemon(provider('p'), { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).remote).toBe(false);
    expect(chooseDaemon(provider('p'), {}, { name: 'l', address: 'unix:///var/run/docker.sock' }).remote).toBe(false);
    // a context docker could not say the address of: left to docker, which complains at the first call
    expect(chooseDaemon(provider('p'), {}, { name: 'broken' }).remote).toBe(false);
    expect(chooseDaemon(provider('p', 'ssh://me@server'), {}).remote).toBe(true);
  });

  it("identity (what a host's record keeps) and where (what the unreachable message says)", () => {
    const ctx = chooseDaemon(provider('p'), {}, { name: 'far', address: 'tcp://h:1' });
    expect([daemonIdentity(ctx), daemonWhere(ctx)]).toEqual(['context far', 'docker context far']);
    const local = chooseDaemon(provider('p'), {});
    expect([daemonIdentity(local), daemonWhere(local)]).toEqual(['', 'the local socket']);
    const tcp = chooseDaemon(provider('p', 'tcp://h:1'), {});
    expect([daemonIdentity(tcp), daemonWhere(tcp)]).toEqual(['tcp://h:1', 'tcp://h:1']);
  });
});

describe('resolveDaemons', () => {
  it('asks the docker context once, and only when a provider follows it and a named context is in use', async () => {
    const asked: string[] = [];
    const inspect = async (name: string) => {
      asked.push(name);
      return 'tcp://10.0.0.7:2376';
    };
    const two = [provider('a'), provider('b'), provider('c', 'tcp://h:1')];
    const daemons = await resolveDaemons(two, { DOCKER_CONTEXT: 'far' }, inspect);
    expect(asked).toEqual(['far']);
    expect([...daemons.values()].map((d) => [d.provider, d.via, d.remote])).toEqual([
      ['a', 'context', true],
      ['b', 'context', true],
      ['c', 'host', true],
    ]);
    await resolveDaemons([provider('c', 'tcp://h:1')], { DOCKER_CONTEXT: 'far' }, inspect);
    await resolveDaemons([provider('a')], { DOCKER_CONTEXT: 'default' }, inspect);
    await resolveDaemons([provider('a')], { DOCKER_CONTEXT: 'far', DOCKER_HOST: 'unix:///x' }, inspect);
    expect(asked).toEqual(['far']);
  });
});

describe('proxyCommand', () => {
  it("runs sshd in inetd mode in the container, with the daemon's own address or context", () => {
    expect(proxyCommand(chooseDaemon(provider('p', 'ssh://me@srv:2222'), {}), 'mng-a')).toBe(
      "env DOCKER_HOST=ssh://me@srv:2222 docker exec -i mng-a /bin/sh -c 'exec $(command -v sshd || echo /usr/sbin/sshd) -i -f /mng/sshd_config'",
    );
    expect(proxyCommand(chooseDaemon(provider('p'), { DOCKER_HOST: 'tcp://h:1' }), 'mng-a')).toMatch(
      /^docker exec -i mng-a /,
    );
    const far = chooseDaemon(provider('p'), {}, { name: 'far', address: 'tcp://10.0.0.7:2376' });
    expect(proxyCommand(far, 'mng-a')).toMatch(/^env DOCKER_CONTEXT=far docker exec -i mng-a /);
  });

  it('is a valid sh command line without % (ssh would expand it)', () => {
    const cmd = proxyCommand(chooseDaemon(provider('p', 'tcp://h:1'), {}), "odd name'");
    expect(cmd).not.toContain('%');
    expect(() => execFileSync('sh', ['-n', '-c', cmd])).not.toThrow();
  });
});

describe('docker context', () => {
  const configs: Record<string, string> = {
    '/d/config.json': JSON.stringify({ currentContext: 'far' }),
    '/h/.docker/config.json': JSON.stringify({ auths: {} }),
    '/x/config.json': JSON.stringify({ currentContext: 'default' }),
  };
  const read = (f: string) => {
    if (!(f in configs)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return configs[f];
  };
  it('is DOCKER_CONTEXT, else currentContext of the CLI config; never with DOCKER_HOST or for default', () => {
    expect(namedDockerContext({ DOCKER_CONTEXT: 'a' }, read)).toBe('a');
    expect(namedDockerContext({ DOCKER_CONFIG: '/d' }, read)).toBe('far');
    expect(namedDockerContext({ DOCKER_CONFIG: '/d', DOCKER_HOST: 'unix:///x' }, read)).toBeUndefined();
    expect(namedDockerContext({ HOME: '/h' }, read)).toBeUndefined();
    expect(namedDockerContext({ DOCKER_CONFIG: '/x' }, read)).toBeUndefined();
    expect(namedDockerContext({ DOCKER_CONFIG: '/missing' }, read)).toBeUndefined();
    expect(namedDockerContext({ DOCKER_CONTEXT: 'default' }, read)).toBeUndefined();
  });
  it('reads the endpoint of docker context inspect', () => {
    expect(
      parseContextInspect(
        JSON.stringify([{ Name: 'far', Endpoints: { docker: { Host: 'ssh://me@box', SkipTLSVerify: false } } }]),
      ),
    ).toBe('ssh://me@box');
    expect(parseContextInspect('[]')).toBeUndefined();
    expect(parseContextInspect('not json')).toBeUndefined();
  });
});

describe('insecureDaemonWarning (L7): a tcp:// daemon without TLS gets one line', () => {
  it('warns for tcp:// from the config or DOCKER_HOST without TLS variables', () => {
    const w = insecureDaemonWarning(chooseDaemon(provider('far', 'tcp://10.1.1.1:2375'), {}), {});
    expect(w).toMatch(
      /^provider 'far' talks to tcp:\/\/10\.1\.1\.1:2375 without TLS: whoever reaches that port is root/,
    );
    expect(insecureDaemonWarning(chooseDaemon(provider('p', ''), { DOCKER_HOST: 'tcp://h:2375' }), {})).toBeDefined();
  });

  it('is quiet with TLS, and for sockets, ssh:// and docker contexts (which carry their own TLS material)', () => {
    const tcp = chooseDaemon(provider('far', 'tcp://10.1.1.1:2376'), {});
    expect(insecureDaemonWarning(tcp, { DOCKER_TLS_VERIFY: '1' })).toBeUndefined();
    expect(insecureDaemonWarning(tcp, { DOCKER_TLS: '1' })).toBeUndefined();
    expect(insecureDaemonWarning(chooseDaemon(provider('s', 'ssh://me@box'), {}), {})).toBeUndefined();
    expect(insecureDaemonWarning(chooseDaemon(provider('l', ''), {}), {})).toBeUndefined();
    const ctx = chooseDaemon(provider('c', ''), {}, { name: 'remote', address: 'tcp://h:2375' });
    expect(insecureDaemonWarning(ctx, {})).toBeUndefined();
  });
});
