import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import {
  agentJson,
  agentStateJson,
  ago,
  idleCell,
  listTable,
  renderTable,
  shortDuration,
  stateColor,
} from '../../lib/cli/format.js';
import type { Host } from '../../lib/core/model/host.js';

const DATA = '/d/mng';
const NOW = Date.parse('2025-11-27T12:00:00Z');

function host(over: Partial<Host> = {}): Host {
  return {
    id: '0123456789abcdef',
    name: 'alpha',
    prefix: 'mng-',
    provider: 'docker',
    daemon: { provider: 'docker', via: 'default', address: '', remote: false, env: {} },
    tags: { env: 'test' },
    idleTimeout: 800,
    idleCheckInterval: 30,
    agentCommand: 'claude --model opus',
    createdAt: '2025-11-27T11:57:00Z',
    version: '0.1.0',
    image: 'debian:bookworm-slim',
    startArgs: [],
    sshUser: 'root',
    containerName: 'mng-alpha',
    alias: 'mng-alpha',
    containerId: 'c'.repeat(64),
    state: 'running',
    exitCode: null,
    stopReason: null,
    stoppedAt: null,
    imageId: `sha256:${'e'.repeat(64)}`,
    ssh: { user: 'root', host: '127.0.0.1', port: 49153 },
    mounts: [],
    ...over,
  };
}

describe('agentJson', () => {
  it('has the documented, stable shape', () => {
    expect(agentJson(host(), DATA)).toStrictEqual({
      name: 'alpha',
      state: 'running',
      provider: 'docker',
      image: 'debian:bookworm-slim',
      tags: { env: 'test' },
      created_at: '2025-11-27T11:57:00Z',
      container_id: 'c'.repeat(64),
      container_name: 'mng-alpha',
      exit_code: null,
      stop_reason: null,
      stopped_at: null,
      idle_timeout_seconds: 800,
      last_activity_at: null,
      last_activity_source: null,
      stops_at: null,
      agent_command: 'claude --model opus',
      egress: 'open',
      forwards: [],
      agent_type: null,
      agent_version: null,
      agent_state: null,
      agent_state_reason: null,
      agent_state_since: null,
      ssh: {
        user: 'root',
        host: '127.0.0.1',
        port: 49153,
        proxy_command: null,
        command:
          'ssh -F /dev/null -o IdentityFile=/d/mng/keys/client/id_ed25519 -o IdentitiesOnly=yes -o UserKnownHostsFile=/d/mng/hosts/mng-alpha/known_hosts' +
          ' -o StrictHostKeyChecking=yes -o HostKeyAlias=mng-alpha -o ForwardAgent=no -o ForwardX11=no -o ForwardX11Trusted=no' +
          ' -o AddKeysToAgent=no -o PermitLocalCommand=no -o ServerAliveInterval=15 -o ServerAliveCountMax=3' +
          ' -o LogLevel=ERROR -l root -p 49153 -- 127.0.0.1',
      },
    });
  });

  it('gives the proxy command of a host on a remote daemon, inside a pasteable ssh command', () => {
    const proxy = "env DOCKER_HOST=tcp://h:2376 docker exec -i mng-alpha /bin/sh -c 'exec sshd -i'";
    const j = agentJson(host({ ssh: { user: 'root', host: 'mng-alpha', port: 22, proxyCommand: proxy } }), DATA);
    expect(j.ssh.proxy_command).toBe(proxy);
    expect(j.ssh.command).toContain(`-o 'ProxyCommand=${proxy.replace(/'/g, "'\\''")}'`);
    expect(j.ssh.command).toMatch(/-l root -p 22 -- mng-alpha$/);
  });

  it('gives the idle clock of a running host: last activity, what counted, when it stops', () => {
    const idle = {
      lastActivityAt: '2025-11-27T11:58:00.000Z',
      source: 'ssh',
      stopsAt: '2025-11-27T12:11:20.000Z',
      watcherRunning: true,
    };
    expect(agentJson(host({ idle }), DATA)).toMatchObject({
      idle_timeout_seconds: 800,
      last_activity_at: '2025-11-27T11:58:00.000Z',
      last_activity_source: 'ssh',
      stops_at: '2025-11-27T12:11:20.000Z',
    });
  });

  it('has no ssh port or command for a stopped host, and its exit code', () => {
    const j = agentJson(
      host({ state: 'stopped', exitCode: 137, ssh: { user: 'root', host: '127.0.0.1', port: null } }),
      DATA,
    );
    expect(j.state).toBe('stopped');
    expect(j.exit_code).toBe(137);
    expect(j.ssh).toEqual({ user: 'root', host: '127.0.0.1', port: null, proxy_command: null, command: null });
  });

  it('does not leak internal fields (labels, mounts) and survives JSON', () => {
    const j = agentJson(host({ mounts: [{ type: 'bind', source: '/a', destination: '/b' }] }), DATA);
    expect(Object.keys(j).sort()).toEqual([
      'agent_command',
      'agent_state',
      'agent_state_reason',
      'agent_state_since',
      'agent_type',
      'agent_version',
      'container_id',
      'container_name',
      'created_at',
      'egress',
      'exit_code',
      'forwards',
      'idle_timeout_seconds',
      'image',
      'last_activity_at',
      'last_activity_source',
      'name',
      'provider',
      'ssh',
      'state',
      'stop_reason',
      'stopped_at',
      'stops_at',
      'tags',
    ]);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });
});

