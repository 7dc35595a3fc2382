import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { containersNamed, docker } from '../helpers/docker.js';
import { expectFailure, Sandbox } from '../helpers/sandbox.js';

const sb = new Sandbox('aio');
afterAll(() => sb.cleanup());

beforeAll(async () => {
  await Promise.all([
    sb.create('sh'),
    // Starts printing once the test says so (touch /tmp/go).
    sb.create('ex', [
      '--agent-cmd',
      'while [ ! -f /tmp/go ]; do sleep 0.2; done; for i in 1 2 3 4 5 6; do echo out-$i; sleep 0.3; done; exit 5',
    ]),
    // An agent that takes no input and echoes nothing, like one stuck on a dialog.
    sb.create('deaf', ['--agent-cmd', 'stty -echo; exec sleep 100000']),
  ]);
});

describe('message and logs', () => {
  it('types the text literally, submits it, and logs shows the result', async () => {
    const m = await sb.mng(['message', 'sh', 'echo', 'got-$((6*7))', 'C-c', 'Enter']);
    expect(m.exitCode, m.stderr).toBe(0);
    const logs = await sb.mng(['logs', 'sh']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    // tmux key names in the text were typed as words, and the shell ran the line
    expect(logs.stdout).toMatch(/^got-42 C-c Enter$/m);
    const last = await sb.mng(['logs', 'sh', '-n', '2']);
    expect(last.stdout.trim().split('\n')).toHaveLength(2);
    expect(last.stdout).toMatch(/got-42 C-c Enter/);
  });

  it('takes words after -- as text, even when they look like flags', async () => {
    const m = await sb.mng(['message', 'sh', '--', 'echo', '--dashes-$((2+2))']);
    expect(m.exitCode, m.stderr).toBe(0);
    expect((await sb.mng(['logs', 'sh', '-n', '3'])).stdout).toMatch(/^--dashes-4$/m);
  });

  it('reads the text from stdin with -', async () => {
    const m = await sb.mng(['message', 'sh', '-'], { input: 'echo from-$((1+1))-stdin\n' });
    expect(m.exitCode, m.stderr).toBe(0);
    const logs = await sb.mng(['logs', 'sh', '-n', '5']);
    expect(logs.stdout).toMatch(/^from-2-stdin$/m);
  });

  it('exits 7 when the agent does not react to the text', async () => {
    const m = await sb.mng(['message', 'deaf', 'hello', '--confirm-timeout', '1']);
    expectFailure(m, 7, /did not change after Enter within 1s/);
  });

  it('refuses an empty message', async () => {
    expectFailure(await sb.mng(['message', 'sh', '-'], { input: '' }), 2, /the message is empty/);
  });
});

describe('wait', () => {
  it("times out with exit 124, then returns the agent's exit code; logs -f follows until the agent exits", async () => {
    const follow = sb.spawn(['logs', 'ex', '-f', '-n', '0']);
    const t = await sb.mng(['wait', 'ex', '--timeout', '1']);
    expectFailure(t, 124, /had not exited after 1s/);
    expect((await sb.mng(['exec', 'ex', '--', 'touch', '/tmp/go'])).exitCode).toBe(0);
    const w = await sb.mng(['wait', 'ex', '--timeout', '60']);
    expect(w.exitCode, w.stderr).toBe(5);
    const f = await follow;
    expect(f.exitCode, String(f.stderr)).toBe(0);
    const lines = String(f.stdout).trim().split('\n');
    // every line once, in order, nothing of what was there before following began (-n 0)
    expect(lines).toEqual(['out-1', 'out-2', 'out-3', 'out-4', 'out-5', 'out-6']);
    // the pane is kept after the agent exited: logs still works; tmux's own "Pane is dead" line is not shown
    const logs = await sb.mng(['logs', 'ex']);
    expect(logs.stdout.trim().split('\n')).toEqual(['out-1', 'out-2', 'out-3', 'out-4', 'out-5', 'out-6']);
  });

  it('a message to an agent that has exited is an error, and nothing is typed', async () => {
    const m = await sb.mng(['message', 'ex', 'hello']);
    expectFailure(m, 1, /agent 'ex' has exited \(exit code 5\); nothing was sent/);
  });

  it('--idle returns once the terminal is quiet', async () => {
    // exit 0, not 124: the terminal was quiet for 2 s before the 30 s timeout
    const w = await sb.mng(['wait', 'deaf', '--idle', '2', '--timeout', '30']);
    expect(w.exitCode, w.stderr).toBe(0);
  });

  it('rejects a bad duration', async () => {
    expectFailure(await sb.mng(['wait', 'sh', '--idle', 'soon']), 2, /--idle wants a duration/);
  });
});

describe('cp', () => {
  it('copies in and out, also from a stopped host', async () => {
    const dir = join(sb.dir, 'cp');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a.txt'), 'hello cp\n');
    const into = await sb.mng(['cp', join(dir, 'src'), 'sh:/tmp/in']);
    expect(into.exitCode, into.stderr).toBe(0);
    const cat = await sb.mng(['exec', 'sh', '--', 'cat', '/tmp/in/a.txt']);
    expect(cat.stdout).toBe('hello cp\n');
    await sb.mng(['exec', 'deaf', '--', 'sh', '-c', 'echo made-inside > /tmp/out.txt']);
    expect((await sb.mng(['stop', 'deaf'])).exitCode).toBe(0);
    const out = await sb.mng(['cp', 'deaf:/tmp/out.txt', dir]);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('made-inside\n');
  });

  it('a path that does not exist is a one-line error', async () => {
    const r = await sb.mng(['cp', 'sh:/no/such/file', join(sb.dir, 'x')]);
    expectFailure(r, 1, /docker cp failed .*no\/such\/file/i);
    expect(existsSync(join(sb.dir, 'x'))).toBe(false);
    const into = await sb.mng(['cp', join(sb.dir, 'nothing-here'), 'sh:/tmp']);
    expectFailure(into, 1, /nothing-here/);
  });

  it('needs exactly one side in an agent', async () => {
    expectFailure(await sb.mng(['cp', 'a', 'b']), 2, /one side must be in an agent/);
  });
});

describe('a missing name', () => {
  for (const args of [
    ['logs', 'nope'],
    ['message', 'nope', 'hi'],
    ['wait', 'nope'],
    ['cp', 'nope:/x', '.'],
  ]) {
    it(`mng ${args.join(' ')}`, async () => {
      expectFailure(await sb.mng(args), 1, /no agent named 'nope'/);
    });
  }

  it('logs of a stopped host says it is not running', async () => {
    expectFailure(await sb.mng(['logs', 'deaf']), 1, /agent 'deaf' is not running \(state: stopped\)/);
  });
});

describe('create --reuse', () => {
  it('creates a missing host, prints a running one, starts a stopped one', async () => {
    const made = await sb.mng(['create', 're', '--reuse', '--no-connect', '--tag', 'k=v']);
    expect(made.exitCode, made.stderr).toBe(0);
    expect(made.stdout).toBe('re\n');
    const id = (await docker(['inspect', '--format', '{{.Id}}', sb.container('re')])).stdout;
    const again = await sb.mng(['create', 're', '--reuse', '--no-connect', '--tag', 'k=v']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toBe('re\n');
    expect(again.stderr).toMatch(/exists and runs/);
    await sb.mng(['stop', 're']);
    const started = await sb.mng(['create', 're', '--reuse', '--no-connect', '--tag', 'k=v', '--format', 'json']);
    expect(started.exitCode, started.stderr).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ name: 're', state: 'running', reused: 'started' });
    expect((await docker(['inspect', '--format', '{{.Id}}', sb.container('re')])).stdout).toBe(id);
  });

  it('names the difference when the host was made otherwise', async () => {
    const r = await sb.mng(['create', 're', '--reuse', '--no-connect', '-s', '--cpus=1']);
    expectFailure(
      r,
      1,
      /agent 're' exists but differs from what was asked: its start args are \[\], not \["--cpus=1"\]/,
    );
  });
});

