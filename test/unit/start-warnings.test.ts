import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLabelFiles, startArgWarnings } from '../../lib/core/create/start-warnings.js';
import { UsageError } from '../../lib/errors.js';

describe('start args that give the host away: one warning line each (L6), never a refusal', () => {
  it.each([
    [['--privileged'], /^--privileged gives the agent the daemon's machine/],
    [['--cap-add=SYS_ADMIN'], /^--cap-add=SYS_ADMIN gives the agent the daemon's machine/],
    [['--cap-add', 'ALL'], /^--cap-add=ALL gives/],
    [['--pid=host'], /^--pid=host shares the daemon's machine's pid namespace/],
    [['--ipc', 'host'], /^--ipc=host shares/],
    [['--userns=host'], /^--userns=host shares/],
    [['--security-opt=seccomp=unconfined'], /turns off a confinement/],
    [['--security-opt', 'apparmor:unconfined'], /turns off a confinement/],
    [
      ['-v', '/var/run/docker.sock:/var/run/docker.sock'],
      /^-v=\/var\/run\/docker.sock:.* mounts \/var\/run\/docker.sock/,
    ],
    [['-v=/:/host'], /mounts \/ of the daemon's machine/],
    [['--mount', 'type=bind,source=/run/docker.sock,target=/d.sock'], /mounts \/run\/docker.sock/],
    [['--use-api-socket'], /Docker daemon's API/],
    [['--device=/dev/kvm'], /a device of the daemon's machine/],
  ])('%j', (args, pattern) => {
    const w = startArgWarnings(args);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(pattern);
  });

  it('ports beyond loopback (L5): -P and -p without a host address; -p 127.0.0.1:... is quiet', () => {
    expect(startArgWarnings(['-P'])[0]).toMatch(/^-P publishes every port the image exposes/);
    expect(startArgWarnings(['-p=8080:80'])[0]).toMatch(/every interface .*\(-p 127\.0\.0\.1:HOST:CONTAINER/);
    expect(startArgWarnings(['-p', '80'])).toHaveLength(1);
    expect(startArgWarnings(['-p=127.0.0.1:8080:80', '-p', '127.0.0.1::80', '-p=[::1]:8080:80'])).toEqual([]);
  });

  it('says nothing of what keeps the host contained', () => {
    const quiet = [
      '--cpus=2',
      '--cap-add=NET_BIND_SERVICE',
      '--pid=container:x',
      '-v=/home/me/src:/src',
      '--privileged=false',
    ];
    expect(startArgWarnings(quiet)).toEqual([]);
  });
});

describe('--label-file (L6): no mng.* label through a file either', () => {
  it('refuses a file holding a mng.* label, as --label mng.* is refused; passes any other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mng-unit-labelfile-'));
    try {
      writeFileSync(join(dir, 'bad'), '# labels\nteam=infra\nmng.ssh-user=-oProxyCommand=x\n');
      writeFileSync(join(dir, 'good'), 'team=infra\n');
      await expect(checkLabelFiles(['--label-file', join(dir, 'bad')])).rejects.toThrow(UsageError);
      await expect(checkLabelFiles([`--label-file=${join(dir, 'bad')}`])).rejects.toThrow(
        /"mng.ssh-user": labels under mng.\* are mng's record of the host/,
      );
      await expect(checkLabelFiles(['--label-file', join(dir, 'good')])).resolves.toBeUndefined();
      await expect(checkLabelFiles(['--label-file', join(dir, 'missing')])).resolves.toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
