import { describe, expect, it } from 'vitest';
import { buildForwardArgs, parseForwardSpec } from '../../lib/core/forward/forward.js';
import { parseForward } from '../../lib/core/forward/records.js';
import { decodeEgress, formatEgress, parseEgress, withAgentEndpoints } from '../../lib/core/network/egress.js';
import { filterImageTag, hostAclConf } from '../../lib/core/network/filter.js';
import { accessFromEnv, networkFlags, networkNames, proxyEnv, publishesSsh } from '../../lib/core/network/flags.js';
import { checkEgressArgs, sharedNetworkWarning, userNetworkOf } from '../../lib/core/network/passthrough.js';
import { preferredNetwork } from '../../lib/core/network/setup.js';

describe('parseEgress', () => {
  it('reads the three modes and every kind of entry, keeping them as written', () => {
    expect(parseEgress('open')).toEqual({ mode: 'open' });
    expect(parseEgress('none')).toEqual({ mode: 'none' });
    const p = parseEgress('allow=GitHub.com,*.npmjs.org:443,10.1.2.3,10.0.0.0/8,[2001:db8::1]:443,x.org:80,github.com');
    expect(p).toEqual({
      mode: 'allow',
      entries: [
        { kind: 'domain', name: 'github.com' },
        { kind: 'subdomains', name: 'npmjs.org', port: 443 },
        { kind: 'ip', address: '10.1.2.3' },
        { kind: 'cidr', address: '10.0.0.0', bits: 8 },
        { kind: 'ip', address: '2001:db8::1', port: 443 },
        { kind: 'domain', name: 'x.org', port: 80 },
      ],
    });
    // the label keeps it as the user would write it, and reads it back the same
    expect(decodeEgress(formatEgress(p))).toEqual(p);
    expect(formatEgress(p)).toBe('allow=github.com,*.npmjs.org:443,10.1.2.3,10.0.0.0/8,[2001:db8::1]:443,x.org:80');
  });

  it.each([
    ['sometimes', /'sometimes' is not open, none or allow=LIST/],
    ['allow=', /allow= needs a list/],
    ['allow=a,,b', /empty entry/],
    ['allow=exa mple.com', /'exa mple.com' is not a domain name/],
    ['allow=-x.org', /is not a domain name/],
    ['allow=x.org:0', /no valid port/],
    ['allow=x.org:http', /no valid port/],
    ['allow=10.0.0.0/33', /prefix longer than 32 bits/],
    ['allow=127.0.0.1', /loopback/],
    ['allow=::1', /loopback/],
    ['allow=localhost:3000', /loopback/],
    ['allow=0.0.0.0/0', /is not allowed/],
    ['allow=10.0.0.0/8:443', /is not a domain name/],
  ])('%s is refused', (text, pattern) => {
    expect(() => parseEgress(text)).toThrow(pattern);
  });

  it('a label is read only when it is exactly what mng writes (nothing else reaches the filter)', () => {
    expect(decodeEgress('allow=a b')).toBeUndefined();
    expect(decodeEgress('allow=A.org')).toBeUndefined();
    expect(decodeEgress(' none')).toBeUndefined();
    expect(decodeEgress('allow=a.org,a.org')).toBeUndefined();
    expect(decodeEgress('allow=*.a.org,10.0.0.0/8,[2001:db8::1]:443')).toEqual(
      parseEgress('allow=*.a.org,10.0.0.0/8,[2001:db8::1]:443'),
    );
  });

  it("the agent's own endpoints: the hook adds nothing until built-in agent types exist", () => {
    const p = parseEgress('allow=x.org');
    expect(withAgentEndpoints(p, 'claude')).toEqual(p);
  });
});

describe('network flags', () => {
  const names = networkNames('mng-');
  const access = { gateway: '172.30.0.1', user: 'abc123-0f0f' };

  it('open: mng hosts network (or the user network), none: no network, allow: the internal one; NET_RAW always dropped', () => {
    expect(networkFlags({ mode: 'open' }, names)).toEqual(['--network', 'mng-hosts', '--cap-drop', 'NET_RAW']);
    expect(networkFlags({ mode: 'open' }, names, { userNetwork: true })).toEqual(['--cap-drop', 'NET_RAW']);
    expect(networkFlags({ mode: 'none' }, names)).toEqual(['--network', 'none', '--cap-drop', 'NET_RAW']);
    const allow = networkFlags(parseEgress('allow=x.org'), names, { access });
    expect(allow.slice(0, 4)).toEqual(['--network', 'mng-egress', '--dns', '127.0.0.1']);
    expect(allow).toContain('HTTPS_PROXY=http://abc123-0f0f:mng@172.30.0.1:3128');
    expect(allow).toContain('no_proxy=localhost,127.0.0.1,::1');
    expect(allow.slice(-2)).toEqual(['--cap-drop', 'NET_RAW']);
    expect(() => networkFlags(parseEgress('allow=x.org'), names)).toThrow(/filter access/);
    expect(publishesSsh({ mode: 'open' })).toBe(true);
    expect(publishesSsh({ mode: 'none' })).toBe(false);
  });

  it('the filter access is read back from a container environment (a snapshot made again)', () => {
    const env = Object.entries(proxyEnv(access)).map(([k, v]) => `${k}=${v}`);
    expect(accessFromEnv(['PATH=/bin', ...env])).toEqual(access);
    expect(accessFromEnv(['HTTP_PROXY=http://evil:mng@1.2.3.4:3128'])).toBeUndefined();
    expect(accessFromEnv(undefined)).toBeUndefined();
  });

  it("names never collide with a host's container", () => {
    expect(networkNames('')).toMatchObject({ hosts: 'mng.hosts', filter: 'mng.egress.filter' });
  });
});