describe('an interrupted rename', () => {
  it('is finished by the next command that looks the host up', async () => {
    await docker(['rename', sb.container('sh'), `${sb.container('sh')}.new-abc123`]);
    // (a warm exec needs no lookup at all: its shared ssh connection still reaches the container)
    const r = await sb.mng(['tag', 'sh']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/renamed it back/);
    expect(await containersNamed(`${sb.container('sh')}.new-`)).toEqual([]);
    const exec = await sb.mng(['exec', 'sh', '--', 'echo', 'back']);
    expect(exec.stdout, exec.stderr).toBe('back\n');
  });
});

describe('bad input before docker runs', () => {
  it('-s with a space after the option name', async () => {
    const r = await sb.mng(['create', 'sp', '--no-connect', '-s', '--cpus 2']);
    expectFailure(r, 2, /-s "--cpus 2": each -s value is one docker token.*write -s --cpus=2 or -s --cpus -s 2/);
    expect(await containersNamed(sb.container('sp'))).toEqual([]);
  });

  it('environment variables are checked and named', async () => {
    expectFailure(
      await sb.mng(['list'], { env: { MNG_SSH_TIMEOUT: 'abc' } }),
      1,
      /environment variable MNG_SSH_TIMEOUT="abc"/,
    );
    const file = join(sb.dir, 'a-file');
    writeFileSync(file, '');
    expectFailure(
      await sb.mng(['list'], { env: { XDG_DATA_HOME: file } }),
      1,
      /environment variable XDG_DATA_HOME=".*a-file": is not a folder/,
    );
    expectFailure(
      await sb.mng(['list'], { env: { XDG_CONFIG_HOME: join(file, 'x') } }),
      1,
      /environment variable XDG_CONFIG_HOME=.*a part of the path is a file/,
    );
  });

  it('a [providers.docker] section needs no backend', async () => {
    writeFileSync(sb.configFile, `[providers.docker]\ndefault_image = "${sb.baseImage}"\n`);
    try {
      const r = await sb.mng(['config', 'show', '--format', 'json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).providers.docker).toMatchObject({ backend: 'docker', default_image: sb.baseImage });
    } finally {
      sb.useImage();
    }
  });
});

describe('completion', () => {
  it('prints a completion script', async () => {
    const r = await sb.mng(['completion']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/--get-yargs-completions/);
    expect(r.stdout).toMatch(/complete -o bashdefault -o default -F _mng_yargs_completions mng/);
  });

  it('completes agent names from the cache, without docker', async () => {
    expect((await sb.mng(['list'])).exitCode).toBe(0);
    // A daemon that cannot answer: the names still come, at once.
    const env = { DOCKER_HOST: 'tcp://127.0.0.1:9' };
    const r = await sb.mng(['--get-yargs-completions', 'exec', ''], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const words = r.stdout.trim().split('\n');
    expect(words).toEqual(expect.arrayContaining(['deaf', 'ex', 'sh', 're']));
    const cmds = await sb.mng(['--get-yargs-completions', ''], { env });
    expect(cmds.stdout.split('\n')).toEqual(expect.arrayContaining(['create', 'logs', 'message', 'wait', 'cp', 'gc']));
    const d = await sb.mng(['destroy', 'sh', '--force']);
    expect(d.exitCode, d.stderr).toBe(0);
    const after = await sb.mng(['--get-yargs-completions', 'exec', ''], { env });
    expect(after.stdout.split('\n')).not.toContain('sh');
  });
});
