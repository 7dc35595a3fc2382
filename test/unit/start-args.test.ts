import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS } from '../../lib/config/config.js';
import { type CreateRequest, planCreate } from '../../lib/core/create/plan.js';
import { reuseDifference } from '../../lib/core/create/reuse.js';
import { redactEnv, redactedText, replayableStartArgs } from '../../lib/core/model/start-args.js';
import { chooseDaemon } from '../../lib/docker/daemon.js';
import { UsageError } from '../../lib/errors.js';

// M6 (mng's own records): -s -e KEY=VALUE values reach docker run and nothing else of mng's.

const SALT = '0123456789abcdef';
const SECRET = 'sk-live-0123456789';

describe('redactEnv', () => {
  it('redacts the value of every way docker reads -e, keeping the key', () => {
    const args = ['-e', `A=${SECRET}`, `-e=B=${SECRET}`, `--env=C=${SECRET}`, '--env', `D=${SECRET}`, `-eE=${SECRET}`];
    const out = redactEnv(args, SALT);
    expect(out.join(' ')).not.toContain(SECRET);
    expect(out[0]).toBe('-e');
    expect(out[1]).toMatch(/^A=mng-redacted:[0-9a-f]{16}$/);
    expect(out[2]).toMatch(/^-e=B=mng-redacted:[0-9a-f]{16}$/);
    expect(out[3]).toMatch(/^--env=C=mng-redacted:[0-9a-f]{16}$/);
    expect(out[5]).toMatch(/^D=mng-redacted:[0-9a-f]{16}$/);
    expect(out[6]).toMatch(/^-eE=mng-redacted:[0-9a-f]{16}$/);
  });

  it('leaves everything else alone: other options, -e KEY without a value, --env-file', () => {
    const args = ['--cpus=2', '-e', 'FROM_MY_ENV', '--env-file=/x/.env', '-v=/a:/b', '--label=k=v'];
    expect(redactEnv(args, SALT)).toEqual(args);
  });

  it('a salted hash: the same value under another host id reads otherwise; another value too', () => {
    const one = redactEnv([`-e=A=${SECRET}`], SALT)[0];
    expect(redactEnv([`-e=A=${SECRET}`], SALT)[0]).toBe(one);
    expect(redactEnv([`-e=A=${SECRET}`], 'fedcba9876543210')[0]).not.toBe(one);
    expect(redactEnv(['-e=A=other'], SALT)[0]).not.toBe(one);
  });

  it('an option named in an error shows its key only', () => {
    expect(redactedText(`-e=MNG_IDLE_TIMEOUT=${SECRET}`)).toBe('-e=MNG_IDLE_TIMEOUT=…');
    expect(redactedText(`--env MNG_IDLE_X=${SECRET}`)).toBe('--env MNG_IDLE_X=…');
    expect(redactedText('--name=x')).toBe('--name=x');
  });
});

describe('a host made with -s -e KEY=VALUE', () => {
  const provider = { name: 'docker', ...PROVIDER_DEFAULTS, default_start_args: ['--cpus=1'] };
  const req: CreateRequest = {
    name: 'a',
    provider,
    daemon: chooseDaemon(provider, {}),
    agent: { kind: 'shell' },
    startArgs: ['-e', `OPENAI_API_KEY=${SECRET}`, '--memory=1g'],
    tags: {},
    sshTimeoutSeconds: 60,
  };
  const plan = planCreate('mng-', req, SALT, '2025-01-01T00:00:00.000Z');
  const launch = plan.launch('img', 'ssh-ed25519 KEY');

  it('docker run gets the value; the label and what -v, --dry-run and errors show do not', () => {
    expect(launch.run).toContain(`OPENAI_API_KEY=${SECRET}`);
    expect(plan.labels['mng.start-args']).not.toContain(SECRET);
    expect(JSON.parse(plan.labels['mng.start-args'])).toEqual([
      '--cpus=1',
      '-e',
      expect.stringMatching(/^OPENAI_API_KEY=mng-redacted:[0-9a-f]{16}$/),
      '--memory=1g',
    ]);
    expect(launch.shown.run.join(' ')).not.toContain(SECRET);
    expect(launch.shown.create.join(' ')).not.toContain(SECRET);
    expect(launch.shown.run).toContain('--memory=1g');
  });

  it('--reuse still tells the same values from other ones, without showing either', () => {
    const host = {
      id: SALT,
      image: 'debian:bookworm-slim',
      startArgs: JSON.parse(plan.labels['mng.start-args']),
      tags: {},
      agentCommand: 'sh',
    };
    const want = { image: 'debian:bookworm-slim', startArgs: ['--cpus=1', ...req.startArgs], tags: {} };
    expect(reuseDifference(host, want)).toBeUndefined();
    const diff = reuseDifference(host, {
      ...want,
      startArgs: ['--cpus=1', '-e', 'OPENAI_API_KEY=other', '--memory=1g'],
    });
    expect(diff).toMatch(/^its start args are /);
    expect(diff).not.toContain(SECRET);
    expect(diff).not.toContain('other');
  });

  it('start --snapshot replays the start args without the redacted values (the snapshot holds them)', () => {
    expect(replayableStartArgs(JSON.parse(plan.labels['mng.start-args']))).toEqual(['--cpus=1', '--memory=1g']);
    expect(replayableStartArgs(['-e', 'KEEP', `--env=OLD=${SECRET}`])).toEqual(['-e', 'KEEP', `--env=OLD=${SECRET}`]);
  });

  it('a refused -e names its key, not its value', () => {
    const bad = { ...req, startArgs: [`-e=MNG_IDLE_TIMEOUT=${SECRET}`] };
    expect(() => planCreate('mng-', bad, SALT, 'X')).toThrow(UsageError);
    expect(() => planCreate('mng-', bad, SALT, 'X')).toThrow(/-s -e=MNG_IDLE_TIMEOUT=…: /);
  });
});
