import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { docker, inspectContainer } from '../helpers/docker.js';
import { Sandbox } from '../helpers/sandbox.js';

/** The second daemon that scripts/testbed.sh starts. */
const DAEMON2 = `tcp://127.0.0.1:${process.env.MNG_TEST_DAEMON2_PORT ?? '23750'}`;

const sb = new Sandbox('dctx');
// The docker CLI's config (and so its contexts) in the sandbox: `docker context use` would change the user's.
const dockerConfig = join(sb.dir, 'docker-config');
mkdirSync(dockerConfig);
const context = `${sb.prefix}ctx`;
const ctxEnv = { DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: context };
const d2 = (args: string[]) => execa('docker', args, { env: { DOCKER_HOST: DAEMON2 }, reject: false });

beforeAll(async () => {
  await sb.create('warm');
  const prepared = (await inspectContainer(sb.container('warm'))).Config.Image;
  await execa('sh', ['-c', `docker save ${prepared} ${sb.baseImage} | DOCKER_HOST=${DAEMON2} docker load`]);
  await docker(['context', 'create', context, '--docker', `host=${DAEMON2}`], { env: { ...process.env, DOCKER_CONFIG: dockerConfig } as Record<string, string> });
});
afterAll(async () => {
  const ids = (await d2(['ps', '-aq', '--filter', `name=${sb.prefix}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await d2(['rm', '-f', ...ids]);
  const imgs = (await d2(['images', '-q', '--filter', `label=mngtest.run=${sb.runId}`])).stdout.split('\n').filter(Boolean);
  if (imgs.length) await d2(['rmi', '-f', ...new Set(imgs)]);
  await sb.cleanup();
});

describe('host = "" with a docker context', () => {
  it('creates on the context\'s daemon and reaches sshd through it, not through this machine\'s loopback', async () => {
    const r = await sb.mng(['create', 'inctx', '--no-connect', '--format', 'json'], { env: ctxEnv });
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.ssh.proxy_command).toContain(`DOCKER_CONTEXT=${context} docker exec -i ${sb.container('inctx')}`);
    expect((await d2(['container', 'inspect', sb.container('inctx')])).exitCode).toBe(0);
    expect((await docker(['container', 'inspect', sb.container('inctx')], { reject: false })).exitCode).not.toBe(0);
    const e = await sb.mng(['exec', 'inctx', '--', 'sh', '-c', 'echo via-context; exit 3'], { env: ctxEnv });
    expect(e.stdout).toBe('via-context\n');
    expect(e.exitCode, e.stderr).toBe(3);
    // without the context, the local daemon: the host is not there
    const local = await sb.mng(['exec', 'inctx', '--', 'true']);
    expect(local.exitCode).toBe(1);
  });
});