describe('agentStateJson', () => {
  it('adds exit_code only for an exited agent', () => {
    expect(agentStateJson({ state: 'running' })).toEqual({ state: 'running' });
    expect(agentStateJson({ state: 'exited', exitCode: 3 })).toEqual({ state: 'exited', exit_code: 3 });
    expect(agentStateJson({ state: 'exited', exitCode: null })).toEqual({ state: 'exited', exit_code: null });
    expect(agentStateJson({ state: 'missing', program: 'claude' })).toEqual({ state: 'missing' });
    expect(agentStateJson({ state: 'unknown' })).toEqual({ state: 'unknown' });
  });
});

describe('ago', () => {
  it.each([
    ['2025-11-27T12:00:00Z', '0s ago'],
    ['2025-11-27T11:59:59Z', '1s ago'],
    ['2025-11-27T11:59:01Z', '59s ago'],
    ['2025-11-27T11:59:00Z', '1m ago'],
    ['2025-11-27T11:00:01Z', '59m ago'],
    ['2025-11-27T11:00:00Z', '1h ago'],
    ['2025-11-26T12:00:01Z', '23h ago'],
    ['2025-11-26T12:00:00Z', '1d ago'],
    ['2025-10-28T12:00:00Z', '30d ago'],
  ])('%s → %s', (iso, text) => {
    expect(ago(iso, NOW)).toBe(text);
  });

  it('says 0s for a time in the future (clock skew with a remote daemon)', () => {
    expect(ago('2025-11-27T12:05:00Z', NOW)).toBe('0s ago');
  });

  it('is "-" for a missing or bad time', () => {
    expect(ago('', NOW)).toBe('-');
    expect(ago('not a date', NOW)).toBe('-');
  });
});

