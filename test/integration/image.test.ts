import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, imageExists, inspectContainer } from '../helpers/docker.js';
import { Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('img');
afterAll(() => sb.cleanup());

describe('image preparation', () => {
  // A base of its own (the run's base plus a label), so this file sees the first create from it.
  const base = `mngtest-${sb.runId}-imgbase:latest`;
  let baseId = '';
  beforeAll(async () => {
    await docker(['build', '-q', '-t', base, '-'], { input: `FROM ${sb.baseImage}\nLABEL mngtest.file=image\n` });
    baseId = (await docker(['image', 'inspect', '--format', '{{.Id}}', base])).stdout.trim();
    sb.useImage(base);
  });

  it('installs sshd and tmux once, in a derived image cached by the base image id', async () => {
    const bare = await docker(['run', '--rm', '--entrypoint', 'sh', base, '-c', 'command -v tmux || test -x /usr/sbin/sshd'], { reject: false });
    expect(bare.exitCode).not.toBe(0);

    const first = await sb.mng(['-v', 'create', 'first', '--no-connect']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^\+ docker build --tag mng-prepared:/m);
    const prepared = `mng-prepared:${baseId.replace('sha256:', '').slice(0, 12)}-g`;
    expect(await imageExists(prepared)).toBe(true);
    const labels = JSON.parse((await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', prepared])).stdout);
    expect(labels['mng.prepared-from']).toBe(baseId);
    expect((await inspectContainer(sb.container('first'))).Config.Image).toBe(prepared);

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
    expect(r.stderr).not.toMatch(/docker build/);
    // tagged, not rebuilt: the same image id
    const tagged = `mng-prepared:${readyId.replace('sha256:', '').slice(0, 12)}-g`;
    expect((await docker(['image', 'inspect', '--format', '{{.Id}}', tagged])).stdout.trim()).toBe(readyId);
    const again = await sb.mng(['-v', 'create', 'ready2', '--no-connect']);
    expect(again.stderr).not.toMatch(/docker run --rm/);
  });
});
