import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentHosts,
  agentSandbox,
  CLAUDE_VERSION,
  expectWaitingFromAgent,
  filesContaining,
  streamContains,
  waitFor,
} from '../helpers/agents.js';
import { docker } from '../helpers/docker.js';
import { FakeAnthropic } from '../helpers/fake-models.js';
import { initRepoWithReadme } from '../helpers/git.js';

// The real Claude Code CLI from npm, in a host made by `mng create NAME claude`, against a fake Anthropic API: one
// host goes through the whole story (sign-in, a tool turn, no secret anywhere Docker keeps, stop/start resumes).
const sb = agentSandbox('claude');
const model = new FakeAnthropic();
const KEY = `sk-ant-api03-mngtest-${sb.runId}-0123456789abcdefghijklmnop`;
const repo = mkdtempSync(join(tmpdir(), 'mngtest-claude-repo-'));
const hosts = agentHosts(sb, 'c');
const { run, inContainer, withScreen } = hosts;
/** The steps `image` adds on top of `base`, newest first (docker history). */
async function layerSteps(image: string, base: string): Promise<{ size: string; step: string }[]> {
  const steps = async (ref: string) =>
    (await docker(['history', '--no-trunc', '--format', '{{.Size}}\t{{.CreatedBy}}', ref])).stdout.split('\n');
  const [mine, below] = [await steps(image), await steps(base)];
  return mine.slice(0, mine.length - below.length).map((l) => ({ size: l.split('\t')[0], step: l.split('\t')[1] }));
}

