import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import {
  buildCommitArgs,
  buildImageIdsByLabelArgs,
  buildLogsTailArgs,
  buildRemoveImagesArgs,
  buildRenameArgs,
  buildStopArgs,
  labelInstruction,
} from '../../lib/docker/args.js';
import { fixedHostPorts, type ContainerInspect, type ImageInspect } from '../../lib/docker/inspect.js';
import { INIT_SCRIPT, IDLE_STOP_EXIT_CODE, systemFiles } from '../../lib/core/container/scripts.js';
import { describeStopReason, stopReason } from '../../lib/core/model/stop-reason.js';
import {
  defaultSnapshotName,
  matchSnapshots,
  shortImageId,
  snapshotFromImage,
  snapshotLabels,
  snapshotRepo,
  snapshotTag,
  sortSnapshots,
  validateSnapshotName,
  type Snapshot,
} from '../../lib/core/model/snapshot.js';
import { replacementName, replayLabels } from '../../lib/core/lifecycle/replace.js';
import { stateCell, stateColor } from '../../lib/cli/format.js';
import { humanSize, snapshotJson, snapshotTable } from '../../lib/cli/format-snapshots.js';
import { sshTimeoutSeconds } from '../../lib/cli/setup.js';
import { UsageError } from '../../lib/errors.js';

const ID_A = `sha256:${'a1'.repeat(32)}`;
const ID_B = `sha256:${'b2'.repeat(32)}`;

describe('docker argv builders for the lifecycle', () => {
  it('stop, rename, logs', () => {
    expect(buildStopArgs(['c1', 'c2'])).toEqual(['stop', 'c1', 'c2']);
    expect(buildRenameArgs('mng-a.new-abc123', 'mng-a')).toEqual(['rename', 'mng-a.new-abc123', 'mng-a']);
    expect(buildLogsTailArgs('c1', 5)).toEqual(['logs', '--tail', '5', 'c1']);
  });

  it('commit adds the labels with one LABEL instruction', () => {
    expect(
      buildCommitArgs('cid', 'mng-snapshot/mng-a:20250102-030405-abcdef', {
        'mng.snapshot.host-id': '0123',
        'mng.snapshot.name': 'first',
      }),
    ).toEqual([
      'commit',
      '--change',
      'LABEL "mng.snapshot.host-id"="0123" "mng.snapshot.name"="first"',
      'cid',
      'mng-snapshot/mng-a:20250102-030405-abcdef',
    ]);
  });

  it('LABEL instruction quotes and escapes backslashes, quotes and dollars', () => {
    expect(labelInstruction({ k: 'a "b" \\c $HOME ${X}' })).toBe('LABEL "k"="a \\"b\\" \\\\c \\$HOME \\${X}"');
    expect(labelInstruction({ k: 'with space', l: '' })).toBe('LABEL "k"="with space" "l"=""');
  });

  it('images by label, and rmi by reference', () => {
    expect(buildImageIdsByLabelArgs('mng.snapshot.host-id', 'abc')).toEqual([
      'images',
      '--quiet',
      '--no-trunc',
      '--filter',
      'label=mng.snapshot.host-id=abc',
    ]);
    expect(buildRemoveImagesArgs(['r:1', 'r:2'])).toEqual(['rmi', 'r:1', 'r:2']);
  });
});

describe('fixedHostPorts', () => {
  const withBindings = (b: NonNullable<NonNullable<ContainerInspect['HostConfig']>['PortBindings']>) =>
    ({ HostConfig: { PortBindings: b } }) as unknown as ContainerInspect;

  it("lists ports published on a fixed host port, not mng's ephemeral ssh port", () => {
    expect(
      fixedHostPorts(
        withBindings({
          '22/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          '80/tcp': [{ HostIp: '', HostPort: '8080' }],
          '53/udp': [
            { HostIp: '', HostPort: '5353' },
            { HostIp: '::', HostPort: '5353' },
          ],
          '9/tcp': [{ HostIp: '', HostPort: '0' }],
        }),
      ),
    ).toEqual(['8080->80/tcp', '5353->53/udp', '5353->53/udp']);
  });

  it('copes with no HostConfig, no bindings, null entries', () => {
    expect(fixedHostPorts({} as ContainerInspect)).toEqual([]);
    expect(fixedHostPorts(withBindings({ '80/tcp': null }))).toEqual([]);
  });
});

