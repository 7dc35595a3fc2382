import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanDaemon2, d2, DAEMON2, requireDaemon2 } from '../helpers/daemon2.js';
import { docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

// A daemon that is shared or remote may hold containers made behind mng's back, with labels and names mng never
// writes (the security review's H1 and L3): mng names them in list, and acts on none of them. Here the real daemon
// plays the hostile one: the containers are made with plain `docker run`.

const sb = new Sandbox('hostd');
const ESC = '\u001b';
const marker = (n: string) => join(sb.dir, `pwned-${n}`);
let bakedImage = '';

afterAll(async () => {
  if (bakedImage) await docker(['rmi', '-f', bakedImage], { reject: false });
  await sb.cleanup();
});

/** `docker run` of a container labelled as this sandbox's host NAME, with `over` in place of mng's own labels. */
async function crafted(name: string, over: Record<string, string>, image = sb.baseImage): Promise<void> {
  const labels = {
    'mng.id': '0123456789abcdef',
    'mng.name': name,
    'mng.prefix': sb.prefix,
    'mng.provider': 'docker',
    ...over,
  };
  const flags = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  await docker([
    'run',
    '--detach',
    '--name',
    sb.container(name),
    '-p',
    '127.0.0.1::22',
    ...flags,
    image,
    'sleep',
    '600',
  ]);
}

describe('containers with labels mng never writes (H1)', () => {
  beforeAll(async () => {
    await sb.create('ok');
    await crafted('evil-user', { 'mng.ssh-user': `-oProxyCommand=touch ${marker('argv')}` });
    await crafted('evil-line', { 'mng.ssh-user': `root"\n  ProxyCommand touch ${marker('config')}` });
    await crafted('evil-term', { 'mng.image': `deb${ESC}]0;pwned\u0007${ESC}[2Kian` });
  });

  it('list shows the good host and an error row naming each of them, exit 1, no control sequence printed', async () => {
    const human = await sb.mng(['list']);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toMatch(/^ok\s+running\s/m);
    for (const n of ['evil-user', 'evil-line', 'evil-term']) {
      expect(human.stdout).toMatch(new RegExp(`^${sb.container(n)}\\s+error\\s`, 'm'));
      expect(human.stderr).toContain(`container "${sb.container(n)}" is not as mng makes it, so mng leaves it alone`);
    }
    expect(human.stderr).toMatch(/label mng.ssh-user "-oProxyCommand=touch .*" is not a user name/);
    expect(human.stdout + human.stderr).not.toContain(ESC);
    const json = await sb.mng(['list', '--format', 'json']);
    expect(json.exitCode).toBe(1);
    const { agents, errors } = JSON.parse(json.stdout);
    expect(agents.map((a: { name: string }) => a.name)).toEqual(['ok']);
    expect(errors.map((e: { container: string }) => e.container).sort()).toEqual(
      ['evil-line', 'evil-term', 'evil-user'].map((n) => sb.container(n)),
    );
    expect(errors.every((e: { provider: string }) => e.provider === 'docker')).toBe(true);
  });

  it('no command acts on them: exec, connect, stop, destroy, logs refuse, and no local command ever runs', async () => {
    for (const name of ['evil-user', 'evil-line']) {
      for (const args of [
        ['exec', name, '--', 'true'],
        ['connect', name],
        ['stop', name],
        ['destroy', name, '--force'],
        ['logs', name],
      ]) {
        expectFailure(await sb.mng(args), 1, /is not as mng makes it, so mng leaves it alone: label mng.ssh-user/);
      }
      expect((await inspectContainer(sb.container(name))).State.Running).toBe(true);
    }
    expect(existsSync(marker('argv'))).toBe(false);
    expect(existsSync(marker('config'))).toBe(false);
    // nothing of theirs in mng's ssh config files: only the good host has an entry
    expect(readdirSync(join(sb.dataDir, 'hosts'))).toEqual([sb.container('ok')]);
    expect(readFileSync(join(sb.dataDir, 'hosts', sb.container('ok'), 'ssh_config'), 'utf8')).not.toMatch(/touch/);
    // and the good host works as ever
    expect((await sb.mng(['exec', 'ok', '--', 'echo', 'fine'])).stdout).toBe('fine\n');
  });
});

describe('an image that carries mng.* labels and keys of its own (L3, L4)', () => {
  beforeAll(async () => {
    // built from mng's prepared image (sshd, tmux and git in it: no package install), as a snapshot-based or hostile
    // image would be: a whole --from record among its labels, and /mng keys of its own
    const prepared = sb.preparedImage;
    const ctx = join(sb.dir, 'baked');
    await execa('mkdir', ['-p', ctx]);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(ctx, 'hostkey')]);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(ctx, 'intruder')]);
    writeFileSync(join(ctx, 'authorized_keys'), readFileSync(join(ctx, 'intruder.pub')));
    writeFileSync(join(ctx, 'host-id'), 'ffffffffffffffff\n');
    writeFileSync(
      join(ctx, 'Dockerfile'),
      [
        `FROM ${prepared}`,
        `LABEL ${sb.runLabel}`,
        `LABEL mng.from-kind=git mng.from-path=${join(sb.dir, 'victim')} mng.from-commit=${'a'.repeat(40)} mng.from-target=/workspace`,
        // and a coding agent's request for one of the user's variables (issue 18's --pass-env)
        String.raw`LABEL mng.pass-env="[\"MNGTEST_LEAK\"]"`,
        'COPY hostkey /mng/ssh_host_ed25519_key',
        'COPY hostkey.pub /mng/ssh_host_ed25519_key.pub',
        'COPY authorized_keys /mng/authorized_keys',
        'COPY host-id /mng/host-id',
      ].join('\n'),
    );
    bakedImage = `${sb.prefix}baked:1`;
    await docker(['build', '-q', '-t', bakedImage, ctx]);
    sb.useImage(bakedImage);
    await sb.create('baked');
  }, 240_000);
  afterAll(() => sb.useImage());

  it("the host's own labels win: it is not a --from host, so destroy pulls nothing", async () => {
    const c = await inspectContainer(sb.container('baked'));
    expect(c.Config.Labels['mng.from-kind']).toBe('none');
    expectFailure(await sb.mng(['pull', 'baked']), 1, /was not made with --from a repository/);
  });

  it("the image's mng.pass-env never asks for the user's variables: nothing to refresh, nothing handed at a start", async () => {
    expect((await inspectContainer(sb.container('baked'))).Config.Labels['mng.pass-env']).toBe('[]');
    const env = { MNGTEST_LEAK: 'leak-value-42' };
    expectFailure(await sb.mng(['refresh', 'baked'], { env }), 1, /has no coding agent sign-in or --pass-env/);
    expect((await sb.mng(['stop', 'baked'])).exitCode).toBe(0);
    const started = await sb.mng(['start', 'baked'], { env });
    expect(started.exitCode, started.stderr).toBe(0);
    const secrets = await docker(['exec', sb.container('baked'), 'sh', '-c', 'cat /run/mng-secrets/* 2>&1; true']);
    expect(secrets.stdout).not.toContain('leak-value-42');
  });

  it('keys baked into the image are replaced at the first boot, never trusted', async () => {
    const baked = readFileSync(join(sb.dir, 'baked', 'hostkey.pub'), 'utf8')
      .split(' ')
      .slice(0, 2)
      .join(' ');
    const pinned = readFileSync(join(sb.dataDir, 'hosts', sb.container('baked'), 'known_hosts'), 'utf8');
    expect(pinned).not.toContain(baked.split(' ')[1]);
    const inside = await docker([
      'exec',
      sb.container('baked'),
      'cat',
      '/mng/authorized_keys',
      '/mng/ssh_host_ed25519_key.pub',
    ]);
    expect(inside.stdout).not.toContain(readFileSync(join(sb.dir, 'baked', 'intruder.pub'), 'utf8').split(' ')[1]);
    expect(inside.stdout).toContain(pinned.split(' ')[2].trim());
    expect((await sb.mng(['exec', 'baked', '--', 'echo', 'own key'])).stdout).toBe('own key\n');
    // a restart keeps the host's own key (the pin still holds)
    expect((await sb.mng(['stop', 'baked'])).exitCode).toBe(0);
    expect((await sb.mng(['start', 'baked'])).exitCode).toBe(0);
    expect(readFileSync(join(sb.dataDir, 'hosts', sb.container('baked'), 'known_hosts'), 'utf8')).toBe(pinned);
    const destroyed = await sb.mng(['destroy', 'baked', '--force']);
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(destroyed.stderr).not.toMatch(/pull/i);
  });

  it("a host without a digest of its own (as an older mng made them) does not take its image's --from labels either", async () => {
    // its labels are mng's but carry no mng.digest; its mng.from-* come from the image it runs
    await crafted('legacy', { 'mng.ssh-user': 'root' }, bakedImage);
    expect((await inspectContainer(sb.container('legacy'))).Config.Labels['mng.from-kind']).toBe('git');
    const r = await sb.mng(['pull', 'legacy']);
    expectFailure(r, 1, /agent 'legacy' was not made with --from a repository/);
    expect(r.stderr).toMatch(/mng: warning: agent 'legacy': its mng.from-\* labels are its image's, not its own/);
  });
});

