import { describe, expect, it } from 'vitest';
import { planDaemonGc, staleSshAliases, type GcContainer, type GcFacts } from '../../lib/core/gc/plan.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const P = 'mng-';
const labels = (name: string, extra: Record<string, string> = {}) => ({
  'mng.id': `id-${name}`,
  'mng.prefix': P,
  'mng.name': name,
  'mng.provider': 'docker',
  ...extra,
});
const c = (
  name: string,
  status: string,
  agoMin: number,
  l: Record<string, string> = labels(name.replace(P, '').replace(/\.new-.*/, '')),
  image = 'sha256:run',
  trusted = true,
): GcContainer => ({ id: `c-${name}`, name, status, created: NOW - agoMin * 60_000, labels: l, image, trusted });
const facts = (over: Partial<GcFacts>): GcFacts => ({
  prefix: P,
  providers: ['docker'],
  now: NOW,
  minAgeMs: 5 * 60_000,
  containers: [],
  prepared: [],
  snapshots: [],
  snapshotsToo: false,
  ...over,
});
const summary = (f: GcFacts) => planDaemonGc(f).map((a) => `${a.op} ${a.kind} ${a.ref}${a.to ? ` -> ${a.to}` : ''}`);

describe('gc plan: containers', () => {
  it('removes old never-started containers of this prefix and provider only', () => {
    expect(
      summary(
        facts({
          containers: [
            c('mng-killed', 'created', 10),
            c('mng-young', 'created', 1),
            c('mng-running', 'running', 60),
            c('mng-stopped', 'exited', 60),
            c('mng-other', 'created', 60, labels('other', { 'mng.prefix': 'x-' })),
            c('mng-elsewhere', 'created', 60, labels('elsewhere', { 'mng.provider': 'far' })),
          ],
        }),
      ),
    ).toEqual(['remove container mng-killed']);
  });

  it('renames a lone temporary container back, removes one next to its host', () => {
    expect(
      summary(
        facts({
          containers: [
            c('mng-a.new-abc123', 'running', 10),
            c('mng-b', 'running', 10),
            c('mng-b.new-def456', 'running', 10),
            c('mng-d', 'running', 10),
            c('mng-d.new-111111', 'created', 1),
          ],
        }),
      ),
    ).toEqual(['rename container mng-a.new-abc123 -> mng-a', 'remove container mng-b.new-def456']);
  });

  it('renames only one of two temporary containers of a host; a temporary name of another host is not a replacement', () => {
    expect(
      summary(
        facts({
          containers: [
            c('mng-a.new-aaaaaa', 'running', 10),
            c('mng-a.new-bbbbbb', 'running', 10),
            c('mng-x.new-cccccc', 'running', 10, labels('y')),
          ],
        }),
      ),
    ).toEqual(['rename container mng-a.new-aaaaaa -> mng-a', 'remove container mng-a.new-bbbbbb']);
  });
});

describe('gc plan: images', () => {
  it('removes prepared images of replaced bases that nothing runs', () => {
    const img = (id: string, baseTagged: boolean) => ({ id, refs: [`mng-prepared:${id}`], labels: {}, baseTagged });
    expect(
      summary(
        facts({
          containers: [c('mng-a', 'running', 10, labels('a'), 'used')],
          prepared: [img('used', false), img('current', true), img('stale', false)],
        }),
      ),
    ).toEqual(['remove image mng-prepared:stale']);
  });

  it('an image used only by a container gc removes is removed too', () => {
    expect(
      summary(
        facts({
          containers: [c('mng-k', 'created', 10, labels('k'), 'stale')],
          prepared: [{ id: 'stale', refs: ['mng-prepared:stale'], labels: {}, baseTagged: false }],
        }),
      ),
    ).toEqual(['remove container mng-k', 'remove image mng-prepared:stale']);
  });

  it('keeps snapshots of gone hosts unless asked, and never those of existing hosts', () => {
    const snaps = [
      {
        id: 's1',
        refs: ['mng-snapshot/mng-gone:1'],
        labels: { 'mng.snapshot.host-id': 'id-gone', 'mng.snapshot.host-name': 'gone' },
      },
      {
        id: 's2',
        refs: ['mng-snapshot/mng-a:1'],
        labels: { 'mng.snapshot.host-id': 'id-a', 'mng.snapshot.host-name': 'a' },
      },
    ];
    const containers = [c('mng-a', 'exited', 10)];
    expect(summary(facts({ containers, snapshots: snaps }))).toEqual(['keep snapshot mng-snapshot/mng-gone:1']);
    expect(summary(facts({ containers, snapshots: snaps, snapshotsToo: true }))).toEqual([
      'remove snapshot mng-snapshot/mng-gone:1',
    ]);
  });
});

describe('gc plan: ssh entries', () => {
  const all = { providers: ['docker', 'far'], all: true };
  const refs = (entries: { alias: string; provider?: string }[], scope = all) =>
    staleSshAliases(entries, 'mng-', new Set(['mng-a', 'mng-x-b', 'mng-a.far']), scope).map((a) => a.ref);

  it('removes aliases of this prefix naming no host on any daemon', () => {
    const entries = ['mng-a', 'mng-gone', 'other-x', 'mng-x-b', 'mng-a.far'].map((alias) => ({ alias }));
    expect(refs(entries)).toEqual(['mng-gone']);
  });

  it('with --provider X, only the entries of X: no other provider loses its entries (L2)', () => {
    const entries = [
      { alias: 'mng-gone', provider: 'docker' },
      { alias: 'mng-gone.far', provider: 'far' },
      { alias: 'mng-old' },
      { alias: 'mng-unconfigured', provider: 'removed' },
    ];
    expect(refs(entries, { providers: ['far'], all: false })).toEqual(['mng-gone.far']);
    expect(refs(entries, { providers: ['docker'], all: false })).toEqual(['mng-gone']);
    // without --provider: also entries whose provider is not configured any more, or cannot be read
    expect(refs(entries)).toEqual(['mng-gone', 'mng-gone.far', 'mng-old', 'mng-unconfigured']);
  });
});

describe('gc plan: the gate', () => {
  it('never acts on a container that is not as mng makes it (made behind its back)', () => {
    const evil = c('mng-evil', 'created', 60, labels('evil'), 'sha256:run', false);
    const evilTmp = c('mng-ghost.new-abc123', 'running', 60, labels('ghost'), 'sha256:run', false);
    expect(summary(facts({ containers: [evil, evilTmp] }))).toEqual([]);
  });
});
