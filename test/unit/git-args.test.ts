import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCreateArgs, buildExecScriptArgs } from '../../lib/docker/args.js';
import {
  agentRefPrefix,
  buildCopyTarArgs,
  buildFetchBundleArgs,
  buildListFilesArgs,
  buildListIncludedArgs,
  PULL_SCRIPT,
  pullRefspecs,
} from '../../lib/git/args.js';
import { decodeLabels, encodeLabels, type HostLabels } from '../../lib/core/model/labels.js';
import { checkTarget } from '../../lib/core/code/source.js';
import { formatPulled } from '../../lib/cli/pull.js';

describe('git argv builders', () => {
  it('pull fetches every branch, HEAD and the wip commit into refs/mng/NAME/ only', () => {
    expect(agentRefPrefix('fix-42')).toBe('refs/mng/fix-42/');
    expect(pullRefspecs('fix-42')).toEqual([
      '+refs/heads/*:refs/mng/fix-42/heads/*',
      '+refs/mng/wip:refs/mng/fix-42/wip',
      '+HEAD:refs/mng/fix-42/HEAD',
    ]);
    expect(buildFetchBundleArgs('/r', '/t/a.bundle', pullRefspecs('x'))).toEqual([
      '-c',
      'transfer.fsckObjects=true',
      '-c',
      'fetch.fsckObjects=true',
      '-c',
      'fetch.recurseSubmodules=false',
      '-C',
      '/r',
      'fetch',
      '--quiet',
      '--no-write-fetch-head',
      '--no-tags',
      '--no-recurse-submodules',
      '--prune',
      '/t/a.bundle',
      '+refs/heads/*:refs/mng/x/heads/*',
      '+refs/mng/wip:refs/mng/x/wip',
      '+HEAD:refs/mng/x/HEAD',
    ]);
  });

  it('lists the work tree as git would commit it, and ignored files by an include file', () => {
    expect(buildListFilesArgs('/r')).toEqual([
      '-C',
      '/r',
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
    ]);
    expect(buildListIncludedArgs('/r', '/r/.mnginclude')).toEqual([
      '-C',
      '/r',
      'ls-files',
      '-z',
      '--others',
      '--ignored',
      '--exclude-from=/r/.mnginclude',
    ]);
  });

  it('runs scripts in the container with their arguments apart, and copies a tar to its root', () => {
    expect(buildExecScriptArgs('c', 'S', ['/w', 'a b'])).toEqual([
      'exec',
      'c',
      '/bin/sh',
      '-c',
      'S',
      'sh',
      '/w',
      'a b',
    ]);
    expect(buildExecScriptArgs('c', 'S', [], { stdin: true })).toEqual(['exec', '-i', 'c', '/bin/sh', '-c', 'S', 'sh']);
    expect(buildCopyTarArgs('c')).toEqual(['cp', '-', 'c:/']);
  });

  it("gives the container a working folder before the user's -s values", () => {
    const args = buildCreateArgs({
      containerName: 'c',
      image: 'i',
      labels: {},
      startArgs: ['-w', '/other'],
      workdir: '/workspace',
    });
    expect(args.slice(args.indexOf('--workdir'), args.indexOf('--workdir') + 4)).toEqual([
      '--workdir',
      '/workspace',
      '-w',
      '/other',
    ]);
    expect(buildCreateArgs({ containerName: 'c', image: 'i', labels: {}, startArgs: [] })).not.toContain('--workdir');
  });
});