describe("the filter's lists", () => {
  it('checks the credentials first, then name and port, and only then the address of an allowed name', () => {
    const p = parseEgress('allow=x.org:443,*.y.com,10.0.0.0/8');
    const conf = hostAclConf('ab12', 'tok', p.mode === 'allow' ? p.entries : []);
    expect(conf).toContain('acl hab12_who proxy_auth ab12-tok');
    expect(conf).toContain('acl hab12_0 dstdomain -n x.org');
    expect(conf).toContain('acl hab12_0p port 443');
    expect(conf).toContain('http_access allow hab12_who hab12_0 hab12_0p !mng_blocked');
    expect(conf).toContain('acl hab12_1 dstdom_regex -n -i \\.y\\.com$');
    expect(conf).toContain('http_access allow hab12_who mng_ip_literal hab12_2');
  });

  it('the image tag follows the base image and the filter files', () => {
    expect(filterImageTag('sha256:0123456789abcdef')).toMatch(/^mng-egress:0123456789ab-[0-9a-f]{8}$/);
  });
});

describe('start args against the policy', () => {
  it.each([
    ['none', ['--network=host'], /--egress none cannot be combined with -s --network=host/],
    ['allow=x.org', ['--network', 'none'], /--egress allow=… cannot be combined with -s --network=none/],
    ['none', ['-p', '8080:80'], /publishes no port/],
    ['open', ['--network=none'], /-s --network=none/],
  ])('%s with %j is refused', (egress, args, pattern) => {
    expect(() => checkEgressArgs(parseEgress(egress), args)).toThrow(pattern);
  });

  it('open with a network of the user: allowed, with a warning that it is shared', () => {
    expect(() => checkEgressArgs({ mode: 'open' }, ['--network=mine', '-p', '80:80'])).not.toThrow();
    expect(userNetworkOf(['--net', 'a', '--network=b'])).toBe('b');
    expect(sharedNetworkWarning(['--network=mine'])).toMatch(/that network is shared/);
    expect(sharedNetworkWarning(['--network', 'bridge'])).toMatch(/default bridge is shared/);
    expect(sharedNetworkWarning(['-e', 'A=1'])).toBeUndefined();
  });
});

describe('networks of one name made at the same moment', () => {
  it('keeps the one in use, else the oldest', () => {
    const a = { Id: 'b', Name: 'n', Created: '2026-01-01T00:00:02Z', Containers: {} };
    const b = { Id: 'a', Name: 'n', Created: '2026-01-01T00:00:01Z', Containers: null };
    const c = { Id: 'c', Name: 'n', Created: '2026-01-01T00:00:03Z', Containers: { x: {} } };
    expect(preferredNetwork([a, b])).toBe(b);
    expect(preferredNetwork([a, b, c])).toBe(c);
  });
});

describe('mng forward', () => {
  it('reads [LOCAL:]PORT', () => {
    expect(parseForwardSpec('3000')).toEqual({ local: 3000, remote: 3000 });
    expect(parseForwardSpec('8080:3000')).toEqual({ local: 8080, remote: 3000 });
    for (const bad of ['', 'x', '0', '70000', '1:2:3', '-1', '80:']) expect(() => parseForwardSpec(bad)).toThrow();
  });

  it('binds 127.0.0.1 only, over the host route, without the shared connection', () => {
    const args = buildForwardArgs(
      {
        daemon: {} as never,
        alias: 'mng-a',
        container: 'mng-a',
        name: 'a',
        endpoint: { host: '127.0.0.1', port: 2222, user: 'root', proxyCommand: 'docker exec -i mng-a sshd -i' },
      } as never,
      '/data',
      8080,
      3000,
    );
    expect(args.slice(args.indexOf('-L'), args.indexOf('-L') + 2)).toEqual(['-L', '127.0.0.1:8080:localhost:3000']);
    expect(args).toContain('ControlPath=none');
    expect(args).toContain('ExitOnForwardFailure=yes');
    expect(args).toContain('ProxyCommand=docker exec -i mng-a sshd -i');
    expect(args.slice(-6)).toEqual(['-l', 'root', '-p', '2222', '--', '127.0.0.1']);
    // the same options as every connection of mng's: nothing of the user's handed to the agent
    for (const o of [
      'ForwardAgent=no',
      'ForwardX11=no',
      'AddKeysToAgent=no',
      'PermitLocalCommand=no',
      'BatchMode=yes',
    ]) {
      expect(args).toContain(o);
    }
    expect(args).toContain('-N');
  });

  it('reads back only a forward record as mng writes it (a pid from a local file is never signalled unchecked)', () => {
    const ok = { version: 1, local: 8080, remote: 3000, pid: 4242, startedAt: '2026-12-03T14:00:00.000Z' };
    expect(parseForward(JSON.stringify(ok), 8080)).toEqual({
      local: 8080,
      remote: 3000,
      pid: 4242,
      startedAt: ok.startedAt,
    });
    for (const bad of [
      { ...ok, local: 8081 },
      { ...ok, remote: 70000 },
      { ...ok, remote: 0 },
      { ...ok, pid: 1 },
      { ...ok, pid: -4242 },
      { ...ok, pid: 42.5 },
      { ...ok, pid: '4242' },
      { ...ok, startedAt: 'now' },
      { ...ok, version: 2 },
    ]) {
      expect(parseForward(JSON.stringify(bad), 8080), JSON.stringify(bad)).toBeUndefined();
    }
    expect(parseForward('{', 8080)).toBeUndefined();
    expect(parseForward('null', 8080)).toBeUndefined();
  });
});
