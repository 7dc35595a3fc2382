// The pure parts of issue 19: the agent state line and where it is read, the fan-out (bounded, failures kept, worst
// exit, summary, prefixes), create --count's names, wait --until's decision, message's words, '-' through yargs, and
// list --watch's frames.
import { describe, expect, it } from 'vitest';
import { FANOUT_COMMANDS, STDIN_ARG, withDash } from '../../lib/cli/fleet-args.js';
import { agentColumn, agentStateFields } from '../../lib/cli/format-fleet.js';
import { frame } from '../../lib/cli/list-watch.js';
import { keepStdinDash } from '../../lib/cli/main.js';
import { splitMessageArgs } from '../../lib/cli/message.js';
import { AGENT_SIGNAL_FILE, agentSignalCommand } from '../../lib/core/agents/signals.js';
import { countNames } from '../../lib/core/fleet/count.js';
import { failureSummary, fanOut, linePrefixer, worstExit } from '../../lib/core/fleet/fanout.js';
import { namesFromText } from '../../lib/core/fleet/select.js';
import { checkUntil } from '../../lib/core/fleet/wait.js';
import { currentAgentStatus, mergeIdle, parsePublishedIdle } from '../../lib/core/hosts/published.js';
import {
  agentCell,
  agentStatusFromInspect,
  parseAgentStateLine,
  parseStates,
  publishedStateDir,
} from '../../lib/core/model/agent-state.js';
import type { Host } from '../../lib/core/model/host.js';
import { buildRunArgs } from '../../lib/docker/args.js';
import { UsageError } from '../../lib/errors.js';

const T = 1_800_000_000; // an epoch second
const iso = (s: number) => new Date(s * 1000).toISOString();

function host(name: string, over: Partial<Host> = {}): Host {
  return {
    id: `${name}0123456789`,
    name,
    alias: `mng-${name}`,
    prefix: 'mng-',
    provider: 'docker',
    daemon: { provider: 'docker', via: 'default', address: '', remote: false, env: {} },
    tags: {},
    idleTimeout: 800,
    idleCheckInterval: 30,
    agentCommand: 'sh',
    createdAt: iso(T),
    version: '0.1.0',
    image: 'debian:bookworm-slim',
    startArgs: [],
    sshUser: 'root',
    containerName: `mng-${name}`,
    containerId: 'c'.repeat(64),
    state: 'running',
    exitCode: null,
    stopReason: null,
    stoppedAt: null,
    imageId: 'sha256:e',
    ssh: { user: 'root', host: '127.0.0.1', port: 2222 },
    mounts: [],
    ...over,
  };
}

