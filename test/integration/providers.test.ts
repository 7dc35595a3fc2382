import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cleanDaemon2, d2, DAEMON2, requireDaemon2 } from '../helpers/daemon2.js';
import { docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('prov');
afterAll(() => sb.cleanup());

function config(extra: string): void {
  sb.writeConfig(`[providers.docker]\nbackend = "docker"\ndefault_image = "${sb.baseImage}"\n${extra}`);
}

describe('configuration', () => {
  afterAll(() => sb.useImage());

  it('honours default_start_args and default_idle_timeout, and records them on the host', async () => {
    sb.writeConfig(
      `[providers.docker]\nbackend = "docker"\nhost = ""\ndefault_image = "${sb.baseImage}"\ndefault_start_args = ["--cpus=1", "--memory=300m"]\ndefault_idle_timeout = "15m"\n`,
    );
    await sb.create('cfg');
    const c = await inspectContainer(sb.container('cfg'));
    expect(c.HostConfig.NanoCpus).toBe(1e9);
    expect(c.HostConfig.Memory).toBe(300 * 1024 * 1024);
    expect(c.Config.Labels['mng.idle-timeout']).toBe('900');
    expect(JSON.parse(c.Config.Labels['mng.start-args'])).toEqual(['--cpus=1', '--memory=300m']);
    const { agents } = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout);
    expect(agents.find((a: any) => a.name === 'cfg').idle_timeout_seconds).toBe(900);
  });

  it('shows its path and the effective configuration with defaults', async () => {
    const path = await sb.mng(['config', 'path']);
    expect(path.stdout.trim()).toBe(sb.configFile);
    const env = { MNG_CONFIG: join(sb.dir, 'none.toml') };
    expect((await sb.mng(['config', 'path'], { env })).stdout.trim()).toBe(join(sb.dir, 'none.toml'));
    const shown = JSON.parse((await sb.mng(['config', 'show', '--format', 'json'], { env })).stdout);
    expect(shown).toEqual({
      file: join(sb.dir, 'none.toml'),
      file_exists: false,
      providers: {
        docker: {
          backend: 'docker',
          host: '',
          default_image: 'debian:bookworm-slim',
          default_start_args: [],
          default_idle_timeout: 800,
          default_egress: 'open',
        },
      },
      agents: {},
    });
    const toml = await sb.mng(['config', 'show'], { env });
    expect(toml.stdout).toContain('[providers.docker]');
  });

  const bad: [string, string, RegExp][] = [
    ['syntax', '[providers.docker\nbackend = "docker"\n', /config\.toml:1:\d+: TOML syntax error/],
    [
      'unknown key',
      '[providers.docker]\nbackend = "docker"\nimage = "x"\n',
      /\[providers\.docker\]: unknown key 'image' \(valid keys: backend, host, default_image, default_start_args, default_idle_timeout, default_egress\)/,
    ],
    [
      'wrong type',
      '[providers.docker]\nbackend = "docker"\ndefault_start_args = "--cpus=2"\n',
      /\[providers\.docker\] default_start_args: expected an array of strings/,
    ],
    [
      'unknown backend',
      '[providers.docker]\nbackend = "podman"\n',
      /\[providers\.docker\] backend: unknown backend 'podman'/,
    ],
    [
      'bad idle timeout',
      '[providers.docker]\nbackend = "docker"\ndefault_idle_timeout = "soon"\n',
      /default_idle_timeout: expected seconds or a duration/,
    ],
  ];
  for (const [what, text, pattern] of bad) {
    it(`rejects a config with ${what}, naming the file, and creates nothing`, async () => {
      sb.writeConfig(text);
      const r = await sb.mng(['create', 'badcfg', '--no-connect']);
      expectFailure(r, 1, pattern);
      expect(r.stderr).toContain(sb.configFile);
      expect((await docker(['ps', '-a', '--filter', `name=${sb.container('badcfg')}`, '-q'])).stdout).toBe('');
    });
  }

  it('rejects --in naming a provider that is not configured', async () => {
    sb.useImage();
    expectFailure(
      await sb.mng(['create', 'x1', '--in', 'elsewhere', '--no-connect']),
      1,
      /unknown provider 'elsewhere' \(configured: docker; add a \[providers\.elsewhere\] section/,
    );
  });
});

describe('tags', () => {
  beforeAll(async () => {
    sb.useImage();
    await sb.create('t1', ['--tag', 'env=test', '--tag', 'team=infra']);
    await sb.create('t2', ['--tag', 'env=prod', '--tag', 'note=a b=c']);
  });

  it('are container labels, shown by list', async () => {
    const c = await inspectContainer(sb.container('t1'));
    expect(JSON.parse(c.Config.Labels['mng.tags'])).toEqual({ env: 'test', team: 'infra' });
    const { agents } = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout);
    expect(agents.find((a: any) => a.name === 't2').tags).toEqual({ env: 'prod', note: 'a b=c' });
    const human = (await sb.mng(['list'])).stdout;
    expect(human).toMatch(/^t1\s.*env=test,team=infra$/m);
  });

  it('filter list', async () => {
    const names = async (...f: string[]) =>
      JSON.parse((await sb.mng(['list', '--format', 'json', ...f.flatMap((x) => ['--tag', x])])).stdout).agents.map(
        (a: any) => a.name,
      );
    expect(await names('env=test')).toEqual(['t1']);
    expect(await names('env')).toEqual(['t1', 't2']);
    expect(await names('env=prod', 'note=a b=c')).toEqual(['t2']);
    expect(await names('env=none')).toEqual([]);
  });

  it('are printed by mng tag, and cannot change', async () => {
    expect((await sb.mng(['tag', 't1'])).stdout).toBe('env=test\nteam=infra\n');
    expect(JSON.parse((await sb.mng(['tag', 't1', '--format', 'json'])).stdout)).toEqual({
      env: 'test',
      team: 'infra',
    });
    const r = await sb.mng(['tag', 't1', 'env=prod']);
    expectFailure(r, 1, /tags of 't1' cannot change: they are Docker labels.*mng snapshot create t1/);
    expect(JSON.parse((await inspectContainer(sb.container('t1'))).Config.Labels['mng.tags']).env).toBe('test');
  });

  for (const [tag, pattern] of [
    ['novalue', /expected KEY=VALUE/],
    ['=x', /invalid tag key ""/],
    ['-bad=x', /invalid tag key "-bad"/],
  ] as const) {
    it(`rejects --tag ${tag} as a usage error, creating nothing`, async () => {
      expectFailure(await sb.mng(['create', 'badtag', '--no-connect', `--tag=${tag}`]), 2, pattern);
      expect((await docker(['ps', '-a', '-q', '--filter', `name=${sb.container('badtag')}`])).stdout).toBe('');
    });
  }

  it('rejects a repeated key', async () => {
    expectFailure(
      await sb.mng(['create', 'badtag', '--no-connect', '--tag', 'a=1', '--tag', 'a=2']),
      2,
      /tag 'a' is given twice/,
    );
  });
});