describe('stop reason from docker State', () => {
  it.each([
    [{ Status: 'running', ExitCode: 0 }, null],
    [{ Status: 'created', ExitCode: 0 }, null],
    [{ Status: 'paused', ExitCode: 0 }, null],
    [{ Status: 'exited', ExitCode: 0 }, 'user'],
    [{ Status: 'exited', ExitCode: 0, OOMKilled: true }, 'user'],
    [{ Status: 'exited', ExitCode: IDLE_STOP_EXIT_CODE }, 'idle'],
    [{ Status: 'exited', ExitCode: 137 }, 'killed'],
    [{ Status: 'exited', ExitCode: 137, OOMKilled: true }, 'oom'],
    [{ Status: 'exited', ExitCode: 1, OOMKilled: true }, 'oom'],
    [{ Status: 'exited', ExitCode: 1 }, 'crashed'],
    [{ Status: 'exited', ExitCode: 255 }, 'crashed'],
  ] as const)('%j → %s', (state, reason) => {
    expect(stopReason(state)).toBe(reason);
  });

  it('describes a crash with its exit code', () => {
    expect(describeStopReason('crashed', 3)).toBe('crashed: exit 3');
    expect(describeStopReason('crashed', null)).toBe('crashed');
    expect(describeStopReason('user', 0)).toBe('user');
  });

  it('list shows the reason in the STATE column and colours it', () => {
    expect(stateCell({ state: 'stopped', stopReason: 'user', exitCode: 0 })).toBe('stopped (user)');
    expect(stateCell({ state: 'stopped', stopReason: 'crashed', exitCode: 2 })).toBe('stopped (crashed: exit 2)');
    expect(stateCell({ state: 'running', stopReason: null, exitCode: null })).toBe('running');
    const c = new Chalk({ level: 1 });
    expect(stateColor(c, 'stopped (user)')).toBe(c.yellow('stopped (user)'));
    expect(stateColor(c, 'stopped (oom)')).toBe(c.red('stopped (oom)'));
    expect(stateColor(c, 'stopped')).toBe(c.yellow('stopped'));
  });
});

describe('init script exit codes', () => {
  it('exits 0 on TERM/INT, the idle code on USR1, and never 0, the idle code or 137 when sshd dies by itself', () => {
    expect(INIT_SCRIPT).toContain("trap 'exit 0' TERM INT");
    expect(INIT_SCRIPT).toContain(`trap 'exit ${IDLE_STOP_EXIT_CODE}' USR1`);
    expect(INIT_SCRIPT).toContain(`case $status in 0|${IDLE_STOP_EXIT_CODE}|137) status=1 ;; esac`);
  });

  it("start --snapshot copies mng's files and the authorized key, never a host key: the snapshot keeps the host's own", () => {
    expect(systemFiles({ authorizedKey: 'ssh-ed25519 AAAA mng' }).map((f) => f.path)).toEqual([
      'init',
      'start-agent',
      'agent',
      'watch',
      'idle-health',
      'sshd_config',
      'tmux.conf',
      'authorized_keys',
    ]);
  });
});

describe('snapshot naming', () => {
  it('repository: lowercase, anything but [a-z0-9] becomes "-"', () => {
    expect(snapshotRepo('mng-my-agent')).toBe('mng-snapshot/mng-my-agent');
    expect(snapshotRepo('mng-My_Agent-')).toBe('mng-snapshot/mng-my-agent');
    expect(snapshotRepo('team.x--A__b')).toBe('mng-snapshot/team-x-a-b');
    expect(snapshotRepo('__')).toBe('mng-snapshot/host');
  });

  it('tag: UTC time to the second and random hex; default name from the same time', () => {
    const at = new Date('2025-01-02T03:04:05.678Z');
    expect(snapshotTag(at, 'abcdef')).toBe('20250102-030405-abcdef');
    expect(defaultSnapshotName(at)).toBe('snap-20250102-030405');
  });

  it('names are one line of 1 to 128 characters', () => {
    expect(validateSnapshotName('before refactor')).toBe('before refactor');
    for (const bad of ['', '   ', 'a\nb', 'x'.repeat(129), 'tab\there']) {
      expect(() => validateSnapshotName(bad)).toThrow(UsageError);
    }
  });

  it('short ids are 12 hex digits', () => {
    expect(shortImageId(ID_A)).toBe('a1'.repeat(6));
    expect(shortImageId('abcdef0123456789')).toBe('abcdef012345');
  });

  it('labels tie the image to its host', () => {
    expect(snapshotLabels({ id: 'hid', name: 'a', prefix: 'mng-' }, 'n', '2025-01-01T00:00:00.000Z')).toEqual({
      'mng.snapshot.host-id': 'hid',
      'mng.snapshot.host-name': 'a',
      'mng.snapshot.prefix': 'mng-',
      'mng.snapshot.name': 'n',
      'mng.snapshot.created-at': '2025-01-01T00:00:00.000Z',
    });
  });
});