describe('the agent state line', () => {
  it('parses each state, with its reason, since and source', () => {
    expect(parseAgentStateLine(`mng-agent state=waiting reason=permission since=${T} source=agent`)).toEqual({
      state: 'waiting',
      reason: 'permission',
      since: iso(T),
      source: 'agent',
    });
    expect(parseAgentStateLine(`mng-agent state=working reason=- since=${T} source=screen`)?.reason).toBeNull();
    expect(parseAgentStateLine(`x\nmng-agent state=exited reason=3 since=${T} source=agent\nmng-idle last=1`)).toEqual({
      state: 'exited',
      reason: '3',
      since: iso(T),
      source: 'agent',
    });
  });

  it('refuses what is out of shape: an unknown state, a long or odd reason, text around it', () => {
    for (const bad of [
      `mng-agent state=sleeping reason=- since=${T} source=agent`,
      `mng-agent state=waiting reason=${'x'.repeat(33)} since=${T} source=agent`,
      `mng-agent state=waiting reason=a;b since=${T} source=agent`,
      `mng-agent state=waiting reason=- since=${T} source=agent \u001b[2J`,
      `mng-agent state=waiting reason=- since=${T} source=me`,
      '',
    ]) {
      expect(parseAgentStateLine(bad)).toBeUndefined();
    }
  });

  it("takes a remote host's state from the newest health check run of this boot", () => {
    const run = (start: number, state: string) => ({
      Start: iso(start),
      ExitCode: 0,
      Output: `mng-agent state=${state} reason=- since=${start} source=screen\nmng-idle last=${start} source=boot`,
    });
    const c = {
      State: {
        Status: 'running',
        Running: true,
        ExitCode: 0,
        StartedAt: iso(T),
        Health: { Status: 'healthy', Log: [run(T - 100, 'exited'), run(T + 30, 'working'), run(T + 60, 'waiting')] },
      },
    };
    expect(agentStatusFromInspect(c)?.state).toBe('waiting');
    expect(
      agentStatusFromInspect({ State: { ...c.State, Health: { Status: 'x', Log: [run(T - 5, 'working')] } } }),
    ).toBe(null);
    expect(agentStatusFromInspect({ State: { ...c.State, Running: false } })).toBeNull();
  });

  it('is published under the host folder for a local daemon only, and never through a path -v cannot carry', () => {
    expect(publishedStateDir('/d/mng', { remote: false }, 'mng-a')).toBe('/d/mng/hosts/mng-a/state');
    expect(publishedStateDir('/d/mng', { remote: true }, 'mng-a')).toBeUndefined();
    expect(publishedStateDir('/d:x/mng', { remote: false }, 'mng-a')).toBeUndefined();
  });

  it('--until takes known states, comma-separated; anything else is a usage error naming it', () => {
    expect(parseStates('waiting, exited')).toEqual(['waiting', 'exited']);
    expect(() => parseStates('waiting,sleeping')).toThrow(UsageError);
    expect(() => parseStates('waiting,sleeping')).toThrow(/unknown state 'sleeping'; expected one or more of working/);
    expect(() => parseStates(',')).toThrow(UsageError);
  });

  it('shows as a cell, in JSON, and with the time in it for --watch', () => {
    const s = { state: 'waiting' as const, reason: 'input', since: iso(T), source: 'agent' as const };
    expect(agentCell(s)).toBe('waiting (input)');
    expect(agentCell({ ...s, state: 'exited', reason: '0' })).toBe('exited 0');
    expect(agentCell({ ...s, state: 'working', reason: null })).toBe('working');
    expect(agentCell(null)).toBe('-');
    expect(agentColumn(host('a', { agent: s }), (since) => `${(T + 90 - Date.parse(since) / 1000) / 60}m`)).toBe(
      'waiting (input) 1.5m',
    );
    expect(agentColumn(host('a', { agent: s, state: 'stopped' }))).toBe('-');
    expect(agentStateFields(host('a', { agent: s }))).toEqual({
      agent_state: 'waiting',
      agent_state_reason: 'input',
      agent_state_since: iso(T),
    });
    expect(agentStateFields(host('a'))).toEqual({
      agent_state: null,
      agent_state_reason: null,
      agent_state_since: null,
    });
  });

  it("an agent's hook writes its signal with one printf", () => {
    expect(agentSignalCommand('waiting', 'permission')).toBe(
      `printf '%s\\n' 'waiting permission' > ${AGENT_SIGNAL_FILE}`,
    );
    expect(agentSignalCommand('working')).toBe(`printf '%s\\n' 'working' > ${AGENT_SIGNAL_FILE}`);
  });
});

describe('published state (a local daemon)', () => {
  const idle = { lastActivityAt: iso(T), source: 'boot', stopsAt: iso(T + 800), watcherRunning: true };
  const line = (last: number, checked: number) =>
    `mng-idle last=${last} source=ssh timeout=800 interval=30 checked=${checked}`;

  it('moves the idle clock with newer activity and tells a stopped watcher by its last check', () => {
    expect(parsePublishedIdle(line(T, T))).toEqual({ last: T, source: 'ssh', interval: 30, checked: T });
    expect(mergeIdle(idle, line(T + 60, T + 90), 800, T * 1000, (T + 100) * 1000)).toEqual({
      lastActivityAt: iso(T + 60),
      source: 'ssh',
      stopsAt: iso(T + 860),
      watcherRunning: true,
    });
    expect(mergeIdle(idle, line(T + 60, T + 90), 800, T * 1000, (T + 200) * 1000).watcherRunning).toBe(false);
  });

  it('a watcher that writes its line only when the clock moved is running while it marks its checks', () => {
    const quiet = line(T, T);
    expect(mergeIdle(idle, quiet, 800, T * 1000, (T + 600) * 1000, (T + 590) * 1000).watcherRunning).toBe(true);
    expect(mergeIdle(idle, quiet, 800, T * 1000, (T + 600) * 1000, (T + 500) * 1000).watcherRunning).toBe(false);
    expect(mergeIdle(idle, quiet, 800, T * 1000, (T + 600) * 1000).watcherRunning).toBe(false);
  });

  it('ignores a finding from before this boot, a missing file and a line out of shape', () => {
    expect(mergeIdle(idle, line(T - 60, T - 30), 800, T * 1000, T * 1000)).toBe(idle);
    expect(mergeIdle(idle, undefined, 800, T * 1000, T * 1000)).toBe(idle);
    expect(mergeIdle(idle, 'mng-idle last=x', 800, T * 1000, T * 1000)).toBe(idle);
    // the container's own line (its agent may write anything there): a time out of bounds, an unknown source
    const huge = `mng-idle last=99999999999999999999 source=ssh timeout=3600 interval=1 checked=${T}`;
    expect(parsePublishedIdle(huge)).toBeUndefined();
    expect(mergeIdle(idle, huge, 800, T * 1000, T * 1000)).toBe(idle);
    expect(
      parsePublishedIdle(`mng-idle last=253402300800 source=ssh timeout=1 interval=1 checked=${T}`),
    ).toBeUndefined();
    expect(parsePublishedIdle(`mng-idle last=${T} source=pwned timeout=1 interval=1 checked=${T}`)).toBeUndefined();
    const s = `mng-agent state=exited reason=0 since=${T - 10} source=agent`;
    expect(currentAgentStatus(s, T * 1000)).toBeUndefined();
    expect(currentAgentStatus(s, (T - 10) * 1000)?.state).toBe('exited');
  });
});

