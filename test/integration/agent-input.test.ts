import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentSandbox, CLAUDE_VERSION } from '../helpers/agents.js';
import { containersNamed, docker, imageExists } from '../helpers/docker.js';
import { expectFailure } from '../helpers/sandbox.js';

// Coding agents' bad input (one line, exit code, nothing left behind), the sign-in that is missing, and generic
// secrets (--pass-env) for any agent.
const sb = agentSandbox('agentin');
// Nothing of the test runner's own environment signs an agent in here.
const NONE = { ANTHROPIC_API_KEY: '', CLAUDE_CODE_OAUTH_TOKEN: '', OPENAI_API_KEY: '' };
const run = (args: string[], env: Record<string, string> = {}) =>
  sb.mng(args, { env: { ...NONE, ...env }, timeoutMs: 300_000 });
const foreign = `mngtest-${sb.runId}-s390x:latest`;
const dirs: string[] = [];

afterAll(async () => {
  await docker(['rmi', '-f', foreign], { reject: false });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await sb.cleanup();
});

/** Nothing of agent NAME is left: no container. */
async function nothingLeft(name: string): Promise<void> {
  expect(await containersNamed(sb.container(name))).toEqual([]);
}

describe('coding agents: bad input', () => {
  it('an unknown key in [agents.X] names the file, the section and the key', async () => {
    const cfg = agentSandbox('agentcfg', '\n[agents.aider]\nmodel = "gpt"\n');
    try {
      const r = await cfg.mng(['create', 'a', 'aider', '--no-connect']);
      expectFailure(r, 1, /config\.toml: \[agents\.aider\]: unknown key 'model' \(valid keys: command, args, version/);
      expect(await containersNamed(cfg.container('a'))).toEqual([]);
    } finally {
      await cfg.cleanup();
    }
  });

  it('a version that does not exist', async () => {
    const cfg = agentSandbox('agentver', '');
    cfg.writeConfig(
      `[providers.docker]\nbackend = "docker"\ndefault_image = "${cfg.baseImage}"\n[agents.claude]\nversion = "0.0.0-mngtest-nope"\n`,
    );
    try {
      const r = await cfg.mng(['create', 'v', 'claude', '--no-connect'], { env: NONE, timeoutMs: 300_000 });
      expectFailure(r, 1, /@anthropic-ai\/claude-code@0\.0\.0-mngtest-nope does not exist on npm/);
      expect(await containersNamed(cfg.container('v'))).toEqual([]);
    } finally {
      await cfg.cleanup();
    }
  }, 300_000);

  it('a platform the vendor does not ship, before anything is built for the image', async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'mngtest-s390x-'));
    dirs.push(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), `FROM scratch\nCOPY f /f\nLABEL mngtest.run=${sb.runId}\n`);
    writeFileSync(join(ctx, 'f'), 'x\n');
    await docker(['build', '-q', '--platform', 'linux/s390x', '-t', foreign, ctx]);
    const r = await run(['create', 'p', 'claude', '--no-connect', '--in', 'docker'], {
      MNG_CONFIG: writeConfig(`default_image = "${foreign}"`),
    });
    expectFailure(
      r,
      1,
      new RegExp(`claude ${CLAUDE_VERSION} is not shipped for this image's platform \\(linux-s390x\\)`),
    );
    await nothingLeft('p');
    const id = (await docker(['image', 'inspect', '-f', '{{.Id}}', foreign])).stdout
      .replace('sha256:', '')
      .slice(0, 12);
    expect(await imageExists(`mng-prepared:${id}-g`)).toBe(false);
  });

  it('a credentials file that is not valid JSON, without showing its content', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mngtest-badcred-'));
    dirs.push(home);
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude', '.credentials.json'), '{"claudeAiOauth": sk-ant-oat01-not-json-secret');
    const r = await run(['create', 'b', 'claude', '--no-connect'], { HOME: home });
    expectFailure(r, 1, /the credentials file ~\/\.claude\/\.credentials\.json is not valid JSON/);
    expect(r.stderr + r.stdout).not.toContain('not-json-secret');
    await nothingLeft('b');
  });

  it('--pass-env takes variable names', async () => {
    expectFailure(
      await run(['create', 'e', '--pass-env', 'A=b', '--no-connect']),
      2,
      /--pass-env "A=b": give the name/,
    );
    await nothingLeft('e');
  });
});