describe('snapshot parsing and matching', () => {
  const image = (over: Partial<ImageInspect> & { labels?: Record<string, string> }): ImageInspect => ({
    Id: ID_A,
    RepoTags: ['mng-snapshot/mng-a:20250101-000000-aaaaaa'],
    Created: '2025-01-01T00:00:01.5Z',
    Size: 1234,
    Config: {
      Labels: over.labels ?? {
        'mng.snapshot.host-id': 'h1',
        'mng.snapshot.host-name': 'a',
        'mng.snapshot.name': 'first',
        'mng.snapshot.created-at': '2025-01-01T00:00:00.000Z',
        'mng.id': 'h1',
      },
    },
    ...over,
  });

  it('an image inspect becomes a snapshot', () => {
    expect(snapshotFromImage(image({}))).toEqual({
      id: 'a1'.repeat(6),
      imageId: ID_A,
      ref: 'mng-snapshot/mng-a:20250101-000000-aaaaaa',
      name: 'first',
      createdAt: '2025-01-01T00:00:00.000Z',
      sizeBytes: 1234,
      hostId: 'h1',
      hostName: 'a',
    });
  });

  it('needs the host id label and an mng-snapshot tag (an image built FROM a snapshot inherits the labels only)', () => {
    expect(snapshotFromImage(image({ RepoTags: ['my/derived:latest'] }))).toBeUndefined();
    expect(snapshotFromImage(image({ RepoTags: null }))).toBeUndefined();
    expect(snapshotFromImage(image({ labels: { 'mng.id': 'h1' } }))).toBeUndefined();
    expect(snapshotFromImage(image({ Config: null }))).toBeUndefined();
  });

  it('falls back to the image creation time without the label', () => {
    expect(snapshotFromImage(image({ labels: { 'mng.snapshot.host-id': 'h1' } }))).toMatchObject({
      name: '',
      createdAt: '2025-01-01T00:00:01.5Z',
    });
  });

  const snap = (id: string, name: string, createdAt: string): Snapshot => ({
    id: shortImageId(id),
    imageId: id,
    ref: `mng-snapshot/a:${name}`,
    name,
    createdAt,
    sizeBytes: 1,
    hostId: 'h',
    hostName: 'a',
  });
  const a = snap(ID_A, 'first', '2025-01-01T00:00:00Z');
  const b = snap(ID_B, 'second', '2025-01-02T00:00:00Z');

  it('sorts newest first', () => {
    expect(sortSnapshots([a, b])).toEqual([b, a]);
    expect(sortSnapshots([b, a])).toEqual([b, a]);
  });

  it('matches an id prefix (with or without sha256:), the name, or the image reference', () => {
    expect(matchSnapshots([a, b], 'a1a1')).toEqual([a]);
    expect(matchSnapshots([a, b], 'A1A1A1')).toEqual([a]);
    expect(matchSnapshots([a, b], ID_B)).toEqual([b]);
    expect(matchSnapshots([a, b], 'second')).toEqual([b]);
    expect(matchSnapshots([a, b], 'mng-snapshot/a:first')).toEqual([a]);
    expect(matchSnapshots([a, b], 'a1a')).toEqual([]);
    expect(matchSnapshots([a, b], 'c3c3c3')).toEqual([]);
    const twin = { ...b, name: 'first' };
    expect(matchSnapshots([a, twin], 'first')).toEqual([a, twin]);
  });

  it('JSON and table output', () => {
    expect(snapshotJson(a)).toEqual({ id: a.id, name: 'first', created_at: '2025-01-01T00:00:00Z', size_bytes: 1 });
    const table = snapshotTable([b, a], new Chalk({ level: 0 }), Date.parse('2025-01-03T00:00:00Z'));
    expect(table.split('\n')).toEqual([
      'ID            NAME    CREATED  SIZE',
      `${b.id}  second  1d ago   1B`,
      `${a.id}  first   2d ago   1B`,
    ]);
  });

  it("sizes in docker's decimal units", () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(12_345)).toBe('12.3kB');
    expect(humanSize(256_416_882)).toBe('256MB');
    expect(humanSize(1_250_000_000)).toBe('1.25GB');
  });
});

describe('start --snapshot replay', () => {
  it("keeps the host's mng.* labels, drops the snapshot's own and everything else", () => {
    expect(
      replayLabels({
        'mng.id': 'h1',
        'mng.name': 'a',
        'mng.tags': '{"env":"test"}',
        'mng.start-args': '["-e","X=1"]',
        'mng.snapshot.host-id': 'h1',
        'mng.snapshot.name': 'n',
        team: 'infra',
        'org.opencontainers.image.title': 't',
      }),
    ).toEqual({ 'mng.id': 'h1', 'mng.name': 'a', 'mng.tags': '{"env":"test"}', 'mng.start-args': '["-e","X=1"]' });
    expect(replayLabels(null)).toEqual({});
  });

  it('temporary names are unique and docker-valid', () => {
    expect(replacementName('mng-a', 'abc123')).toBe('mng-a.new-abc123');
    const n = replacementName('mng-a');
    expect(n).toMatch(/^mng-a\.new-[0-9a-f]{6}$/);
    expect(n).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
    expect(replacementName('mng-a')).not.toBe(n);
  });

  it('ssh wait timeout from MNG_SSH_TIMEOUT', () => {
    expect(sshTimeoutSeconds({})).toBe(60);
    expect(sshTimeoutSeconds({ MNG_SSH_TIMEOUT: '5' })).toBe(5);
    expect(sshTimeoutSeconds({ MNG_SSH_TIMEOUT: '2m' })).toBe(120);
    expect(() => sshTimeoutSeconds({ MNG_SSH_TIMEOUT: 'x' })).toThrow(
      /^environment variable MNG_SSH_TIMEOUT="x": expected seconds/,
    );
    expect(() => sshTimeoutSeconds({ MNG_SSH_TIMEOUT: '0' })).toThrow(/MNG_SSH_TIMEOUT="0"/);
  });
});
