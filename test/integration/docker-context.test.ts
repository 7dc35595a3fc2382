import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cleanDaemon2, d2, DAEMON2, requireDaemon2 } from '../helpers/daemon2.js';
import { docker } from '../helpers/docker.js';
import { Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('dctx');
// The docker CLI's config (and so its contexts) in the sandbox: `docker context use` would change the user's.
const dockerConfig = join(sb.dir, 'docker-config');
mkdirSync(dockerConfig);
const context = `${sb.prefix}ctx`;
const ctxEnv = { DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: context };

beforeAll(async () => {
  requireDaemon2();
  await docker(['context', 'create', context, '--docker', `host=${DAEMON2}`], {
    env: { ...process.env, DOCKER_CONFIG: dockerConfig } as Record<string, string>,
  });
});
afterAll(async () => {
  await cleanDaemon2(sb);
  await sb.cleanup();
});

describe('host = "" with a docker context', () => {
  it("creates on the context's daemon and reaches sshd through it, not through this machine's loopback", async () => {
    const r = await sb.mng(['create', 'inctx', '--no-connect', '--format', 'json'], { env: ctxEnv });
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.ssh.proxy_command).toContain(`DOCKER_CONTEXT=${context} docker exec -i ${sb.container('inctx')}`);
    expect((await d2(['container', 'inspect', sb.container('inctx')], false)).exitCode).toBe(0);
    expect((await docker(['container', 'inspect', sb.container('inctx')], { reject: false })).exitCode).not.toBe(0);
    const e = await sb.mng(['exec', 'inctx', '--', 'sh', '-c', 'echo via-context; exit 3'], { env: ctxEnv });
    expect(e.stdout).toBe('via-context\n');
    expect(e.exitCode, e.stderr).toBe(3);
    // without the context, the local daemon: the host is not there
    const local = await sb.mng(['exec', 'inctx', '--', 'true']);
    expect(local.exitCode).toBe(1);
  });
});
