import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLabelled, containersNamed, docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, interruptWhen, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('pt-build');
afterAll(() => sb.cleanup());

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/passthrough');
/** Every fixture starts `ARG BASE` / `FROM ${BASE}`: images built from a run's base carry its label and are removed at teardown. */
const base = (image: string) => ['-b', `--build-arg=BASE=${image}`];

/**
 * A base with sshd, tmux and git: mng's own prepared image of the bare base, with this run's label (what is built on it
 * carries the label, and goes at the end of the run). Fixtures built on it skip the ~20 s preparation; one test builds
 * on `bare` (the bare base with the label) to cover the preparation of a built image.
 */
let ready: string;
let bare: string;

/** The `mng-built:<host id>` tags of this run: each host's claim on the image built from its Dockerfile. */
async function builtImages(): Promise<string[]> {
  const r = await docker([
    'images',
    '--filter',
    'reference=mng-built',
    '--filter',
    `label=mngtest.run=${sb.runId}`,
    '--format',
    '{{.Repository}}:{{.Tag}}',
  ]);
  return [...new Set(r.stdout.split('\n').filter(Boolean))].sort();
}

/**
 * The `mng-built:<host id>` tag one create's build used, as its --verbose argv (or the build's output) names it, and
 * that it is gone: each test looks at its own image only, since other files build on this daemon at the same time.
 */
