import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLabelled, containersNamed, docker, imageExists, inspectContainer } from '../helpers/docker.js';
import { interruptWhen, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('img');
afterAll(() => sb.cleanup());

describe('image preparation', () => {
  // A base of its own (the bare base plus this run's label), so this file sees the first create from it: the one fresh
  // preparation (apt-get) of a run. What mng derives from it carries the run's label and goes at the end of the run.
  const base = `mngtest-${sb.runId}-imgbase:latest`;
  let baseId = '';
  beforeAll(async () => {
    await buildLabelled(base, sb.baseImage, sb.runId, 'LABEL mngtest.file=image\n');
    baseId = (await docker(['image', 'inspect', '--format', '{{.Id}}', base])).stdout.trim();
    sb.useImage(base);
  });

  it("installs sshd and tmux once, in a derived image cached by the base image id, and adds mng's files on top", async () => {
    const bare = await docker(
      ['run', '--rm', '--entrypoint', 'sh', base, '-c', 'command -v tmux || test -x /usr/sbin/sshd'],
      { reject: false },
    );
    expect(bare.exitCode).not.toBe(0);

    const first = await sb.mng(['-v', 'create', 'first', '--no-connect']);
    expect(first.exitCode, first.stderr).toBe(0);
    const tools = `mng-prepared:${baseId.replace('sha256:', '').slice(0, 12)}-g`;
    expect(first.stderr).toContain(`+ docker build --tag ${tools} `);
    expect(await imageExists(tools)).toBe(true);
    const prepared = (await inspectContainer(sb.container('first'))).Config.Image;
    // then sudo and the agent's user, in a layer of their own (uid 1000, no password, a sudo rule)
    expect(first.stderr).toContain(`+ docker build --tag ${tools}-u --label mng.prepared-from=${baseId} -`);
    expect(prepared).toMatch(new RegExp(`^${tools}-u-[0-9a-f]{8}$`));
    const user = await docker([
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      prepared,
      '-c',
      'id agent; command -v sudo; cat /etc/sudoers.d/mng-agent; grep ^agent: /etc/shadow | cut -d: -f2',
    ]);
    expect(user.stdout).toBe(
      'uid=1000(agent) gid=1000(agent) groups=1000(agent)\n/usr/bin/sudo\nagent ALL=(ALL) NOPASSWD:ALL\n*',
    );
    // mng's files come from a build context folder that is gone again afterwards
    const line = first.stderr
      .split('\n')
      .find((l) => l.startsWith(`+ docker build --tag ${prepared} --label mng.prepared-from=${baseId} `));
    const context = line?.split(' ').pop() ?? '';
    expect(context).toMatch(/mng-context-/);
    expect(existsSync(context)).toBe(false);
    for (const image of [tools, `${tools}-u`, prepared]) {
      const labels = JSON.parse(
        (await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', image])).stdout,
      );
      expect(labels['mng.prepared-from']).toBe(baseId);
    }
    // mng's fixed files are in the image, in a /mng that only root can list; nothing of one host is
    const files = await docker(['run', '--rm', '--entrypoint', 'sh', prepared, '-c', 'stat -c "%a %n" /mng /mng/*']);
    expect(files.stdout.trim().split('\n')).toEqual([
      '711 /mng',
      '755 /mng/agent',
      '755 /mng/idle-health',
      '755 /mng/init',
      '644 /mng/sshd_config',
      '755 /mng/start-agent',
      '644 /mng/tmux.conf',
      '755 /mng/watch',
    ]);

    // no host keys from the openssh-server package: they would be the same in every container
    const pkgKeys = await docker([
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      prepared,
      '-c',
      'ls /etc/ssh/ | grep -c "^ssh_host_" || true',
    ]);
    expect(pkgKeys.stdout.trim()).toBe('0');

    const second = await sb.mng(['-v', 'create', 'second', '--no-connect']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/docker build/);
    expect(second.stderr).not.toMatch(/docker run --rm/);
    expect((await inspectContainer(sb.container('second'))).Config.Image).toBe(prepared);
  });

  it('uses an image that already has sshd and tmux as it is, after one probe', async () => {
    // The prepared image is such an image: built FROM it, with a label so it has an id of its own.
    const ready = `mngtest-${sb.runId}-ready:latest`;
    const prepared = `mng-prepared:${baseId.replace('sha256:', '').slice(0, 12)}-g`;
    await docker(['build', '-q', '-t', ready, '-'], { input: `FROM ${prepared}\nLABEL mngtest.file=image-ready\n` });
    const readyId = (await docker(['image', 'inspect', '--format', '{{.Id}}', ready])).stdout.trim();
    sb.useImage(ready);
    const r = await sb.mng(['-v', 'create', 'ready', '--no-connect']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\+ docker run --rm --network=none --entrypoint \/bin\/sh/m);
    expect(r.stderr).not.toMatch(/docker build --tag \S+-g --label/);
    // tagged, not rebuilt: the same image id
    const tagged = `mng-prepared:${readyId.replace('sha256:', '').slice(0, 12)}-g`;
    expect((await docker(['image', 'inspect', '--format', '{{.Id}}', tagged])).stdout.trim()).toBe(readyId);
    // mng's files still go on top, in a quick build of their own
    expect(r.stderr).toContain(`+ docker build --tag ${tagged}-`);
    const again = await sb.mng(['-v', 'create', 'ready2', '--no-connect']);
    expect(again.stderr).not.toMatch(/docker run --rm|docker build/);
  });
});

describe('Ctrl-C during image preparation', () => {
  it('exit 130, no container, no prepared image, no build container left', async () => {
    // a fresh base of its own (labelled): its preparation (apt-get) is what gets interrupted
    const base = await buildLabelled(
      `mngtest-${sb.runId}-imgint:latest`,
      sb.baseImage,
      sb.runId,
      'LABEL mngtest.file=image-interrupted\n',
    );
    const baseId = (await docker(['image', 'inspect', '--format', '{{.Id}}', base])).stdout.trim();
    const tools = `mng-prepared:${baseId.replace('sha256:', '').slice(0, 12)}-g`;
    sb.useImage(base);
    try {
      const child = sb.spawn(['create', 'interrupted', '--no-connect']);
      const { r, stderr } = await interruptWhen(
        child,
        (e) => /^Preparing image \S+imgint:latest: installing openssh-server, tmux and git/m.test(e),
        'the preparation',
      );
      expect(r.exitCode, stderr).toBe(130);
      expect(stderr).toMatch(/mng: error: interrupted/);
      expect(String(r.stderr)).not.toMatch(/^\s+at /m);
      expect(await containersNamed(sb.container('interrupted'))).toEqual([]);
      expect(await imageExists(tools)).toBe(false);
      // the daemon removes the cancelled build step's container on its own, shortly after
      const leftovers = async () =>
        (await docker(['ps', '--all', '--quiet', '--filter', `ancestor=${baseId}`])).stdout.split('\n').filter(Boolean);
      for (let i = 0; i < 40 && (await leftovers()).length > 0; i++) await new Promise((w) => setTimeout(w, 250));
      expect(await leftovers()).toEqual([]);
    } finally {
      sb.useImage();
    }
  });
});
