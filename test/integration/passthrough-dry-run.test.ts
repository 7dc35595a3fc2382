import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containersNamed, docker } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('pt-dry');
afterAll(() => sb.cleanup());

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/passthrough');
/** No daemon answers here: a dry run must not need one. */
const NO_DAEMON = { DOCKER_HOST: 'tcp://127.0.0.1:1' };

describe('mng create --dry-run', () => {
  it('prints the docker build and run lines, needing no daemon and making nothing', async () => {
    const r = await sb.mng(
      [
        'create',
        'dry',
        '--no-connect',
        '--dry-run',
        '--dockerfile',
        `${FIXTURES}/stamp/Dockerfile`,
        '-b',
        '--no-cache',
        '-b',
        '--build-arg=BASE=some image',
        '-s',
        '--cpus=2',
        '-s',
        '-e=FOO=bar baz',
        'sh',
        '--',
        '-c',
        'echo hi',
      ],
      { env: NO_DAEMON },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    const commands = lines.filter((l) => !l.startsWith('#'));
    expect(commands).toHaveLength(2);
    const id = /--tag mng-built:([0-9a-f]{16})/.exec(commands[0])![1];
    expect(commands[0]).toBe(
      `docker build --file ${FIXTURES}/stamp/Dockerfile --tag mng-built:${id} --force-rm --no-cache '--build-arg=BASE=some image' ${FIXTURES}/stamp`,
    );
    expect(commands[1]).toMatch(
      new RegExp(
        `^docker run --detach --name ${sb.container('dry')} --init --publish 127\\.0\\.0\\.1::22 --pull=never --tmpfs /run/mng-secrets:mode=0711 --label mng\\.id=${id} `,
      ),
    );
    expect(commands[1]).toContain(` --label 'mng.agent-command=sh -c '\\''echo hi'\\'''`);
    // the init script's arguments: the host's id, this machine's public key (none yet: a placeholder, as a dry run makes
    // no key) and the agent; an -e value is shown redacted (M6), in the label as on the line
    expect(commands[1]).toMatch(
      new RegExp(
        ` --cpus=2 -e=FOO=mng-redacted:[0-9a-f]{16} --entrypoint /bin/sh mng-built:${id} /mng/init --host-id ${id} --authorized-key '<public key of this machine, made at the first create>' --agent-bin sh --agent-cmd 'exec sh -c '\\\\''echo hi'\\\\''' --agent-user agent$`,
      ),
    );
    expect(r.stdout).not.toContain('bar baz');
    expect(lines.filter((l) => l.startsWith('#')).join('\n')).toMatch(
      /the container runs from mng-prepared:<image id>-g-u-[0-9a-f]{8} in place of the built image: that image with mng's files in \/mng/,
    );

    expect(existsSync(join(sb.dataDir, 'keys'))).toBe(false);
    expect(existsSync(join(sb.dataDir, 'ssh_config'))).toBe(false);
    expect(await containersNamed(sb.container('dry'))).toEqual([]);
    expect((await docker(['image', 'inspect', `mng-built:${id}`], { reject: false })).exitCode).not.toBe(0);
  });

  it('without --dockerfile: the image named in the create line is the one asked for, with a comment about preparation', async () => {
    const r = await sb.mng(['create', 'dry2', '--dry-run'], { env: NO_DAEMON });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.some((l) => l.startsWith('docker build'))).toBe(false);
    const create = lines.find((l) => l.startsWith('docker run --detach '))!;
    expect(create).toMatch(
      new RegExp(` --entrypoint /bin/sh ${sb.baseImage} /mng/init --host-id [0-9a-f]{16} --authorized-key `),
    );
    expect(lines.find((l) => l.startsWith(`# the container runs from mng-prepared:<image id>-g-`))).toMatch(
      new RegExp(
        `-g-u-[0-9a-f]{8} in place of ${sb.baseImage.replace(/[.:]/g, '\\$&')}: that image with mng's files in /mng \\(and openssh-server, tmux, git, sudo and the agent's user added when it lacks them\\), made once by docker build and kept for later creates$`,
      ),
    );
  });

  it('refuses what a real create refuses (exit 2)', async () => {
    const r = await sb.mng(['create', 'dry3', '--dry-run', '-s', '--rm'], { env: NO_DAEMON });
    expectFailure(r, 2, /-s --rm:/);
    expect(r.stdout).toBe('');
  });

  it('a remote provider: DOCKER_HOST on each line, and a warning for a bind mount whose path is on the daemon machine', async () => {
    sb.writeConfig(
      `[providers.docker]\nbackend = "docker"\ndefault_image = "${sb.baseImage}"\n\n[providers.far]\nbackend = "docker"\nhost = "tcp://127.0.0.1:1"\n`,
    );
    const r = await sb.mng([
      'create',
      'dry4',
      '--in',
      'far',
      '--dry-run',
      '-s',
      '-v=/srv/data:/data',
      '-s',
      '--mount=type=bind,src=/srv/x,dst=/x',
      '-s',
      '-v=named:/n',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      "mng: warning: the bind mount source /srv/data is a path on the machine of provider 'far' (tcp://127.0.0.1:1), not on this one",
      "mng: warning: the bind mount source /srv/x is a path on the machine of provider 'far' (tcp://127.0.0.1:1), not on this one",
    ]);
    const commands = r.stdout
      .trimEnd()
      .split('\n')
      .filter((x) => !x.startsWith('#'));
    expect(commands).toHaveLength(1); // docker run --detach (no --dockerfile: no build)
    for (const l of commands) expect(l).toMatch(/^DOCKER_HOST=tcp:\/\/127\.0\.0\.1:1 docker /);
  });
});