describe('fan-out', () => {
  it('runs at most `limit` at once, keeps every outcome in order, and a throw is that host failing', async () => {
    let running = 0;
    let most = 0;
    const items = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name }));
    const outcomes = await fanOut(
      items,
      async ({ name }) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (name === 'b') throw new Error('no agent named b');
        return name === 'd' ? 3 : 0;
      },
      2,
    );
    expect(most).toBe(2);
    expect(outcomes).toEqual([
      { name: 'a', exitCode: 0 },
      { name: 'b', exitCode: 1, error: 'no agent named b' },
      { name: 'c', exitCode: 0 },
      { name: 'd', exitCode: 3 },
      { name: 'e', exitCode: 0 },
    ]);
    expect(worstExit(outcomes)).toBe(3);
    expect(failureSummary(outcomes)).toBe('2 of 5 failed: b (exit 1), d (exit 3)');
    expect(failureSummary(outcomes.filter((o) => o.exitCode === 0))).toBeUndefined();
    expect(worstExit([])).toBe(0);
  });

  it('prefixes lines with the name, padded to the longest, as docker compose logs does', () => {
    const p = linePrefixer(['fix-1', 'fix-10']);
    expect(p('fix-1', 'hello')).toBe('fix-1  | hello');
    expect(p('fix-10', '')).toBe('fix-10 | ');
  });

  it('reads names from stdin: one a line, blanks and spaces dropped, each once', () => {
    expect(namesFromText('a\n\n  b \na\r\nc')).toEqual(['a', 'b', 'c']);
    expect(namesFromText('\n')).toEqual([]);
  });

  it('create --count: NAME-1..NAME-N; 0, too many, not a number or a name too long are usage errors', () => {
    expect(countNames('fix', 3)).toEqual(['fix-1', 'fix-2', 'fix-3']);
    for (const bad of [0, -1, 1.5, 101, 'x', Number.NaN]) expect(() => countNames('fix', bad)).toThrow(UsageError);
    expect(() => countNames('a'.repeat(62), 2)).toThrow(/at most 63/);
  });

  it('wait --until: the first there (or every one with --all); a stopped host ends the wait when it blocks it', () => {
    const at = (name: string, state: 'working' | 'waiting', over: Partial<Host> = {}) =>
      host(name, { agent: { state, reason: null, since: iso(T), source: 'screen' }, ...over });
    const hosts = [at('a', 'working'), at('b', 'waiting'), at('c', 'working')];
    expect(checkUntil(hosts, ['waiting'], false)).toEqual({ kind: 'reached', hosts: [hosts[1]] });
    expect(checkUntil(hosts, ['waiting'], true)).toBeUndefined();
    expect(checkUntil(hosts, ['waiting', 'working'], true)?.kind).toBe('reached');
    const stopped = at('s', 'waiting', { state: 'stopped' });
    expect(checkUntil([hosts[0], stopped], ['waiting'], false)).toBeUndefined();
    expect(checkUntil([hosts[0], stopped], ['waiting'], true)).toEqual({ kind: 'stopped', host: stopped });
    expect(checkUntil([stopped], ['waiting'], false)).toEqual({ kind: 'stopped', host: stopped });
    expect(checkUntil([host('u')], ['waiting'], false)).toBeUndefined();
  });
});