describe('the same name on two providers (M7, L2, L7)', () => {
  beforeAll(async () => {
    sb.useImage();
    requireDaemon2();
    sb.writeConfig(
      `[providers.docker]\nbackend = "docker"\ndefault_image = "${sb.baseImage}"\n\n[providers.far]\nbackend = "docker"\nhost = "${DAEMON2}"\ndefault_image = "${sb.baseImage}"\n`,
    );
    await sb.create('twin');
    await sb.create('twin', ['--in', 'far']);
  }, 240_000);
  afterAll(async () => {
    await cleanDaemon2(sb);
    sb.useImage();
  });

  it('each has its own alias, pinned key and record; each exec and plain ssh reaches its own container', async () => {
    const local = (await inspectContainer(sb.container('twin'))).Id.slice(0, 12);
    const far = JSON.parse((await d2(['container', 'inspect', sb.container('twin')])).stdout)[0].Id.slice(0, 12);
    expect(local).not.toBe(far);
    const hosts = readdirSync(join(sb.dataDir, 'hosts'));
    expect(hosts).toContain(sb.alias('twin'));
    expect(hosts).toContain(sb.alias('twin', 'far'));
    // the far one first (its connection stays open), then the local one: never the other's connection
    for (const [provider, id] of [
      ['far', far],
      ['docker', local],
      ['far', far],
    ] as const) {
      const r = await sb.mng(['exec', 'twin', '--provider', provider, '--', 'cat', '/etc/hostname']);
      expect(r.stdout.trim(), r.stderr).toBe(id);
      const plain = await execa('ssh', sb.sshArgs('twin', ['cat', '/etc/hostname'], provider), { reject: false });
      expect(plain.stdout.trim(), plain.stderr).toBe(id);
    }
  });

  it('says once per command that the far daemon is reached without TLS', async () => {
    const r = await sb.mng(['list', '--provider', 'far']);
    expect(r.stderr.match(/mng: warning: provider 'far' talks to tcp:\/\/127\.0\.0\.1:\d+ without TLS/g)).toHaveLength(
      1,
    );
    expect((await sb.mng(['list', '--provider', 'docker'])).stderr).not.toMatch(/without TLS/);
  });

  it("gc --provider X looks at X's entries only", async () => {
    await d2(['rm', '-f', sb.container('twin')]);
    const other = await sb.mng(['gc', '--dry-run', '--provider', 'docker']);
    expect(other.stdout).not.toContain(sb.alias('twin', 'far'));
    const own = await sb.mng(['gc', '--dry-run', '--provider', 'far']);
    expect(own.stdout).toContain(`would remove ssh-entry ${sb.alias('twin', 'far')}`);
    expect(own.stdout).not.toContain(`ssh-entry ${sb.alias('twin')}:`);
  });
});