/** A config file with the run's provider and this extra provider key (for one command). */
function writeConfig(line: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mngtest-cfg-'));
  dirs.push(dir);
  const file = join(dir, 'config.toml');
  writeFileSync(
    file,
    `[providers.docker]\nbackend = "docker"\n${line}\n[agents.claude]\nversion = "${CLAUDE_VERSION}"\n`,
  );
  return file;
}

describe('sign-in and secrets', () => {
  it('without any sign-in, create warns in one line naming where it looked, and the agent runs', async () => {
    const r = await run(['create', 'n', 'claude', '--no-connect', '--format', 'json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('mng: warning:'));
    expect(warnings).toEqual([
      'mng: warning: no sign-in for claude found on this machine (looked at $ANTHROPIC_API_KEY, $CLAUDE_CODE_OAUTH_TOKEN, ~/.claude/.credentials.json): the agent will ask you to log in on mng connect',
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({ agent_type: 'claude', agent: { state: 'running' } });
  }, 300_000);

  it('--pass-env hands a variable to any agent at every start, kept out of docker inspect; refresh hands it again', async () => {
    const r = await run(['create', 's', '--pass-env', 'MNGTEST_TOKEN', '--no-connect'], {
      MNGTEST_TOKEN: 'tok-one-1234',
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const inspect = (await docker(['inspect', sb.container('s')])).stdout;
    expect(inspect).not.toContain('tok-one-1234');
    expect(JSON.parse(inspect)[0].Config.Labels['mng.pass-env']).toBe('["MNGTEST_TOKEN"]');
    expect((await run(['message', 's', 'echo "got:$MNGTEST_TOKEN" > /tmp/t'])).exitCode).toBe(0);
    const read = () => docker(['exec', sb.container('s'), 'cat', '/tmp/t'], { reject: false });
    await expect.poll(async () => (await read()).stdout, { timeout: 10_000 }).toBe('got:tok-one-1234');

    const refreshed = await run(['refresh', 's'], { MNGTEST_TOKEN: 'tok-two-5678' });
    expect(refreshed.exitCode, refreshed.stderr).toBe(0);
    const env = await docker(['exec', sb.container('s'), 'cat', '/run/mng-secrets/env.sh']);
    expect(env.stdout).toBe('export MNGTEST_TOKEN=tok-two-5678');

    expect((await run(['stop', 's'])).exitCode).toBe(0);
    expect((await run(['start', 's'], { MNGTEST_TOKEN: 'tok-three-9' })).exitCode).toBe(0);
    expect((await run(['message', 's', 'echo "got:$MNGTEST_TOKEN" > /tmp/t'])).exitCode).toBe(0);
    await expect.poll(async () => (await read()).stdout, { timeout: 10_000 }).toBe('got:tok-three-9');
  });

  it('refresh of an agent without sign-in or --pass-env is one error line', async () => {
    expect((await run(['create', 'plain', '--no-connect'])).exitCode).toBe(0);
    expectFailure(await run(['refresh', 'plain']), 1, /agent 'plain' has no coding agent sign-in or --pass-env/);
  });

  it('warns when a -s environment value looks like a key, without repeating it; a dry run shows no sign-in', async () => {
    const r = await run(['create', 'w', 'claude', '-s', '-e=GITHUB_TOKEN=ghp_mngtest123456', '--dry-run'], {
      ANTHROPIC_API_KEY: 'sk-ant-dry-run-secret',
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      "mng: warning: -s -e GITHUB_TOKEN=…: the value of GITHUB_TOKEN will be in docker inspect (the container's environment) and every snapshot; pass it with --pass-env GITHUB_TOKEN instead",
    );
    expect(r.stderr).not.toContain('ghp_mngtest123456');
    expect(r.stdout + r.stderr).not.toContain('sk-ant-dry-run-secret');
    expect(r.stdout).toMatch(/# and: docker exec -i \S+ \/bin\/sh -s '<user>' with mng's script on stdin/);
    await nothingLeft('w');
  });
});