describe('a second daemon over tcp://', () => {
  beforeAll(async () => {
    requireDaemon2();
    sb.useImage();
    await sb.create('warm'); // a host on the local daemon, beside the remote ones
    config(`[providers.far]\nbackend = "docker"\nhost = "${DAEMON2}"\ndefault_image = "${sb.baseImage}"\n`);
  });
  afterAll(async () => {
    await cleanDaemon2(sb);
    sb.useImage();
  });

  it('creates the host on that daemon only, and reaches it over ssh through docker exec', async () => {
    const r = await sb.mng(['create', 'remote1', '--in', 'far', '--no-connect', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.provider).toBe('far');
    expect(json.ssh.proxy_command).toContain(`DOCKER_HOST=${DAEMON2} docker exec -i ${sb.container('remote1')}`);
    expect((await d2(['container', 'inspect', sb.container('remote1')])).exitCode).toBe(0);
    expect((await docker(['container', 'inspect', sb.container('remote1')], { reject: false })).exitCode).not.toBe(0);
    // sshd is published on the daemon machine's loopback only
    const c = JSON.parse((await d2(['container', 'inspect', sb.container('remote1')])).stdout)[0];
    expect(c.NetworkSettings.Ports['22/tcp'][0].HostIp).toBe('127.0.0.1');

    const e = await sb.mng(['exec', 'remote1', '--', 'sh', '-c', 'cat /etc/hostname; exit 4']);
    expect(e.exitCode).toBe(4);
    expect(json.container_id.startsWith(e.stdout.trim())).toBe(true);
    const viaConfig = await execa('ssh', sb.sshArgs('remote1', ['echo', 'ok'], 'far'), { reject: false });
    expect(viaConfig.stdout.trim(), viaConfig.stderr).toBe('ok');
  });

  it('lists the hosts of every provider, and finds a name on any of them', async () => {
    const { agents, errors } = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout);
    expect(errors).toEqual([]);
    expect(agents.find((a: any) => a.name === 'remote1').provider).toBe('far');
    expect(agents.find((a: any) => a.name === 'warm').provider).toBe('docker');
    expect((await sb.mng(['list', '--format', 'json', '--provider', 'far'])).stdout).not.toContain('"warm"');
  });

  it('asks for --provider when a name is on two providers', async () => {
    await sb.create('twice');
    await sb.create('twice', ['--in', 'far']);
    expectFailure(
      await sb.mng(['exec', 'twice', '--', 'true']),
      1,
      /agent 'twice' exists on several providers \(docker, far\); choose one with --provider NAME/,
    );
    const r = await sb.mng(['exec', 'twice', '--provider', 'far', '--', 'true']);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('reports an unreachable daemon without hiding the others (exit 1)', async () => {
    config(
      `[providers.far]\nbackend = "docker"\nhost = "${DAEMON2}"\ndefault_image = "${sb.baseImage}"\n[providers.down]\nbackend = "docker"\nhost = "tcp://127.0.0.1:1"\n`,
    );
    const json = await sb.mng(['list', '--format', 'json']);
    expect(json.exitCode).toBe(1);
    const { agents, errors } = JSON.parse(json.stdout);
    expect(agents.map((a: any) => a.name)).toContain('remote1');
    expect(agents.map((a: any) => a.name)).toContain('warm');
    expect(errors).toHaveLength(1);
    expect(errors[0].provider).toBe('down');
    expect(errors[0].error).toMatch(/cannot reach the Docker daemon of provider 'down'/);
    const human = await sb.mng(['list']);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toMatch(/^remote1\s/m);
    expect(human.stderr).toMatch(/warning: provider 'down': cannot reach the Docker daemon/);
  });
});

describe('an ssh:// Docker host', () => {
  let sshd: ResultPromise | undefined;
  let port = 0;
  const dir = join(sb.dir, 'sshhost');
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as any).port;
        srv.close(() => resolve(p));
      });
    });
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'hostkey')]);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'userkey')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'userkey.pub')));
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'hostkey')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'UsePAM no',
        'StrictModes no',
        `PidFile ${join(dir, 'sshd.pid')}`,
      ].join('\n') + '\n',
    );
    mkdirSync('/run/sshd', { recursive: true });
    sshd = execa('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { reject: false });
    // The docker CLI runs plain `ssh` for ssh:// hosts, and OpenSSH reads ~ from the password database, not $HOME:
    // a wrapper on PATH gives it this test's client config (key, pinned host key) instead of root's own.
    const hostPub = readFileSync(join(dir, 'hostkey.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
    writeFileSync(
      join(dir, 'ssh_config'),
      `Host 127.0.0.1\n  IdentityFile ${join(dir, 'userkey')}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${join(dir, 'known_hosts')}\n  StrictHostKeyChecking yes\n`,
    );
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${join(dir, 'ssh_config')} "$@"\n`);
    chmodSync(join(dir, 'bin', 'ssh'), 0o755);
    config(
      `[providers.viassh]\nbackend = "docker"\nhost = "ssh://root@127.0.0.1:${port}"\ndefault_image = "${sb.baseImage}"\n`,
    );
    for (let i = 0; i < 50; i++) {
      const r = await execa(
        join(dir, 'bin', 'ssh'),
        ['-p', String(port), '-o', 'BatchMode=yes', 'root@127.0.0.1', 'true'],
        { reject: false },
      );
      if (r.exitCode === 0) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('the test sshd did not come up');
  });
  afterAll(() => {
    sshd?.kill();
    sb.useImage();
  });

  it('creates, lists and execs through the ssh:// daemon', async () => {
    const env = { PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
    const r = await sb.mng(['create', 'overssh', '--in', 'viassh', '--no-connect'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const { agents, errors } = JSON.parse(
      (await sb.mng(['list', '--format', 'json', '--provider', 'viassh'], { env })).stdout,
    );
    expect(errors).toEqual([]);
    expect(agents.map((a: any) => [a.name, a.provider])).toEqual([['overssh', 'viassh']]);
    expect(agents[0].ssh.proxy_command).toContain(`DOCKER_HOST=ssh://root@127.0.0.1:${port} docker exec -i`);
    const e = await sb.mng(['exec', 'overssh', '--', 'sh', '-c', 'echo "$((6*7))"'], { env });
    expect(e.exitCode, e.stderr).toBe(0);
    expect(e.stdout).toBe('42\n');
    // The same daemon seen as the local provider does not claim the host.
    expect(
      JSON.parse((await sb.mng(['list', '--format', 'json', '--provider', 'docker'], { env })).stdout).agents.map(
        (a: any) => a.name,
      ),
    ).not.toContain('overssh');
  });
});