describe('renderTable', () => {
  it('left-aligns columns to the widest cell, two spaces apart, last column unpadded', () => {
    const out = renderTable(
      ['NAME', 'STATE', 'X'],
      [
        ['a', 'running', 'short'],
        ['longer-name', 'stopped', 'x'],
      ],
    );
    expect(out).toBe(['NAME         STATE    X', 'a            running  short', 'longer-name  stopped  x'].join('\n'));
  });

  it('a header wider than every cell sets the width', () => {
    expect(renderTable(['LONG-HEADER', 'B'], [['x', 'y']])).toBe('LONG-HEADER  B\nx            y');
  });

  it('is only the header without rows', () => {
    expect(renderTable(['A', 'B'], [])).toBe('A  B');
  });

  it('pads by the visible width: colour codes added by paint do not shift columns', () => {
    const red = new Chalk({ level: 1 }).red;
    const out = renderTable(
      ['A', 'B'],
      [
        ['xx', '1'],
        ['y', '2'],
      ],
      (col, cell) => (col === 0 ? red(cell) : cell),
    );
    const plain = out.replace(/\u001b\[\d+m/g, '');
    expect(plain).toBe('A   B\nxx  1\ny   2');
    expect(out).toContain('\u001b[31mxx\u001b[39m  1');
    // the header is never painted
    expect(out.split('\n')[0]).toBe('A   B');
  });
});

describe('stateColor', () => {
  it('colours running green, stopped yellow, error red, others not at all', () => {
    const c = new Chalk({ level: 1 });
    expect(stateColor(c, 'running')).toBe('\u001b[32mrunning\u001b[39m');
    expect(stateColor(c, 'stopped')).toBe('\u001b[33mstopped\u001b[39m');
    expect(stateColor(c, 'error')).toBe('\u001b[31merror\u001b[39m');
    expect(stateColor(c, 'created')).toBe('created');
  });
});

describe('idleCell and shortDuration', () => {
  const idle = (last: string, watcherRunning = true) => ({
    lastActivityAt: last,
    source: 'ssh',
    stopsAt: '',
    watcherRunning,
  });

  it.each([
    [0, '0s'],
    [59.9, '59s'],
    [60, '1m'],
    [3599, '59m'],
    [3600, '1h'],
    [5460, '1h31m'],
    [86400, '1d'],
    [-5, '0s'],
  ])('%d s → %s', (s, text) => {
    expect(shortDuration(s)).toBe(text);
  });

  it('shows how long a running host has been idle, of its timeout, and what counted last', () => {
    expect(idleCell({ state: 'running', idleTimeout: 900, idle: idle('2025-11-27T11:58:00Z') }, NOW)).toBe(
      'idle 2m of 15m (ssh)',
    );
    expect(idleCell({ state: 'running', idleTimeout: 6, idle: idle('2025-11-27T11:59:57Z') }, NOW)).toBe(
      'idle 3s of 6s (ssh)',
    );
  });

  it('says never without a timeout, - when not running or without a watcher, and when the watcher is gone', () => {
    expect(idleCell({ state: 'running', idleTimeout: 0, idle: null }, NOW)).toBe('never');
    expect(idleCell({ state: 'stopped', idleTimeout: 900, idle: null }, NOW)).toBe('-');
    expect(idleCell({ state: 'running', idleTimeout: 900, idle: null }, NOW)).toBe('-');
    expect(idleCell({ state: 'running', idleTimeout: 900, idle: idle('2025-11-27T11:59:00Z', false) }, NOW)).toBe(
      'idle 1m of 15m (ssh), watcher not running',
    );
  });
});

describe('listTable', () => {
  const plain = new Chalk({ level: 0 });

  it('renders one aligned row per host without colour at level 0', () => {
    const hosts = [
      host({
        idle: {
          lastActivityAt: '2025-11-27T11:58:00Z',
          source: 'tmux',
          stopsAt: '2025-11-27T12:11:20Z',
          watcherRunning: true,
        },
        agent: { state: 'waiting', reason: 'permission', since: '2025-11-27T11:59:00Z', source: 'agent' },
        forwards: [
          { local: 3000, remote: 3000 },
          { local: 8080, remote: 3000 },
        ],
      }),
      host({
        name: 'beta-with-long-name',
        egress: { mode: 'none' },
        provider: 'remote',
        image: 'alpine:3',
        state: 'stopped',
        exitCode: 0,
        ssh: { user: 'dev', host: '127.0.0.1', port: null },
        createdAt: '2025-11-25T12:00:00Z',
        tags: { a: '1', b: '2' },
      }),
      host({
        name: 'g',
        egress: {
          mode: 'allow',
          entries: [
            { kind: 'domain', name: 'github.com' },
            { kind: 'subdomains', name: 'npmjs.org', port: 443 },
          ],
        },
        tags: {},
        createdAt: 'garbage',
        idleTimeout: 0,
        ssh: { user: 'root', host: '10.0.0.9', port: 2222 },
      }),
    ];
    expect(listTable(hosts, plain, NOW)).toBe(
      [
        'NAME                 STATE    AGENT                 IDLE                    PROVIDER  IMAGE                 SSH                   EGRESS                            FORWARDS        CREATED  TAGS',
        'alpha                running  waiting (permission)  idle 2m of 800s (tmux)  docker    debian:bookworm-slim  root@127.0.0.1:49153  open                              3000,8080:3000  3m ago   env=test',
        'beta-with-long-name  stopped  -                     -                       remote    alpine:3              -                     none                              -               2d ago   a=1,b=2',
        'g                    running  -                     never                   docker    debian:bookworm-slim  root@10.0.0.9:2222    allow=github.com,*.npmjs.org:443  -               -        -',
      ].join('\n'),
    );
  });

  it('has no escape codes at level 0, and bold names and coloured states at level 1', () => {
    expect(listTable([host()], plain, NOW)).not.toMatch(/\u001b/);
    const coloured = listTable([host()], new Chalk({ level: 1 }), NOW);
    expect(coloured).toContain('\u001b[1malpha\u001b[22m');
    expect(coloured).toContain('\u001b[32mrunning\u001b[39m');
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(listTable([host()], plain, NOW));
  });
});

describe('agentWarning', () => {
  it('warns about an agent that exited or never started, and is silent for a running one', async () => {
    const { agentWarning } = await import('../../lib/cli/format.js');
    expect(agentWarning('a', { state: 'running' })).toBeUndefined();
    expect(agentWarning('a', { state: 'exited', exitCode: 3 })).toBe(
      "the agent of 'a' exited at once (status 3); its output stays in the tmux pane: mng connect a",
    );
    expect(agentWarning('a', { state: 'exited', exitCode: null })).toMatch(/status unknown/);
    expect(agentWarning('a', { state: 'missing', program: 'claude' })).toBe(
      "the agent of 'a' did not start: 'claude' is not on the PATH",
    );
  });
});
