import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { containerExists, docker, inspectContainer } from '../helpers/docker.js';
import { expectFailure, MNG_BIN, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('cmds');
afterAll(() => sb.cleanup());

describe('list', () => {
  it('says so when there are no agents, in human and JSON form', async () => {
    const human = await sb.mng(['list']);
    expect(human.exitCode, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/No agents yet/);
    const json = await sb.mng(['list', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ agents: [], errors: [] });
    const jsonl = await sb.mng(['list', '--format', 'jsonl']);
    expect(jsonl.stdout).toBe('');
  });

  describe('with agents', () => {
    beforeAll(() => Promise.all([sb.create('one'), sb.create('two', ['sleep', '--', '100000'])]));

    it('shows a table with name, state, provider, image and ssh endpoint', async () => {
      const r = await sb.mng(['list']);
      expect(r.exitCode, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(
        /^NAME\s+STATE\s+AGENT\s+IDLE\s+PROVIDER\s+IMAGE\s+SSH\s+EGRESS\s+FORWARDS\s+CREATED\s+TAGS$/,
      );
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(
        new RegExp(
          `^one\\s+running\\s+(working|waiting|unknown)\\s+idle \\d+s of 800s \\((boot|ssh)\\)\\s+docker\\s+${sb.baseImage.replace(/[.:]/g, '\\$&')}\\s+agent@127\\.0\\.0\\.1:\\d+\\s+open\\s+-\\s+\\d+s ago\\s+-$`,
        ),
      );
      expect(r.stdout).not.toMatch(/\x1b\[/); // no colour when not on a terminal
    });

    it('gives every field in JSON, with an ssh command that works when pasted', async () => {
      const r = await sb.mng(['list', '--format', 'json']);
      const { agents, errors } = JSON.parse(r.stdout);
      expect(errors).toEqual([]);
      expect(agents.map((a: any) => a.name)).toEqual(['one', 'two']);
      const two = agents[1];
      const c = await inspectContainer(sb.container('two'));
      expect(two).toMatchObject({
        state: 'running',
        provider: 'docker',
        image: sb.baseImage,
        tags: {},
        container_id: c.Id,
        container_name: sb.container('two'),
        agent_command: 'sleep 100000',
        exit_code: null,
      });
      expect(Date.parse(two.created_at)).toBeGreaterThan(Date.now() - 600_000);
      expect(two.ssh.port).toBe(Number(c.NetworkSettings.Ports['22/tcp'][0].HostPort));
      const pasted = await execa(
        'sh',
        ['-c', `${two.ssh.command.replace(/^ssh /, 'ssh -o BatchMode=yes ')} cat /proc/1/comm`],
        {
          reject: false,
        },
      );
      expect(pasted.exitCode, pasted.stderr).toBe(0);
      expect(pasted.stdout.trim()).toBe('docker-init');
    });

    it('prints one agent per line with --format jsonl', async () => {
      const r = await sb.mng(['list', '--format', 'jsonl']);
      const lines = r.stdout.trim().split('\n');
      expect(lines.map((l) => JSON.parse(l).name)).toEqual(['one', 'two']);
    });

    it('stops quietly when its reader goes away (mng list | head), as any Unix tool', async () => {
      // `true` has exited long before mng writes: every write meets a closed pipe (EPIPE).
      const r = await execa('bash', ['-c', `set -o pipefail; "${MNG_BIN}" list --format jsonl | true`], {
        env: { ...sb.env, PATH: process.env.PATH ?? '' },
        reject: false,
      });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0); // pipefail: mng's own exit code
    });

    it('reports a stopped agent as stopped, without an ssh port', async () => {
      await execa('docker', ['stop', sb.container('two')]);
      const { agents } = JSON.parse((await sb.mng(['list', '--format', 'json'])).stdout);
      const two = agents.find((a: any) => a.name === 'two');
      expect(two).toMatchObject({ state: 'stopped', exit_code: 0, ssh: { port: null, command: null } });
      const r = await sb.mng(['exec', 'two', '--', 'true']);
      expectFailure(r, 1, /agent 'two' is not running \(state: stopped\)/);
    });

    it('with 60 hosts, inspects them in parallel calls of at least 25 (one per core) and lists every one, sorted', async () => {
      // 58 more hosts: containers with a real host's labels under their own names and ids (made without sshd: list only reads).
      const one = await inspectContainer(sb.container('one'));
      const names = Array.from({ length: 58 }, (_, i) => `many${String(i).padStart(2, '0')}`);
      for (let i = 0; i < names.length; i += 10) {
        await Promise.all(
          names.slice(i, i + 10).map((n, j) => {
            const labels = { ...one.Config.Labels, 'mng.name': n, 'mng.id': `feed${String(i + j).padStart(12, '0')}` };
            return docker([
              'create',
              '--name',
              sb.container(n),
              ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
              '--entrypoint',
              'true',
              one.Image,
            ]);
          }),
        );
      }
      try {
        const r = await sb.mng(['-v', 'list', '--format', 'json']);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout).agents.map((a: any) => a.name)).toEqual([...names, 'one', 'two']);
        // one call for the two hosts this machine has folders of (made by mng create), asked while docker ps answers;
        // then the 58 made behind its back, in parallel calls of at least 25
        const inspects = r.stderr.split('\n').filter((l) => l.startsWith('+ docker container inspect '));
        const sizes = inspects.map((l) => l.split(' ').length - 4).sort((a, b) => a - b);
        expect(sizes).toEqual(Math.min(availableParallelism(), 2) === 2 ? [2, 29, 29] : [2, 58]);
      } finally {
        await docker(['rm', '-f', ...names.map((n) => sb.container(n))]);
      }
    });

    it('does not see agents of another MNG_PREFIX', async () => {
      const r = await sb.mng(['list', '--format', 'json'], { env: { MNG_PREFIX: `${sb.prefix}other-` } });
      expect(JSON.parse(r.stdout).agents).toEqual([]);
    });
  });
});

