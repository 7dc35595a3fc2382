import { describe, expect, it } from 'vitest';
import {
  buildCopyInArgs,
  buildCreateArgs,
  buildImageInspectArgs,
  buildLogsArgs,
  buildRunArgs,
  buildInspectArgs,
  buildImageIdsByReferenceArgs,
  buildListIdsArgs,
  buildPrepareArgs,
  buildPullArgs,
  buildRemoveArgs,
  buildStartArgs,
  buildTagArgs,
  buildToolProbeArgs,
  labelFlags,
  MNG_DIR,
  SSH_CONTAINER_PORT,
} from '../../lib/docker/args.js';
import { publishedPort, type ContainerInspect } from '../../lib/docker/inspect.js';
import { SSHD_CONFIG } from '../../lib/core/container/scripts.js';

describe("the container's ssh port and mng's folder, each with one home", () => {
  it('sshd listens on the port docker create publishes on loopback, and publishedPort reads that port', () => {
    expect(buildCreateArgs({ containerName: 'c', image: 'i', labels: {}, startArgs: [] })).toContain(
      `127.0.0.1::${SSH_CONTAINER_PORT}`,
    );
    expect(SSHD_CONFIG).toMatch(new RegExp(`^Port ${SSH_CONTAINER_PORT}$`, 'm'));
    const c = {
      NetworkSettings: { Ports: { [`${SSH_CONTAINER_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '4000' }] } },
    } as unknown as ContainerInspect;
    expect(publishedPort(c)).toEqual({ host: '127.0.0.1', port: 4000 });
  });

  it("mng's files are copied to the folder init runs from and sshd reads", () => {
    expect(buildCopyInArgs('/tmp/s', 'c').at(-1)).toBe(`c:${MNG_DIR}`);
    expect(buildCreateArgs({ containerName: 'c', image: 'i', labels: {}, startArgs: [] }).at(-1)).toBe(
      `${MNG_DIR}/init`,
    );
    expect(SSHD_CONFIG).toMatch(new RegExp(`^HostKey ${MNG_DIR}/`, 'm'));
  });
});

describe('labelFlags', () => {
  it('emits one --label k=v pair per label, in insertion order', () => {
    expect(labelFlags({ 'mng.id': 'abc', 'mng.name': 'x', 'mng.tags': '{"a":"b"}' })).toEqual([
      '--label',
      'mng.id=abc',
      '--label',
      'mng.name=x',
      '--label',
      'mng.tags={"a":"b"}',
    ]);
  });

  it('keeps values with spaces, "=" and empty values as single tokens', () => {
    expect(labelFlags({ 'mng.agent-command': 'claude --model opus', k: 'a=b=c', e: '' })).toEqual([
      '--label',
      'mng.agent-command=claude --model opus',
      '--label',
      'k=a=b=c',
      '--label',
      'e=',
    ]);
  });

  it('is empty for no labels', () => {
    expect(labelFlags({})).toEqual([]);
  });
});

describe('buildCreateArgs', () => {
  it('puts mng flags, then labels, then start args verbatim, then the entrypoint, image and /mng/init', () => {
    const args = buildCreateArgs({
      containerName: 'mng-alpha',
      image: 'debian:bookworm-slim',
      labels: { 'mng.id': '0123456789abcdef', 'mng.name': 'alpha' },
      startArgs: ['--cpus=4', '--memory=16g', '-v=/host/data:/data', '-p=8080:80'],
    });
    expect(args).toEqual([
      'create',
      '--name',
      'mng-alpha',
      '--init',
      '--publish',
      '127.0.0.1::22',
      '--pull=never',
      '--tmpfs',
      '/run/mng-secrets:mode=0711',
      '--label',
      'mng.id=0123456789abcdef',
      '--label',
      'mng.name=alpha',
      '--cpus=4',
      '--memory=16g',
      '-v=/host/data:/data',
      '-p=8080:80',
      '--entrypoint',
      '/bin/sh',
      'debian:bookworm-slim',
      '/mng/init',
    ]);
  });

  it('passes start args through untouched, even ones that look like mng flags or contain spaces', () => {
    const startArgs = ['--name', 'other', '--entrypoint', '/bin/bash', '-e', 'A=b c', '--label', 'x=y'];
    const args = buildCreateArgs({ containerName: 'mng-b', image: 'img', labels: {}, startArgs });
    // the user's values sit between mng's own flags and the trailing entrypoint/image, in order
    expect(args.slice(9, 9 + startArgs.length)).toEqual(startArgs);
    expect(args).toEqual([
      'create',
      '--name',
      'mng-b',
      '--init',
      '--publish',
      '127.0.0.1::22',
      '--pull=never',
      '--tmpfs',
      '/run/mng-secrets:mode=0711',
      ...startArgs,
      '--entrypoint',
      '/bin/sh',
      'img',
      '/mng/init',
    ]);
  });

  it("adds the idle watcher's environment and health check after the labels, before the start args", () => {
    const args = buildCreateArgs({
      containerName: 'c',
      image: 'i',
      labels: { 'mng.id': '1' },
      startArgs: ['--cpus=1'],
      idle: { timeoutSeconds: 900, intervalSeconds: 30 },
    });
    expect(args).toEqual([
      'create',
      '--name',
      'c',
      '--init',
      '--publish',
      '127.0.0.1::22',
      '--pull=never',
      '--tmpfs',
      '/run/mng-secrets:mode=0711',
      '--label',
      'mng.id=1',
      '--env',
      'MNG_IDLE_TIMEOUT=900',
      '--env',
      'MNG_IDLE_INTERVAL=30',
      '--health-cmd',
      'sh /mng/idle-health',
      '--health-interval',
      '30s',
      '--health-timeout',
      '10s',
      '--health-retries',
      '3',
      '--cpus=1',
      '--entrypoint',
      '/bin/sh',
      'i',
      '/mng/init',
    ]);
  });

  it('buildRunArgs: the same container, created and started in one call (docker run --detach)', () => {
    const spec = {
      containerName: 'c',
      image: 'i',
      labels: { 'mng.id': '1' },
      startArgs: ['--cpus=1'],
      initArgs: ['--agent-bin', 'x'],
    };
    expect(buildRunArgs(spec)).toEqual(['run', '--detach', ...buildCreateArgs(spec).slice(1)]);
  });

  it('passes the init script its arguments after /mng/init, verbatim', () => {
    const args = buildCreateArgs({
      containerName: 'c',
      image: 'i',
      labels: {},
      startArgs: ['--cpus=1'],
      initArgs: ['--authorized-key', 'ssh-ed25519 AAAA c', '--agent-bin', ''],
    });
    expect(args.slice(args.indexOf('--entrypoint'))).toEqual([
      '--entrypoint',
      '/bin/sh',
      'i',
      '/mng/init',
      '--authorized-key',
      'ssh-ed25519 AAAA c',
      '--agent-bin',
      '',
    ]);
  });

  it('adds nothing for a disabled idle timeout', () => {
    const args = buildCreateArgs({
      containerName: 'c',
      image: 'i',
      labels: {},
      startArgs: [],
      idle: { timeoutSeconds: 0, intervalSeconds: 30 },
    });
    expect(args).toEqual([
      'create',
      '--name',
      'c',
      '--init',
      '--publish',
      '127.0.0.1::22',
      '--pull=never',
      '--tmpfs',
      '/run/mng-secrets:mode=0711',
      '--entrypoint',
      '/bin/sh',
      'i',
      '/mng/init',
    ]);
  });

  it('with no labels and no start args is just mng flags and the image', () => {
    expect(buildCreateArgs({ containerName: 'c', image: 'alpine:3', labels: {}, startArgs: [] })).toEqual([
      'create',
      '--name',
      'c',
      '--init',
      '--publish',
      '127.0.0.1::22',
      '--pull=never',
      '--tmpfs',
      '/run/mng-secrets:mode=0711',
      '--entrypoint',
      '/bin/sh',
      'alpine:3',
      '/mng/init',
    ]);
  });

  it('never pulls: mng runs its own prepared images and snapshots, which no registry has', () => {
    const args = buildCreateArgs({ containerName: 'c', image: 'i', labels: {}, startArgs: ['--pull=always'] });
    // mng's own flag comes before the user's, so a -s value can still ask for a pull
    expect(args.indexOf('--pull=never')).toBeLessThan(args.indexOf('--pull=always'));
  });

  it('publishes sshd on the loopback only, never all interfaces', () => {
    const args = buildCreateArgs({ containerName: 'c', image: 'i', labels: {}, startArgs: [] });
    const i = args.indexOf('--publish');
    expect(args[i + 1]).toBe('127.0.0.1::22');
    expect(args.filter((a) => a === '--publish' || a === '-p')).toHaveLength(1);
  });
});

describe('small builders', () => {
  it('buildCopyInArgs copies the folder contents (trailing /.) into /mng', () => {
    expect(buildCopyInArgs('/tmp/mng-files', 'mng-alpha')).toEqual(['cp', '/tmp/mng-files/.', 'mng-alpha:/mng']);
  });

  it('buildStartArgs', () => {
    expect(buildStartArgs(['a'])).toEqual(['start', 'a']);
    expect(buildStartArgs(['a', 'b'])).toEqual(['start', 'a', 'b']);
  });

  it('buildRemoveArgs forces and removes anonymous volumes', () => {
    expect(buildRemoveArgs(['mng-a', 'mng-b'])).toEqual(['rm', '--force', '--volumes', 'mng-a', 'mng-b']);
  });

  it("buildListIdsArgs without a value filters on the label being there (gc: every container of mng's)", () => {
    expect(buildListIdsArgs('mng.id')).toEqual([
      'ps',
      '--all',
      '--no-trunc',
      '--filter',
      'label=mng.id',
      '--format',
      '{{.ID}}',
    ]);
  });

  it('buildImageIdsByReferenceArgs lists full image ids by reference pattern', () => {
    expect(buildImageIdsByReferenceArgs('mng-prepared:*')).toEqual([
      'images',
      '--quiet',
      '--no-trunc',
      '--filter',
      'reference=mng-prepared:*',
    ]);
  });

  it('buildListIdsArgs filters on the prefix label and prints full ids only', () => {
    expect(buildListIdsArgs('mng.prefix', 'mng-')).toEqual([
      'ps',
      '--all',
      '--no-trunc',
      '--filter',
      'label=mng.prefix=mng-',
      '--format',
      '{{.ID}}',
    ]);
  });

  it('buildInspectArgs / buildImageInspectArgs batch every name in one call', () => {
    expect(buildInspectArgs(['a', 'b', 'c'])).toEqual(['container', 'inspect', 'a', 'b', 'c']);
    expect(buildImageInspectArgs(['debian:bookworm-slim'])).toEqual(['image', 'inspect', 'debian:bookworm-slim']);
  });

  it('buildPullArgs', () => {
    expect(buildPullArgs('alpine:3.20')).toEqual(['pull', '--quiet', 'alpine:3.20']);
  });

  it('buildToolProbeArgs runs a throwaway container without network that checks tmux, git, ssh-keygen and sshd', () => {
    expect(buildToolProbeArgs('img:1')).toEqual([
      'run',
      '--rm',
      '--network=none',
      '--entrypoint',
      '/bin/sh',
      'img:1',
      '-c',
      'command -v tmux >/dev/null && command -v git >/dev/null && command -v ssh-keygen >/dev/null && { command -v sshd >/dev/null || test -x /usr/sbin/sshd; }',
    ]);
  });

  it('buildLogsArgs reads all a container wrote', () => {
    expect(buildLogsArgs('mng-a')).toEqual(['logs', 'mng-a']);
  });

  it('buildPrepareArgs reads the Dockerfile from stdin ("-" last), labels before it', () => {
    expect(buildPrepareArgs('mng-prepared:abc', { 'mng.base-image': 'sha256:1' })).toEqual([
      'build',
      '--tag',
      'mng-prepared:abc',
      '--label',
      'mng.base-image=sha256:1',
      '-',
    ]);
    expect(buildPrepareArgs('t', {})).toEqual(['build', '--tag', 't', '-']);
    expect(buildPrepareArgs('t', {}, '/tmp/ctx')).toEqual(['build', '--tag', 't', '/tmp/ctx']);
  });

  it('buildTagArgs', () => {
    expect(buildTagArgs('sha256:abc', 'mng-prepared:x')).toEqual(['tag', 'sha256:abc', 'mng-prepared:x']);
  });
});

describe('builders are pure', () => {
  it('do not modify their inputs and return fresh arrays', () => {
    const startArgs = Object.freeze(['--cpus=2']);
    const labels = Object.freeze({ k: 'v' });
    const spec = Object.freeze({ containerName: 'c', image: 'i', labels, startArgs });
    const a = buildCreateArgs(spec);
    const b = buildCreateArgs(spec);
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(startArgs).toEqual(['--cpus=2']);
  });
});
