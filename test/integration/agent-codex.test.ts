import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentHosts,
  agentSandbox,
  CODEX_VERSION,
  expectWaitingFromAgent,
  filesContaining,
  streamContains,
  waitFor,
} from '../helpers/agents.js';
import { docker } from '../helpers/docker.js';
import { FakeOpenAI } from '../helpers/fake-models.js';
import { initRepoWithReadme } from '../helpers/git.js';

// The real Codex CLI from npm, in a host made by `mng create NAME codex` from a git repository, against a fake OpenAI
// Responses API: sign-in from OPENAI_API_KEY, a tool turn, no secret anywhere Docker keeps, stop/start resumes.
const sb = agentSandbox('codex');
const model = new FakeOpenAI();
const KEY = `sk-proj-mngtest-${sb.runId}-0123456789abcdefghijklmnop`;
const repo = mkdtempSync(join(tmpdir(), 'mngtest-codex-repo-'));
const hosts = agentHosts(sb, 'x');
const { run, inContainer, withScreen } = hosts;

beforeAll(async () => {
  await model.start();
  // The user's own Codex settings come along: the model's address, and an AGENTS.md.
  mkdirSync(join(sb.env.HOME, '.codex'), { recursive: true });
  writeFileSync(join(sb.env.HOME, '.codex', 'config.toml'), `openai_base_url = "${model.url}/v1"\n`);
  writeFileSync(join(sb.env.HOME, '.codex', 'AGENTS.md'), 'Be brief.\n');
  initRepoWithReadme(repo);
});

afterAll(async () => {
  await model.stop();
  rmSync(repo, { recursive: true, force: true });
  await sb.cleanup();
});

describe('mng create NAME codex', () => {
  const outputs: string[] = [];

  it('installs Codex, signs it in from OPENAI_API_KEY, and its first message runs a tool in the trusted repository', async () => {
    const created = await run(['-v', 'create', 'x', 'codex', '--from', repo, '--no-connect'], { OPENAI_API_KEY: KEY });
    outputs.push(created.stdout, created.stderr);
    expect(created.exitCode, created.stderr).toBe(0);
    const sent = await run(['message', 'x', `Please RUN<<printf 'made-by-codex\\n%s\\n' "$(id -un)" > note.txt>>`]);
    expect(sent.exitCode, sent.stderr).toBe(0);
    await waitFor('the tool output to reach the model', () =>
      model.turns().some((t) => JSON.stringify(t.body.input).includes('custom_tool_call_output')),
    ).catch(withScreen);
    expect(model.turns()[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(await waitFor('note.txt', () => inContainer('cat /workspace/note.txt'))).toBe('made-by-codex\nagent');
    expect(
      await inContainer('stat -c %U /workspace/note.txt; ls ~/.codex/AGENTS.md; readlink ~/.codex/auth.json'),
    ).toBe('agent\n/home/agent/.codex/AGENTS.md\n/run/mng-secrets/codex/auth.json');
    const image = (await docker(['inspect', '-f', '{{.Config.Image}}', sb.container('x')])).stdout;
    expect(image).toMatch(new RegExp(`-g-u-codex-${CODEX_VERSION.replace(/\./g, '\\.')}-[0-9a-f]{8}$`));
  }, 300_000);

  it('reports the end of its turn through its hooks: waiting (input), from the agent, and wait --until sees it', async () => {
    await expectWaitingFromAgent(hosts, 'x', 'input', 20);
    // Codex's own signal (the Stop hook of mng's /etc/codex/requirements.toml), not a guess from the screen; no notify
    // program of mng's (Codex runs it for its title thread's turn too)
    expect(await inContainer('cat /run/mng/agent-signal')).toBe('waiting input');
    expect(await inContainer('cat /etc/codex/requirements.toml')).toContain('[[hooks.Stop]]');
    expect(await inContainer('cat ~/.codex/config.toml')).not.toMatch(/^notify/m);
  }, 120_000);

  it('keeps the key out of docker inspect, the logs, mng output, its data folder and a snapshot', async () => {
    expect((await docker(['inspect', sb.container('x')])).stdout).not.toContain(KEY);
    expect((await docker(['logs', sb.container('x')])).stdout).not.toContain(KEY);
    expect(await inContainer('cat /proc/[0-9]*/cmdline | tr "\\0" " "')).not.toContain(KEY);
    expect(filesContaining(sb.dataDir, KEY)).toEqual([]);
    const snap = await run(['snapshot', 'create', 'x', '--name', 'keyless']);
    outputs.push(snap.stdout, snap.stderr);
    expect(snap.exitCode, snap.stderr).toBe(0);
    const images = ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'label=mng.snapshot.name=keyless'];
    const ref = (await docker(images)).stdout.split('\n').find((r) => r.includes(sb.container('x').toLowerCase()));
    expect(ref).toBeDefined();
    expect(await streamContains('docker', ['save', ref!], KEY)).toBe(false);
    for (const out of outputs) expect(out).not.toContain(KEY);
  });

  it('continues the conversation after stop and start', async () => {
    expect((await run(['stop', 'x'])).exitCode).toBe(0);
    const started = await run(['start', 'x'], { OPENAI_API_KEY: KEY });
    expect(started.exitCode, started.stderr).toBe(0);
    const before = model.turns().length;
    expect((await run(['message', 'x', 'and once more'])).exitCode).toBe(0);
    const next = await waitFor('the next turn', () =>
      model.turns().find((t, i) => i >= before && JSON.stringify(t.body.input).includes('and once more')),
    ).catch(withScreen);
    expect(JSON.stringify(next?.body.input)).toContain('made-by-codex');
  });

  it('with unattended = false it asks before a command outside its sandbox: waiting (permission), and it does not run', async () => {
    const config = readFileSync(sb.configFile, 'utf8');
    sb.writeConfig(config.replace('[agents.codex]\n', '[agents.codex]\nunattended = false\n'));
    const made = await run(['create', 'q', 'codex', '--no-connect'], { OPENAI_API_KEY: KEY });
    sb.writeConfig(config);
    expect(made.exitCode, made.stderr).toBe(0);
    const labels = JSON.parse((await docker(['inspect', '-f', '{{json .Config.Labels}}', sb.container('q')])).stdout);
    expect(labels['mng.agent-command']).toBe('codex --no-daemon --ask-for-approval on-request');

    const file = `/tmp/asked-${sb.runId}`;
    const count = model.turns().length;
    const sent = await run(['message', 'q', `Please ASK<<touch ${file}>>`]);
    expect(sent.exitCode, sent.stderr).toBe(0);
    // its PermissionRequest hook (mng's, from /etc/codex/requirements.toml), as the question opens
    await expectWaitingFromAgent(hosts, 'q', 'permission', 60);
    // Codex's own question on the screen; the command has not run, and no tool output went back to the model
    expect((await run(['logs', 'q', '-n', '40'])).stdout).toContain('Would you like to run the following command?');
    expect(await inContainer(`ls ${file} 2>&1`, 'q')).toMatch(/No such file or directory/);
    const outputs = model
      .turns()
      .slice(count)
      .flatMap((t) => (t.body.input as { type: string }[]).filter((i) => i.type === 'custom_tool_call_output'));
    expect(outputs).toEqual([]);
  }, 300_000);
});