describe('--from labels and --target', () => {
  const base: HostLabels = {
    id: '0123456789abcdef',
    name: 'n',
    prefix: 'p',
    provider: 'docker',
    tags: {},
    idleTimeout: 0,
    idleCheckInterval: 30,
    agentCommand: 'sh',
    createdAt: '2025-11-27T16:00:00.000Z',
    version: 'v',
    image: 'img',
    startArgs: [],
    sshUser: 'root',
  };
  it('round-trips where the files came from, and is `none` without --from', () => {
    const from = { kind: 'git' as const, path: '/src/r', commit: 'a'.repeat(40), target: '/workspace' };
    const labels = encodeLabels({ ...base, from });
    expect(labels).toMatchObject({
      'mng.from-kind': 'git',
      'mng.from-path': '/src/r',
      'mng.from-commit': 'a'.repeat(40),
      'mng.from-target': '/workspace',
    });
    const fromOf = (l: Record<string, string>) => {
      const d = decodeLabels(l, 'pn');
      return d && 'labels' in d ? d.labels.from : d;
    };
    expect(fromOf(labels)).toEqual(from);
    expect(encodeLabels(base)['mng.from-kind']).toBe('none');
    expect(fromOf(encodeLabels(base))).toBeUndefined();
    expect(fromOf({ ...encodeLabels(base), 'mng.from-kind': 'svn' })).toEqual({
      problem: 'label mng.from-kind is not git, dir or none',
    });
  });

  it('takes an absolute folder other than / and /mng', () => {
    expect(checkTarget(undefined)).toBe('/workspace');
    expect(checkTarget('/src/app/')).toBe('/src/app');
    expect(checkTarget('/a/../b')).toBe('/b');
    for (const bad of ['rel', '/', '//', '/mng', '/mng/x', '/x/../mng'])
      expect(() => checkTarget(bad), bad).toThrow(/--target/);
  });
});

describe('pull output', () => {
  it('one line per ref: name, short commit, commit count, status', () => {
    expect(
      formatPulled([
        { ref: 'refs/mng/a/HEAD', commit: '0123456789abcdef', commits: 1, status: 'new' },
        { ref: 'refs/mng/a/heads/main', commit: 'fedcba9876543210', commits: 0, status: 'unchanged' },
      ]),
    ).toEqual([
      'refs/mng/a/HEAD        0123456789ab  1 commit  new',
      'refs/mng/a/heads/main  fedcba987654  0 commits  unchanged',
    ]);
  });
});

describe('the container scripts, run with local git', () => {
  it('pull commits the work tree aside (index and files untouched) and bundles it, with both kinds of change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mng-unit-git-'));
    try {
      const g = (...a: string[]) => execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@e', ...a]);
      await g('init', '-q', '-b', 'main');
      writeFileSync(join(dir, 'a'), '1\n');
      await g('add', 'a');
      await g('commit', '-qm', 'one');
      const start = (await g('rev-parse', 'HEAD')).stdout;
      writeFileSync(join(dir, 'a'), '2\n');
      await g('commit', '-qam', 'two');
      writeFileSync(join(dir, 'a'), '3\n');
      writeFileSync(join(dir, 'new'), 'n\n');
      const index = readFileSync(join(dir, '.git', 'index'));
      const bundle = join(dir, '..', `${dir.split('/').pop()}.bundle`);
      await execa('sh', ['-c', `sh -c "$0" sh "$1" "$2" > "$3"`, PULL_SCRIPT, dir, start, bundle], {
        env: { HOME: dir, GIT_CONFIG_NOSYSTEM: '1' },
      });
      expect(readFileSync(join(dir, '.git', 'index')).equals(index)).toBe(true);
      expect((await g('status', '--porcelain')).stdout).toBe(' M a\n?? new');
      const heads = (await g('bundle', 'list-heads', bundle)).stdout;
      expect(heads).toMatch(/ refs\/heads\/main\n.* refs\/mng\/wip\n.* HEAD/);
      expect((await g('show', 'refs/mng/wip:new')).stdout).toBe('n');
      const diff = await g('diff', '--stat', start, 'refs/mng/wip');
      expect(diff.stdout).toMatch(/a +\| 2 \+-\n new +\| 1 \+/);
      // Left out: the history up to the start commit, when no ref points into it.
      expect((await g('bundle', 'verify', bundle)).stderr + (await g('bundle', 'verify', bundle)).stdout).toMatch(
        /requires this ref/,
      );
      // A ref at or behind the start commit (HEAD never moved, an old branch): the whole history, so every ref is in it.
      await g('branch', 'old', start);
      await execa('sh', ['-c', `sh -c "$0" sh "$1" "$2" > "$3"`, PULL_SCRIPT, dir, start, bundle], {
        env: { HOME: dir, GIT_CONFIG_NOSYSTEM: '1' },
      });
      const all = (await g('bundle', 'list-heads', bundle)).stdout;
      expect(all).toMatch(/ refs\/heads\/old\n/);
      expect((await g('bundle', 'verify', bundle)).stdout + (await g('bundle', 'verify', bundle)).stderr).not.toMatch(
        /requires this ref/,
      );
      rmSync(bundle);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
