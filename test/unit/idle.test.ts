import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS } from '../../lib/config/config.js';
import { planCreate } from '../../lib/core/create/plan.js';
import { chooseDaemon } from '../../lib/docker/daemon.js';
import {
  DEFAULT_IDLE_CHECK_INTERVAL,
  hasIdleWatcher,
  hostIdle,
  idleCheckIntervalSeconds,
  idleSettingsOf,
  parseIdleState,
  parseIdleTimeoutOption,
} from '../../lib/core/model/idle.js';
import { IDLE_HEALTH_SCRIPT } from '../../lib/core/container/idle-scripts.js';
import { WATCH_SCRIPT } from '../../lib/core/container/watch-script.js';
import type { ContainerInspect } from '../../lib/docker/inspect.js';
import { MngError, UsageError } from '../../lib/errors.js';

const STARTED = '2025-11-27T12:00:00.000Z';
const T0 = Date.parse(STARTED) / 1000;

function inspect(
  over: { running?: boolean; env?: string[]; log?: { Start: string; ExitCode: number; Output: string }[] } = {},
): Pick<ContainerInspect, 'State' | 'Config'> {
  return {
    State: {
      Status: over.running === false ? 'exited' : 'running',
      Running: over.running !== false,
      ExitCode: 0,
      StartedAt: STARTED,
      Health: over.log ? { Status: 'healthy', Log: over.log } : undefined,
    },
    Config: { Image: 'i', Labels: {}, Env: over.env ?? ['PATH=/bin', 'MNG_IDLE_TIMEOUT=900', 'MNG_IDLE_INTERVAL=30'] },
  };
}
const run = (startOffset: number, out: string, code = 0) => ({
  Start: new Date((T0 + startOffset) * 1000).toISOString(),
  ExitCode: code,
  Output: out,
});

describe('--idle-timeout and the check interval', () => {
  it.each([
    ['90', 90],
    ['30s', 30],
    ['15m', 900],
    ['2h', 7200],
    ['1h30m', 5400],
    ['0', 0],
    ['disabled', 0],
  ])('%s → %d', (v, s) => {
    expect(parseIdleTimeoutOption(v)).toBe(s);
  });

  it('is undefined when not given (the provider default applies)', () => {
    expect(parseIdleTimeoutOption(undefined)).toBeUndefined();
  });

  it.each(['5x', '-1', '1.5h', '', 'never'])('refuses %j as a usage error naming the value', (v) => {
    expect(() => parseIdleTimeoutOption(v)).toThrow(UsageError);
    expect(() => parseIdleTimeoutOption(v)).toThrow(`--idle-timeout ${JSON.stringify(v)}`);
  });

  it('MNG_IDLE_CHECK_INTERVAL: default 30 s, seconds or a duration, at least 1', () => {
    expect(idleCheckIntervalSeconds({})).toBe(DEFAULT_IDLE_CHECK_INTERVAL);
    expect(idleCheckIntervalSeconds({ MNG_IDLE_CHECK_INTERVAL: '2' })).toBe(2);
    expect(idleCheckIntervalSeconds({ MNG_IDLE_CHECK_INTERVAL: '1m' })).toBe(60);
    expect(() => idleCheckIntervalSeconds({ MNG_IDLE_CHECK_INTERVAL: '0' })).toThrow(MngError);
    expect(() => idleCheckIntervalSeconds({ MNG_IDLE_CHECK_INTERVAL: 'fast' })).toThrow(/MNG_IDLE_CHECK_INTERVAL=fast/);
  });

  it('the interval is a label (decoded with the host), so start --snapshot replays it', () => {
    expect(idleSettingsOf({ idleTimeout: 900, idleCheckInterval: 2 })).toEqual({
      timeoutSeconds: 900,
      intervalSeconds: 2,
    });
  });
});