beforeAll(async () => {
  await model.start();
  // The user's own settings come along: the model's address (through Claude's own `env` setting), a CLAUDE.md, a skill.
  const claude = join(sb.env.HOME, '.claude');
  mkdirSync(join(claude, 'skills', 'greet'), { recursive: true });
  writeFileSync(
    join(claude, 'settings.json'),
    JSON.stringify({ env: { ANTHROPIC_BASE_URL: model.url, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' } }),
  );
  writeFileSync(join(claude, 'CLAUDE.md'), 'Be brief.\n');
  writeFileSync(join(claude, 'skills', 'greet', 'SKILL.md'), '---\nname: greet\n---\nSay hello.\n');
  initRepoWithReadme(repo);
});

afterAll(async () => {
  await model.stop();
  rmSync(repo, { recursive: true, force: true });
  await sb.cleanup();
});

describe('mng create NAME claude', () => {
  const outputs: string[] = [];

  it('installs Claude Code once, signs it in, and its first message reaches the prompt and runs a tool', async () => {
    const created = await run(['-v', 'create', 'c', 'claude', '--from', repo, '--no-connect', '--tag', 'team=claude'], {
      ANTHROPIC_API_KEY: KEY,
    });
    outputs.push(created.stdout, created.stderr);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stderr).not.toMatch(/no sign-in/);
    expect(created.stderr).toMatch(/^\+ docker exec -i \S+ \/bin\/sh -s agent$/m);

    const sent = await run(['message', 'c', `Please RUN<<printf 'made-by-claude\\n%s\\n' "$(id -un)" > note.txt>>`]);
    expect(sent.exitCode, sent.stderr).toBe(0);
    await waitFor('the tool result to reach the model', () =>
      model.turns().some((t) => JSON.stringify(t.body.messages).includes('tool_result')),
    ).catch(withScreen);
    const turn = model.turns()[0];
    expect(turn.headers['x-api-key']).toBe(KEY);
    expect(JSON.stringify(turn.body.messages)).toContain('Please RUN<<printf');
    // the tool ran in the agent's working folder (the repository), as the agent's user
    expect(await waitFor('note.txt', () => inContainer('cat /workspace/note.txt'))).toBe('made-by-claude\nagent');
    expect(await inContainer('stat -c %U /workspace/note.txt /workspace/README.md /workspace/.git')).toBe(
      'agent\nagent\nagent',
    );
  }, 300_000);

  it('reports its own state through its hooks: at the end of the turn it is waiting (input), and wait --until sees it', async () => {
    await expectWaitingFromAgent(hosts, 'c', 'input', 20);
  }, 120_000);

  it('runs as an unprivileged user who can sudo, with the settings copied and the version recorded', async () => {
    expect(await inContainer('id -u; sudo -n id -u; ls ~/.claude/CLAUDE.md ~/.claude/skills/greet/SKILL.md')).toBe(
      `1000\n0\n/home/agent/.claude/CLAUDE.md\n/home/agent/.claude/skills/greet/SKILL.md`,
    );
    const exec = await run(['exec', 'c', '--', 'sh', '-c', 'whoami; pwd; command -v claude']);
    expect(exec.stdout).toBe('agent\n/workspace\n/usr/local/bin/claude\n');
    const labels = JSON.parse((await docker(['inspect', '-f', '{{json .Config.Labels}}', sb.container('c')])).stdout);
    expect(labels).toMatchObject({
      'mng.agent-type': 'claude',
      'mng.agent-version': CLAUDE_VERSION,
      'mng.ssh-user': 'agent',
      'mng.agent-command': 'claude --dangerously-skip-permissions',
    });
    // the agent layer is one COPY of the vendor's binary (and a link on the PATH) on mng's prepared image with the user
    const image = (await docker(['inspect', '-f', '{{.Config.Image}}', sb.container('c')])).stdout;
    const layer = image.replace(/-[0-9a-f]{8}$/, '');
    expect(layer).toMatch(new RegExp(`-g-u-claude-${CLAUDE_VERSION.replace(/\./g, '\\.')}$`));
    const added = await layerSteps(layer, layer.replace(/-claude-[^-]+$/, ''));
    const sized = added.filter((s) => s.size !== '0B');
    expect(sized).toHaveLength(1);
    expect(sized[0].step).toMatch(/COPY dir:\S+ in \/ $/);
    expect(Number.parseFloat(sized[0].size)).toBeGreaterThan(350);
    expect(Number.parseFloat(sized[0].size)).toBeLessThan(450);
  });

  it('keeps the key out of docker inspect, the logs, process command lines, mng output, its data folder, a snapshot', async () => {
    const inspect = (await docker(['inspect', sb.container('c')])).stdout;
    expect(inspect).not.toContain(KEY);
    expect((await docker(['logs', sb.container('c')])).stdout).not.toContain(KEY);
    expect(await inContainer('cat /proc/[0-9]*/cmdline | tr "\\0" " "')).not.toContain(KEY);
    // where it is: the tmpfs, the agent's alone
    expect(await inContainer(`cat /run/mng-secrets/anthropic-api-key`)).toBe(KEY);
    expect(filesContaining(sb.dataDir, KEY)).toEqual([]);
    const snap = await run(['snapshot', 'create', 'c', '--name', 'keyless']);
    outputs.push(snap.stdout, snap.stderr);
    expect(snap.exitCode, snap.stderr).toBe(0);
    const images = ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'label=mng.snapshot.name=keyless'];
    const ref = (await docker(images)).stdout.split('\n').find((r) => r.includes(sb.container('c').toLowerCase()));
    expect(ref).toMatch(/^mng-snapshot\//);
    expect(await streamContains('docker', ['save', ref!], KEY)).toBe(false);
    for (const out of outputs) expect(out).not.toContain(KEY);
  });

  it('continues the conversation after stop and start (with a new key), and start --fresh begins a new one', async () => {
    expect((await run(['stop', 'c'])).exitCode).toBe(0);
    const rotated = `${KEY}-rotated`;
    const started = await run(['start', 'c'], { ANTHROPIC_API_KEY: rotated });
    expect(started.exitCode, started.stderr).toBe(0);
    const before = model.turns().length;
    expect((await run(['message', 'c', 'and once more'])).exitCode).toBe(0);
    const next = await waitFor('the next turn', () => model.turns()[before]).catch(withScreen);
    expect(next.headers['x-api-key']).toBe(rotated);
    expect(JSON.stringify(next.body.messages)).toContain('Please RUN<<printf');

    expect((await run(['stop', 'c'])).exitCode).toBe(0);
    expect((await run(['start', 'c', '--fresh'], { ANTHROPIC_API_KEY: rotated })).exitCode).toBe(0);
    const count = model.turns().length;
    expect((await run(['message', 'c', 'a new start'])).exitCode).toBe(0);
    const fresh = await waitFor('a turn of the new conversation', () => model.turns()[count]);
    expect(JSON.stringify(fresh.body.messages)).not.toContain('made-by-claude');
  });

  it('start --snapshot continues the conversation the snapshot holds, signed in again', async () => {
    const started = await run(['start', 'c', '--snapshot', 'keyless'], { ANTHROPIC_API_KEY: KEY });
    expect(started.exitCode, started.stderr).toBe(0);
    const count = model.turns().length;
    expect((await run(['message', 'c', 'after the snapshot'])).exitCode).toBe(0);
    const next = await waitFor('a turn after start --snapshot', () => model.turns()[count]).catch(withScreen);
    expect(next.headers['x-api-key']).toBe(KEY);
    expect(JSON.stringify(next.body.messages)).toContain('made-by-claude');
    expect(await inContainer('whoami; cat /workspace/note.txt')).toBe('agent\nmade-by-claude\nagent');
  });

  it('a second create builds nothing', async () => {
    const second = await run(['-v', 'create', 'c2', 'claude', '--no-connect', '--tag', 'team=claude'], {
      ANTHROPIC_API_KEY: KEY,
    });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/docker build|npm (view|pack)/);
    expect(second.stderr + second.stdout).not.toContain(KEY);
  });
  it('message --tag reaches all three (at the model), one of them made with unattended = false', async () => {
    // a third host made with the config's [agents.claude] unattended = false: the mode that asks, not the bypass flag
    const config = readFileSync(sb.configFile, 'utf8');
    sb.writeConfig(config.replace('[agents.claude]\n', '[agents.claude]\nunattended = false\n'));
    const made = await run(['create', 'p', 'claude', '--no-connect', '--tag', 'team=claude'], {
      ANTHROPIC_API_KEY: KEY,
    });
    sb.writeConfig(config);
    expect(made.exitCode, made.stderr).toBe(0);
    const labels = JSON.parse((await docker(['inspect', '-f', '{{json .Config.Labels}}', sb.container('p')])).stdout);
    expect(labels['mng.agent-command']).toBe('claude --permission-mode manual');

    const hello = `hello fleet ${sb.runId}`;
    const count = model.turns().length;
    const sent = await run(['message', '--tag', 'team=claude', hello]);
    expect(sent.exitCode, sent.stderr).toBe(0);
    for (const n of ['c', 'c2', 'p']) expect(sent.stderr).toContain(`Sent to agent '${n}'`);
    const reached = await waitFor('the message in three turns', () => {
      const turns = model
        .turns()
        .slice(count)
        .filter((t) => JSON.stringify(t.body.messages).includes(hello));
      return turns.length >= 3 ? turns : undefined;
    }).catch(withScreen);
    expect(reached).toHaveLength(3);
  }, 300_000);

  it('the one made with unattended = false asks before a Bash command: waiting (permission), and it does not run', async () => {
    const count = model.turns().length;
    const sent = await run(['message', 'p', `Please RUN<<touch /tmp/asked-${sb.runId}>>`]);
    expect(sent.exitCode, sent.stderr).toBe(0);
    await waitFor('the turn that asks for the Bash command', () =>
      model
        .turns()
        .slice(count)
        .some((t) => JSON.stringify(t.body.messages).includes(`asked-${sb.runId}`)),
    ).catch((e) => withScreen(e, 'p'));
    // Claude's PermissionRequest hook, as its dialog opens, after PreToolUse's working
    await expectWaitingFromAgent(hosts, 'p', 'permission', 60);
    // it is Claude's own question on the screen, and the command has not run: no file, no tool result at the model
    expect((await run(['logs', 'p', '-n', '40'])).stdout).toContain('Do you want to proceed?');
    expect(await inContainer(`ls /tmp/asked-${sb.runId} 2>&1`, 'p')).toMatch(/No such file or directory/);
    expect(
      model
        .turns()
        .slice(count)
        .some((t) => JSON.stringify(t.body.messages).includes('tool_result')),
    ).toBe(false);
  }, 120_000);
});