async function expectOwnBuiltGone(stderr: string): Promise<void> {
  const tag = /(?:--tag '?|Successfully tagged )(mng-built:[0-9a-f]{16})\b/.exec(stderr)?.[1];
  expect(tag, stderr).toBeDefined();
  expect(await builtImages()).not.toContain(tag);
  const left = await docker(['image', 'inspect', '--format', '{{.Id}}', String(tag)], { reject: false });
  expect(left.exitCode, `${tag} is still there: ${left.stdout}`).not.toBe(0);
  expect(left.stderr).toMatch(/No such image/i);
}

/** Containers made from `ready` that are not mng hosts: what a failed build step would leave behind. */
async function buildLeftovers(): Promise<string[]> {
  const r = await docker(['ps', '--all', '--filter', `ancestor=${ready}`, '--format', '{{.Names}}']);
  return r.stdout.split('\n').filter((n) => n && !n.includes('mngtest-'));
}

async function sh(name: string, command: string): Promise<string> {
  const r = await sb.mng(['exec', name, '--', 'sh', '-c', command]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
}

beforeAll(async () => {
  expect(sb.preparedImage).toMatch(/^mng-prepared:/);
  [ready, bare] = await Promise.all([
    buildLabelled(`mngtest-${sb.runId}-pt-ready:latest`, sb.preparedImage, sb.runId),
    buildLabelled(`mngtest-${sb.runId}-pt-bare:latest`, sb.baseImage, sb.runId),
  ]);
});

describe('mng create --dockerfile', () => {
  let builtForFirst: string;

  it('builds ./Dockerfile with its folder as the context, streams the build, and prepares an image without sshd', async () => {
    const r = await sb.mng(['create', 'plain', '--no-connect', '--dockerfile', './Dockerfile', ...base(bare)], {
      cwd: `${FIXTURES}/basic`,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\| Step 3\/3 : COPY marker.txt \/marker.txt/);
    expect(r.stderr).toMatch(/Preparing image mng-built:[0-9a-f]{16}: installing openssh-server, tmux and git/);
    expect(await sh('plain', 'cat /marker.txt')).toBe('built from the basic fixture');
    const c = await inspectContainer(sb.container('plain'));
    builtForFirst = c.Config.Labels['mng.id'];
    expect(c.Config.Labels['mng.image']).toBe(`mng-built:${builtForFirst}`);
    expect(c.Config.Image).toMatch(/^mng-prepared:/);
  });

  it('--dockerfile ./docker/Dockerfile --dockerfile-context .', async () => {
    const r = await sb.mng(
      [
        'create',
        'ctx',
        '--no-connect',
        '--dockerfile',
        './docker/Dockerfile',
        '--dockerfile-context',
        '.',
        ...base(ready),
      ],
      { cwd: `${FIXTURES}/context` },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await sh('ctx', 'cat /hello.txt')).toBe('hello from the context folder');
  });

  it("without --dockerfile-context the context is the Dockerfile's folder: that build fails, leaving nothing", async () => {
    // --verbose shows the build's argv: its own tag, mng-built:<host id> (other files build on this daemon meanwhile)
    const args = [
      'create',
      'noctx',
      '--verbose',
      '--no-connect',
      '--dockerfile',
      './docker/Dockerfile',
      ...base(ready),
    ];
    const r = await sb.mng(args, { cwd: `${FIXTURES}/context` });
    expectFailure(
      r,
      1,
      /docker build of \S+\/context\/docker\/Dockerfile failed at step 3\/3 \(COPY hello.txt \/hello.txt\): .*hello.txt/,
    );
    expect(await containersNamed(sb.container('noctx'))).toEqual([]);
    await expectOwnBuiltGone(r.stderr);
    expect(await buildLeftovers()).toEqual([]);
  });

  it('-b --build-arg=MY_VAR=value -b --target=dev: the value is in the container, the build stopped at dev', async () => {
    await sb.create('stages', [
      '--dockerfile',
      `${FIXTURES}/stages/Dockerfile`,
      ...base(ready),
      '-b',
      '--build-arg=MY_VAR=value',
      '-b',
      '--target=dev',
    ]);
    expect(await sh('stages', 'cat /my-var')).toBe('value');
    expect(await sh('stages', 'cat /stage')).toBe('dev');
    const env = await sb.mng(['exec', 'stages', '--', 'printenv', 'MY_VAR']);
    expect(env.stdout.trim()).toBe('value');
  });

  it('-b --no-cache reruns the steps that the cache would skip', async () => {
    const stamp = ['--dockerfile', `${FIXTURES}/stamp/Dockerfile`, ...base(ready)];
    await sb.create('stamp1', stamp);
    const first = await sh('stamp1', 'cat /built-at');
    const cached = await sb.create('stamp2', stamp);
    expect(cached.stderr).toMatch(/Step 3\/3 : RUN date[^\n]*\n[^\n]*---> Using cache/);
    expect(await sh('stamp2', 'cat /built-at')).toBe(first);
    const fresh = await sb.create('stamp3', [...stamp, '-b', '--no-cache']);
    expect(fresh.stderr).toMatch(/Step 3\/3 : RUN date/);
    expect(fresh.stderr).not.toMatch(/Using cache/);
    expect(await sh('stamp3', 'cat /built-at')).not.toBe(first);
  });

  it('the = forms: -s=--cpus=2 -b=--no-cache', async () => {
    const r = await sb.create('eq', [
      '--dockerfile',
      `${FIXTURES}/stamp/Dockerfile`,
      `-b=--build-arg=BASE=${ready}`,
      '-s=--cpus=2',
      '-b=--no-cache',
    ]);
    expect(r.stderr).not.toMatch(/Using cache/);
    expect(await sh('eq', 'cat /built-at')).not.toBe(await sh('stamp1', 'cat /built-at'));
    expect((await inspectContainer(sb.container('eq'))).HostConfig.NanoCpus).toBe(2e9);
  });

  it("a failing Dockerfile: exit 1, docker's error shown, no container, no image, no build container", async () => {
    const r = await sb.mng([
      'create',
      'broken',
      '--verbose',
      '--no-connect',
      '--dockerfile',
      `${FIXTURES}/failing/Dockerfile`,
      ...base(ready),
    ]);
    expectFailure(
      r,
      1,
      /docker build of \S+\/failing\/Dockerfile failed at step 3\/3 \(RUN echo "mng-fixture: this step fails" && false\): .*mng-fixture: this step fails \| The command .* returned a non-zero code: 1$/,
    );
    // docker's own output streamed above the error
    expect(r.stderr).toMatch(/\| mng-fixture: this step fails\n/);
    expect(await containersNamed(sb.container('broken'))).toEqual([]);
    await expectOwnBuiltGone(r.stderr);
    expect(await buildLeftovers()).toEqual([]);
  });

  it('Ctrl-C during the build: exit 130, the build stops, nothing is left', async () => {
    const child = sb.spawn([
      'create',
      'interrupted',
      '--verbose',
      '--no-connect',
      '--dockerfile',
      `${FIXTURES}/slow/Dockerfile`,
      ...base(ready),
    ]);
    const { r, stderr } = await interruptWhen(
      child,
      (e) => e.includes('| mng-fixture: slow step started'),
      'the slow step',
    );
    expect(r.exitCode, String(r.stderr)).toBe(130);
    expect(stderr).toMatch(/mng: error: interrupted/);
    expect(await containersNamed(sb.container('interrupted'))).toEqual([]);
    await expectOwnBuiltGone(stderr);
    // the daemon removes the cancelled step's container on its own, shortly after
    for (let i = 0; i < 40 && (await buildLeftovers()).length > 0; i++) await new Promise((w) => setTimeout(w, 250));
    expect(await buildLeftovers()).toEqual([]);
  });

  it('a failure after the build (docker cannot start it with a device that is not there) removes the container and the built image', async () => {
    const r = await sb.mng([
      'create',
      'dev',
      '--no-connect',
      '--dockerfile',
      `${FIXTURES}/basic/Dockerfile`,
      ...base(ready),
      '-s',
      '--device=/dev/mngtest-no-such-device',
    ]);
    expectFailure(r, 1, /docker run failed \(exit \d+\): .*mngtest-no-such-device/);
    expect(await containersNamed(sb.container('dev'))).toEqual([]);
    await expectOwnBuiltGone(r.stderr);
  });

  it('mng destroy drops the built image; the same Dockerfile again reuses the prepared image', async () => {
    const tag = `mng-built:${builtForFirst}`;
    const builtId = (await docker(['image', 'inspect', '--format', '{{.Id}}', tag])).stdout.trim();
    const prepared = (await inspectContainer(sb.container('plain'))).Config.Image;
    expect(prepared).toMatch(
      new RegExp(`^mng-prepared:${builtId.replace('sha256:', '').slice(0, 12)}-g-u-[0-9a-f]{8}$`),
    );
    // `mng gc` (gc.test.ts, or another run's, on the same daemon) removes a prepared image whose base has no tag left
    // and no host: while no host has the built image, a tag of the test's own keeps it, as a user's would.
    await docker(['tag', builtId, `mngtest-${sb.runId}-pt-keep:plain`]);
    const r = await sb.mng(['destroy', '--force', 'plain']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(await containersNamed(sb.container('plain'))).toEqual([]);
    expect(await builtImages()).not.toContain(tag);
    // The build is cached by docker and the built image has the same id again, so mng's prepared image is reused.
    const again = await sb.mng(['create', 'plain2', '--no-connect', '--dockerfile', './Dockerfile', ...base(bare)], {
      cwd: `${FIXTURES}/basic`,
    });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/Preparing image/);
    expect((await inspectContainer(sb.container('plain2'))).Config.Image).toBe(prepared);
  });
});