describe('planCreate: the idle settings', () => {
  const provider = { name: 'docker', ...PROVIDER_DEFAULTS, default_start_args: [] };
  const plan = (idleTimeout?: number, idleCheckInterval?: number) =>
    planCreate(
      'mng-',
      {
        name: 'a',
        provider,
        daemon: chooseDaemon(provider, {}),
        agent: { kind: 'shell' },
        startArgs: [],
        tags: {},
        sshTimeoutSeconds: 60,
        idleTimeout,
        idleCheckInterval,
      },
      '0123456789abcdef',
      STARTED,
    );

  it('takes --idle-timeout, else the provider default (800), into the label, the environment and the health check', () => {
    const p = plan(undefined, 5);
    expect(p.labels['mng.idle-timeout']).toBe('800');
    expect(p.labels['mng.idle-check-interval']).toBe('5');
    const argv = p.launch('img', 'ssh-ed25519 AAAA').create;
    expect(argv).toContain('MNG_IDLE_TIMEOUT=800');
    expect(argv.slice(argv.indexOf('--health-interval'), argv.indexOf('--health-interval') + 2)).toEqual([
      '--health-interval',
      '5s',
    ]);
    expect(plan(900).launch('img', 'ssh-ed25519 AAAA').create).toContain('MNG_IDLE_TIMEOUT=900');
  });

  it('the check interval is never longer than the timeout', () => {
    expect(plan(10).labels['mng.idle-check-interval']).toBe('10');
    expect(plan(10, 2).labels['mng.idle-check-interval']).toBe('2');
    expect(plan(3600).labels['mng.idle-check-interval']).toBe('30');
  });

  it('0 = never: no watcher settings, no health check; the interval label is written all the same', () => {
    const p = plan(0);
    expect(p.labels['mng.idle-timeout']).toBe('0');
    expect(p.labels['mng.idle-check-interval']).toBe('30');
    expect(p.launch('img', 'ssh-ed25519 AAAA').create.join(' ')).not.toMatch(/health|MNG_IDLE/);
  });
});

describe('the idle clock from docker inspect alone', () => {
  it('reads the watcher state line', () => {
    expect(parseIdleState('mng-idle last=1764244800 source=tmux timeout=900 interval=30 checked=1764244830\n')).toEqual(
      { last: 1764244800, source: 'tmux' },
    );
    expect(parseIdleState('mng-idle no-state')).toBeUndefined();
    expect(parseIdleState('')).toBeUndefined();
  });

  it('boot counts: before any health check, the last activity is the start and stops_at is start + timeout', () => {
    expect(hostIdle(inspect(), 900)).toEqual({
      lastActivityAt: STARTED,
      source: 'boot',
      stopsAt: '2025-11-27T12:15:00.000Z',
      watcherRunning: true,
    });
  });

  it('takes the newest finding of this boot', () => {
    const idle = hostIdle(
      inspect({
        log: [
          run(30, `mng-idle last=${T0 + 30} source=ssh timeout=900 interval=30 checked=${T0 + 30}\n`),
          run(60, `mng-idle last=${T0 + 60} source=tmux timeout=900 interval=30 checked=${T0 + 60}\n`),
          run(90, `mng-idle last=${T0 + 60} source=tmux timeout=900 interval=30 checked=${T0 + 90}\n`),
        ],
      }),
      900,
    );
    expect(idle).toEqual({
      lastActivityAt: '2025-11-27T12:01:00.000Z',
      source: 'tmux',
      stopsAt: '2025-11-27T12:16:00.000Z',
      watcherRunning: true,
    });
  });

  it('ignores health runs of an earlier boot (docker keeps the log across a restart)', () => {
    const idle = hostIdle(
      inspect({ log: [run(-100, `mng-idle last=${T0 - 50} source=ssh timeout=900 interval=30 checked=${T0 - 40}\n`)] }),
      900,
    );
    expect(idle?.source).toBe('boot');
    expect(idle?.lastActivityAt).toBe(STARTED);
  });

  it('says when the watcher is not running (the health check failed)', () => {
    const idle = hostIdle(
      inspect({
        log: [
          run(
            30,
            `mng-idle last=${T0} source=boot timeout=900 interval=30 checked=${T0 + 30}\nmng-idle watcher-not-running\n`,
            1,
          ),
        ],
      }),
      900,
    );
    expect(idle?.watcherRunning).toBe(false);
  });

  it('is null when stopped, disabled, or without a watcher (a host made before idle timeouts)', () => {
    expect(hostIdle(inspect({ running: false }), 900)).toBeNull();
    expect(hostIdle(inspect(), 0)).toBeNull();
    expect(hostIdle(inspect({ env: ['PATH=/bin'] }), 900)).toBeNull();
    expect(hasIdleWatcher(inspect({ env: ['MNG_IDLE_TIMEOUT=0'] }))).toBe(false);
  });
});

describe('the watcher scripts', () => {
  const shells = ['sh', 'dash', 'busybox'].filter((sh) => {
    try {
      execFileSync('sh', ['-c', `command -v ${sh}`]);
      return true;
    } catch {
      return false;
    }
  });
  // `npm test` (scripts/test.sh) runs the test bed first, which installs busybox: there every shell must be checked.
  it.runIf(process.env.MNG_TESTBED_CHECK_BARE === '1')('the test bed provides every shell checked here', () => {
    expect(shells).toEqual(['sh', 'dash', 'busybox']);
  });

  it.each(shells)('parse with %s -n', (sh) => {
    const args = sh === 'busybox' ? ['sh', '-n'] : ['-n'];
    for (const script of [WATCH_SCRIPT, IDLE_HEALTH_SCRIPT]) execFileSync(sh, args, { input: script });
  });
});