describe('the command line', () => {
  it('message: NAME TEXT..., NAME... -- TEXT, and with --tag every word is text', () => {
    expect(splitMessageArgs(['x', 'run', 'tests'], undefined, false)).toEqual({
      names: ['x'],
      words: ['run', 'tests'],
    });
    expect(splitMessageArgs(['x'], ['--help'], false)).toEqual({ names: ['x'], words: ['--help'] });
    expect(splitMessageArgs(['a', 'b'], ['run', 'it'], false)).toEqual({ names: ['a', 'b'], words: ['run', 'it'] });
    expect(splitMessageArgs(['run', 'it'], undefined, true)).toEqual({ names: [], words: ['run', 'it'] });
    expect(splitMessageArgs(['-', 'go'], undefined, false)).toEqual({ names: ['-'], words: ['go'] });
  });

  it("a lone '-' reaches the fan-out commands (yargs drops it from arrays), before -- only", () => {
    expect(keepStdinDash(['exec', '-', '--', 'cat', '-'])).toEqual(['exec', STDIN_ARG, '--', 'cat', '-']);
    expect(keepStdinDash(['cp', '-', 'x:/a'])).toEqual(['cp', '-', 'x:/a']);
    expect(withDash([STDIN_ARG, 'a', 3])).toEqual(['-', 'a', '3']);
    for (const c of ['exec', 'wait', 'stop', 'start', 'logs', 'destroy', 'message'])
      expect(FANOUT_COMMANDS.has(c)).toBe(true);
  });

  it('list --watch draws each frame over the last: home, each line cleared to its end, the rest cleared', () => {
    expect(frame('a\nb', true)).toBe('\u001b[2J\u001b[Ha\u001b[K\nb\u001b[K\n\u001b[J');
    expect(frame('a', false)).toBe('\u001b[Ha\u001b[K\n\u001b[J');
  });
});

describe('docker run of a host that publishes its state', () => {
  const spec = {
    containerName: 'mng-a',
    image: 'img',
    labels: {},
    startArgs: [],
    idle: { timeoutSeconds: 800, intervalSeconds: 30 },
  };
  it('mounts the folder and has no health check (an exec every interval); without it, the health check carries it', () => {
    const local = buildRunArgs({ ...spec, stateDir: '/d/mng/hosts/mng-a/state' });
    expect(local).toContain('/d/mng/hosts/mng-a/state:/run/mng-state');
    expect(local).not.toContain('--health-cmd');
    expect(local).toContain('MNG_IDLE_TIMEOUT=800');
    const remote = buildRunArgs(spec);
    expect(remote).toContain('--health-cmd');
    expect(remote.join(' ')).not.toContain('/run/mng-state');
  });
});

describe("the agents' own signals", () => {
  it("Claude's and Codex's hooks write working, waiting input and waiting permission", async () => {
    const { claudeStateHooks, codexStateHooks } = await import('../../lib/core/agents/signals.js');
    const hooks = claudeStateHooks();
    const cmd = (event: string, i = 0) => hooks[event][i].hooks[0].command;
    expect(cmd('Stop')).toBe(agentSignalCommand('waiting', 'input'));
    expect(cmd('UserPromptSubmit')).toBe(agentSignalCommand('working'));
    expect(hooks.Notification.map((h) => [h.matcher, h.hooks[0].command])).toEqual([
      ['permission_prompt', agentSignalCommand('waiting', 'permission')],
      ['idle_prompt', agentSignalCommand('waiting', 'input')],
    ]);
    // the permission dialog as it opens (the Notification comes seconds later); after PreToolUse's working
    expect(hooks.PermissionRequest.map((h) => [h.matcher, h.hooks[0].command])).toEqual([
      ['*', agentSignalCommand('waiting', 'permission')],
    ]);
    expect(Object.keys(hooks).sort()).toEqual([
      'Notification',
      'PermissionRequest',
      'PostToolUse',
      'PreToolUse',
      'SessionStart',
      'Stop',
      'UserPromptSubmit',
    ]);
    // Codex's hooks: working at a prompt and around a tool, waiting permission at its approval question, waiting
    // input at the end of the turn
    const codex = codexStateHooks();
    expect(Object.fromEntries(Object.entries(codex).map(([e, [h]]) => [e, [h.matcher, h.hooks[0].command]]))).toEqual({
      UserPromptSubmit: [undefined, agentSignalCommand('working')],
      PreToolUse: ['*', agentSignalCommand('working')],
      PermissionRequest: ['*', agentSignalCommand('waiting', 'permission')],
      PostToolUse: ['*', agentSignalCommand('working')],
      Stop: [undefined, agentSignalCommand('waiting', 'input')],
    });
    expect(Object.values(codex).every((hooks) => hooks.length === 1)).toBe(true);
  });
});