describe('exec', () => {
  beforeAll(() => sb.create('ex'));

  it('streams stdout and stderr separately and passes the exit code through', async () => {
    const r = await sb.mng(['exec', 'ex', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toBe('oops\n');
  });

  it('passes piped stdin and keeps each argument whole', async () => {
    const r = await sb.mng(
      ['exec', 'ex', '--', 'sh', '-c', 'tr a-z A-Z; printf "[%s]" "$0" "$1"', 'a b', "it's $HOME"],
      { input: 'piped text\n' },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe("PIPED TEXT\n[a b][it's $HOME]");
  });

  it("reports a missing command with the shell's exit code", async () => {
    const r = await sb.mng(['exec', 'ex', '--', 'no-such-program']);
    expect(r.exitCode).toBe(127);
  });

  it('needs a command', async () => {
    expectFailure(await sb.mng(['exec', 'ex']), 2, /no command given/);
  });
});

describe('connect', () => {
  beforeAll(() => sb.create('con'));

  it("attaches to the agent's tmux session on a terminal, and detaching returns with exit 0", async () => {
    const status = join(sb.dir, 'connect-status');
    // A local tmux plays the user's terminal.
    const term = await sb.terminal('term', 40, `connect con; echo $? > ${status}; sleep 60`);
    try {
      let clients = '';
      for (let i = 0; i < 100 && !clients.trim(); i++) {
        await new Promise((r) => setTimeout(r, 200));
        clients = (
          await sb.mng(['exec', 'con', '--', 'tmux', 'list-clients', '-t', 'agent', '-F', '#{client_termname}'])
        ).stdout;
      }
      expect(clients.trim()).toBe('xterm-256color');
      // Type into the agent's shell through the whole chain, then detach with the tmux prefix key.
      await term.keys('echo typed-through > /tmp/typed', 'Enter');
      let typed = '';
      for (let i = 0; i < 50 && typed !== 'typed-through'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        typed = (await sb.mng(['exec', 'con', '--', 'cat', '/tmp/typed'])).stdout.trim();
      }
      expect(typed).toBe('typed-through');
      await term.keys('C-b', 'd');
      let code = '';
      for (let i = 0; i < 50 && !code; i++) {
        await new Promise((r) => setTimeout(r, 200));
        code = (() => {
          try {
            return readFileSync(status, 'utf8').trim();
          } catch {
            return '';
          }
        })();
      }
      expect(code).toBe('0');
      const after = await sb.mng(['exec', 'con', '--', 'tmux', 'list-clients', '-t', 'agent']);
      expect(after.stdout.trim()).toBe('');
    } finally {
      await term.kill();
    }
  });

  it('refuses without a terminal, pointing to exec', async () => {
    expectFailure(await sb.mng(['connect', 'con']), 1, /needs a terminal.*mng exec con/);
  });
});

describe('destroy', () => {
  it('removes the container and its ssh config entry', async () => {
    await Promise.all([sb.create('gone1'), sb.create('gone2')]);
    const entry = join(sb.dataDir, 'hosts', sb.container('gone1'), 'ssh_config');
    expect(readFileSync(entry, 'utf8')).toContain(`Host ${sb.container('gone1')}`);
    const r = await sb.mng(['destroy', 'gone1', 'gone2', '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('gone1\ngone2\n');
    expect(await containerExists(sb.container('gone1'))).toBe(false);
    expect(await containerExists(sb.container('gone2'))).toBe(false);
    expect(existsSync(entry)).toBe(false);
  });

  it("of several names removes each one's snapshots and no other host's", async () => {
    await Promise.all([sb.create('multi1'), sb.create('multi2'), sb.create('bystander')]);
    expect((await sb.mng(['snapshot', 'create', 'multi1', '-q'])).exitCode).toBe(0);
    const kept = await sb.mng(['snapshot', 'create', 'bystander', '-q']);
    expect(kept.exitCode, kept.stderr).toBe(0);
    const r = await sb.mng(['destroy', 'multi1', 'multi2', '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('multi1\nmulti2\n');
    expect(r.stderr).toMatch(/Removed 1 snapshot of 'multi1'/);
    expect(r.stderr).not.toMatch(/multi2'/);
    const left = await docker([
      'images',
      '--format',
      '{{.Repository}}',
      '--filter',
      `reference=mng-snapshot/${sb.prefix}*`,
    ]);
    expect(left.stdout.split('\n').filter(Boolean)).toEqual([`mng-snapshot/${sb.container('bystander')}`]);
    expect(await containerExists(sb.container('bystander'))).toBe(true);
  });

  it('refuses without --force when not on a terminal, and removes nothing', async () => {
    await sb.create('kept');
    expectFailure(await sb.mng(['destroy', 'kept']), 2, /refusing to destroy kept without confirmation.*--force/);
    expect(await containerExists(sb.container('kept'))).toBe(true);
  });

  it('destroys nothing when one of the names does not exist', async () => {
    expectFailure(await sb.mng(['destroy', 'kept', 'nope', '--force']), 1, /no agent named 'nope'/);
    expect(await containerExists(sb.container('kept'))).toBe(true);
  });

  it('on a terminal, asks first; answering no destroys nothing (exit 1)', async () => {
    await sb.create('asked');
    const status = join(sb.dir, 'ask-status');
    // A local tmux plays the user's terminal.
    const term = await sb.terminal('ask', 20, `destroy asked; echo $? > ${status}; sleep 60`);
    const pane = term.pane;
    try {
      let text = '';
      for (let i = 0; i < 100 && !text.includes('[y/N]'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        text = await pane();
      }
      expect(text).toMatch(/^Destroy agent 'asked'\? Its files are lost\. \[y\/N\]\s*$/m);
      await term.keys('n', 'Enter');
      let code = '';
      for (let i = 0; i < 100 && !code; i++) {
        await new Promise((r) => setTimeout(r, 100));
        code = existsSync(status) ? readFileSync(status, 'utf8').trim() : '';
      }
      expect(code).toBe('1');
      expect(await pane()).toMatch(/^mng: error: not destroyed$/m);
      expect(await containerExists(sb.container('asked'))).toBe(true);
    } finally {
      await term.kill();
    }
  });

  it('removes the anonymous volumes of the container', async () => {
    const volumeLabel = `mngtest.volume=${sb.container('withvol')}`;
    await sb.create('withvol', ['-s', `--mount=type=volume,dst=/data,volume-label=${volumeLabel}`]);
    const volumes = async () =>
      (await docker(['volume', 'ls', '-q', '--filter', `label=${volumeLabel}`])).stdout.split('\n').filter(Boolean);
    expect(await volumes()).toHaveLength(1);
    const r = await sb.mng(['destroy', 'withvol', '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await volumes()).toEqual([]);
  });
});

describe('names that do not exist', () => {
  for (const cmd of [
    ['exec', 'ghost', '--', 'true'],
    ['destroy', 'ghost', '--force'],
    ['connect', 'ghost'],
  ]) {
    it(`mng ${cmd[0]} says there is no such agent`, async () => {
      expectFailure(await sb.mng(cmd), 1, /no agent named 'ghost'.*mng list/);
    });
  }
});

describe('--help', () => {
  it('prints the top-level help the parser renders, without loading it (the text the build rendered)', async () => {
    const fast = await execa(MNG_BIN, ['--help']);
    const rendered = await execa(MNG_BIN, ['--help'], { env: { MNG_RENDER_HELP: '1' } });
    expect(fast.stdout).toMatch(/^Commands:$/m);
    expect(fast.stdout).toBe(rendered.stdout);
    expect((await execa(MNG_BIN, ['-h'])).stdout).toBe(rendered.stdout);
  });
});
