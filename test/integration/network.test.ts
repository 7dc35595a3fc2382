import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';
import { requestsSeen, serveInHost, startHttpServer, testNetwork } from '../helpers/servers.js';

// Egress policies and isolation, against the real daemon: every server the hosts try to reach is a throwaway
// container of this file's own, on a test network of its own (see test/helpers/servers.ts).

/** Does a TCP connection from inside host NAME (bash's /dev/tcp, as root through the agent's sudo) connect within 3 s? */
async function tcpFrom(sb: Sandbox, name: string, ip: string, port: number): Promise<boolean> {
  const r = await sb.mng(['exec', name, '--', 'sudo', 'timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${ip}/${port}`]);
  return r.exitCode === 0;
}

/** The container's address on its (only) network. */
async function ipOf(container: string): Promise<string> {
  const c = await inspectContainer(container);
  return Object.values(c.NetworkSettings.Networks as Record<string, { IPAddress: string }>)[0]?.IPAddress ?? '';
}

/** A one-commit repository of the test's own. */
async function makeRepo(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const git = (args: string[]) => execa('git', ['-C', dir, ...args]);
  await execa('git', ['init', '-q', '-b', 'main', dir]);
  await git(['config', 'user.name', 'Test']);
  await git(['config', 'user.email', 'test@example.invalid']);
  writeFileSync(join(dir, 'a.txt'), 'one\n');
  await git(['add', '-A']);
  await git(['commit', '-qm', 'first']);
  return dir;
}

describe('egress policies and isolation between hosts', () => {
  const sb = new Sandbox('net');
  let repo: string;
  let web: { container: string; ip: string };
  let other: { container: string; ip: string };

  beforeAll(async () => {
    repo = await makeRepo(join(sb.dir, 'repo'));
    const net = await testNetwork(sb.prefix, 'outside');
    [web, other] = await Promise.all([
      startHttpServer(sb.baseImage, sb.prefix, 'web', net),
      startHttpServer(sb.baseImage, sb.prefix, 'other', net),
    ]);
    // Six creates at once on a daemon that has none of mng's networks yet (four of them need the hosts network):
    // each network is made once, and every create succeeds.
    await Promise.all([
      sb.create('off', ['--egress', 'none', '--from', repo]),
      sb.create('fenced', ['--egress', `allow=${web.container}:8080`]),
      sb.create('p1'),
      sb.create('p2'),
      sb.create('p3'),
      sb.create('p4'),
    ]);
    // The filter reaches this test network as it would any network its user connects it to.
    await docker(['network', 'connect', net, `${sb.prefix}egress.filter`]);
  });
  afterAll(() => sb.cleanup());

  it('makes each of its networks once, however many creates run at once', async () => {
    const names = (await docker(['network', 'ls', '--filter', `name=${sb.prefix}`, '--format', '{{.Name}}'])).stdout
      .split('\n')
      .sort();
    expect(names).toEqual([`${sb.prefix}egress`, `${sb.prefix}hosts`, `${sb.prefix}tn-outside`]);
    const egress = JSON.parse((await docker(['network', 'inspect', `${sb.prefix}egress`])).stdout)[0];
    expect(egress.Internal).toBe(true);
    expect(egress.Options['com.docker.network.bridge.enable_icc']).toBe('false');
  });

  it('--egress none: no network at all, even for root; mng still reaches the host', async () => {
    const c = await inspectContainer(sb.container('off'));
    expect(c.HostConfig.NetworkMode).toBe('none');
    expect(c.HostConfig.CapDrop).toContain('CAP_NET_RAW');
    expect(await tcpFrom(sb, 'off', web.ip, 8080)).toBe(false);
    for (const n of [web.container, 'deb.debian.org']) {
      const dns = await sb.mng(['exec', 'off', '--', 'sudo', 'sh', '-c', `id -u; timeout 4 getent hosts ${n}`]);
      expect([dns.stdout.trim(), dns.exitCode === 0]).toEqual(['0', false]);
    }
    // plain ssh through mng's ssh config (the docker exec route), pull (git bundles over docker exec)
    const ssh = await execa('ssh', sb.sshArgs('off', ['echo', 'plain ssh']), { reject: false });
    expect(ssh.stdout).toBe('plain ssh');
    await sb.mng(['exec', 'off', '--', 'sh', '-c', 'echo two >> a.txt && git commit -qam second']);
    const pull = await sb.mng(['pull', 'off']);
    expect(pull.exitCode).toBe(0);
    expect((await execa('git', ['-C', repo, 'log', '--format=%s', 'mng/off/HEAD'])).stdout).toBe('second\nfirst');
    const list = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout).agents;
    const off = list.find((a: { name: string }) => a.name === 'off');
    expect(off.egress).toBe('none');
    expect(off.ssh.proxy_command).toContain(`docker exec -i ${sb.container('off')}`);
  });

  it('allow=NAME: the named server through the proxy settings, and nothing else', async () => {
    const c = await inspectContainer(sb.container('fenced'));
    expect(c.HostConfig.NetworkMode).toBe(`${sb.prefix}egress`);
    const git = (url: string, unset = false) =>
      sb.mng([
        'exec',
        'fenced',
        '--',
        'sh',
        '-c',
        `${unset ? 'unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY; ' : ''}git ls-remote ${url} 2>&1; true`,
      ]);
    // git (libcurl) through the filter: the server answered (with a page that is no repository)
    const allowed = await git(`http://${web.container}:8080/repo`);
    expect(allowed.stdout).toMatch(/not valid: is this a git repository\?/);
    expect((await requestsSeen(web.container)).join('\n')).toMatch(/GET \/repo\/info\/refs/);
    // side by side: another server on the same network (refused by the filter, never reached); the allowed name on
    // another port (refused too); and without the proxy variables, as root: no name resolves (not even the allowed
    // one: DNS is no way out either)
    const [refused, otherPort, unproxied] = await Promise.all([
      git(`http://${other.container}:8080/repo`),
      git(`http://${web.container}:9999/repo`),
      git(`http://${web.container}:8080/again`, true),
    ]);
    expect(refused.stdout).toMatch(/403/);
    expect(otherPort.stdout).toMatch(/403/);
    expect(await requestsSeen(other.container)).toEqual([]);
    expect(unproxied.stdout).toMatch(/Could not resolve host/);
    // (a lookup gets no answer at all: each is given 4 s, side by side)
    const lookups = await Promise.all(
      [web.container, 'deb.debian.org'].map((n) =>
        sb.mng(['exec', 'fenced', '--', 'sudo', 'sh', '-c', `id -u; timeout 4 getent hosts ${n}`]),
      ),
    );
    expect(lookups.map((r) => [r.stdout.trim(), r.exitCode === 0])).toEqual([
      ['0', false],
      ['0', false],
    ]);
    expect(await Promise.all([tcpFrom(sb, 'fenced', web.ip, 8080), tcpFrom(sb, 'fenced', other.ip, 8080)])).toEqual([
      false,
      false,
    ]);
    // `iptables -F` needs CAP_NET_ADMIN, which root in the host lacks (the filter's rules are not in its namespace
    // anyway): bit 12 of its effective capabilities is clear
    const caps = await sb.mng(['exec', 'fenced', '--', 'sudo', 'sed', '-n', 's/^CapEff:\t//p', '/proc/self/status']);
    expect(BigInt(`0x${caps.stdout.trim()}`) & (1n << 12n)).toBe(0n);
    expect((await requestsSeen(web.container)).join('\n')).not.toMatch(/again/);
    // the container's own default route (engines before 25 give one on an internal network) leads nowhere: the
    // daemon's machine drops what leaves the internal network, whatever root does inside; nor can root forge packets
    const raw = await sb.mng([
      'exec',
      'fenced',
      '--',
      'sudo',
      'perl',
      '-MSocket',
      '-e',
      'socket(my $s, PF_INET, SOCK_RAW, 255) or die "$!\\n"',
    ]);
    expect(raw.stderr).toMatch(/Operation not permitted/);
  });

  it('two hosts reach neither the other sshd nor any other port of it', async () => {
    const [ip1, ip2] = await Promise.all([ipOf(sb.container('p1')), ipOf(sb.container('p2'))]);
    expect(ip1).not.toBe('');
    // a server in p2 on port 3000; p2 itself reaches it and its sshd on its network address (so both listen there)
    await serveInHost(sb, 'p2', 3000);
    expect(await Promise.all([tcpFrom(sb, 'p2', ip2, 3000), tcpFrom(sb, 'p2', ip2, 22)])).toEqual([true, true]);
    // (and an allow-list host, on the filter's network, reaches none of them either)
    const tries = await Promise.all([
      tcpFrom(sb, 'p1', ip2, 22),
      tcpFrom(sb, 'p1', ip2, 3000),
      tcpFrom(sb, 'p2', ip1, 22),
      tcpFrom(sb, 'fenced', ip2, 22),
    ]);
    expect(tries).toEqual([false, false, false, false]);
  });

  it('destroy takes the host out of the filter', async () => {
    const id = (await inspectContainer(sb.container('fenced'))).Config.Labels['mng.id'];
    const ls = () => docker(['exec', `${sb.prefix}egress.filter`, 'ls', '/run/mng-egress/hosts']);
    expect((await ls()).stdout).toContain(`${id}.conf`);
    expect((await sb.mng(['destroy', 'fenced', '--force'])).exitCode).toBe(0);
    expect((await ls()).stdout).not.toContain(`${id}.conf`);
  });
});

describe('network bad input: one line, exit code, nothing made', () => {
  const sb = new Sandbox('netbad');
  afterAll(() => sb.cleanup());

  const nothingMade = async () => {
    expect((await docker(['ps', '-a', '-q', '--filter', `name=${sb.prefix}`])).stdout).toBe('');
    expect((await docker(['network', 'ls', '-q', '--filter', `name=${sb.prefix}`])).stdout).toBe('');
  };

  it.each([
    [['--egress', 'allow=exa mple.com'], /'exa mple.com' is not a domain name/],
    [['--egress', 'allow=github.com,,x.org'], /empty entry/],
    [['--egress', 'allow=github.com:99999'], /no valid port/],
    [['--egress', 'allow=127.0.0.1'], /loopback/],
    [['--egress', 'sometimes'], /not open, none or allow=LIST/],
    [['--egress', 'none', '-s', '--network=host'], /--egress none cannot be combined with -s --network=host/],
    [['--egress', 'allow=x.org', '-s', '--network=none'], /cannot be combined with -s --network=none/],
    [['--egress', 'none', '-s', '-p=8080:80'], /publishes no port/],
    [['-s', '--network=none'], /use --egress none/],
  ])('create %j', async (args, pattern) => {
    expectFailure(await sb.mng(['create', 'bad', '--no-connect', ...args]), 2, pattern);
    await nothingMade();
  });

  it('a malformed default_egress names the file and key', async () => {
    sb.writeConfig(`[providers.docker]\ndefault_image = "${sb.baseImage}"\ndefault_egress = "allow=a b"\n`);
    expectFailure(
      await sb.mng(['create', 'bad', '--no-connect']),
      1,
      /config\.toml: \[providers\.docker\] default_egress: 'a b'/,
    );
    sb.useImage();
    await nothingMade();
  });
});
