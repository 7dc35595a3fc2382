import { describe, expect, it } from 'vitest';
import {
  decodeLabels,
  encodeLabels,
  type HostLabels,
  LABEL,
  labelsDigest,
  sealLabels,
} from '../../lib/core/model/labels.js';

const HOST: HostLabels = {
  id: '0123456789abcdef',
  name: 'alpha',
  prefix: 'mng-',
  provider: 'docker',
  tags: { env: 'test', team: 'infra', 'with.dot': 'a "quoted" value' },
  idleTimeout: 900,
  idleCheckInterval: 30,
  agentCommand: "claude --model opus 'x y'",
  createdAt: '2025-11-27T16:00:00.000Z',
  version: '0.1.0',
  image: 'debian:bookworm-slim',
  startArgs: ['--cpus=4', '-e', 'A=b c', '-v=/host:/data'],
  sshUser: 'root',
  egress: {
    mode: 'allow',
    entries: [
      { kind: 'subdomains', name: 'github.com' },
      { kind: 'ip', address: '10.0.0.1', port: 443 },
    ],
  },
};
const C = 'mng-alpha';
const sealed = (h: HostLabels = HOST) => sealLabels(h, C);
const decoded = (labels: Record<string, string>) => decodeLabels(labels, C);
const problemOf = (over: Record<string, string>) => {
  const d = decoded({ ...sealed(), ...over });
  return d && 'problem' in d ? d.problem : undefined;
};

describe('LABEL', () => {
  it('puts every label under the mng. namespace, with no duplicates', () => {
    const keys = Object.values(LABEL);
    for (const k of keys) expect(k).toMatch(/^mng\.[a-z-]+$/);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('encodeLabels', () => {
  it('writes every label mng reads, even those without a value (--from none), so no image label can stand in', () => {
    expect(encodeLabels(HOST)).toEqual({
      'mng.id': '0123456789abcdef',
      'mng.name': 'alpha',
      'mng.prefix': 'mng-',
      'mng.provider': 'docker',
      'mng.tags': '{"env":"test","team":"infra","with.dot":"a \\"quoted\\" value"}',
      'mng.idle-timeout': '900',
      'mng.idle-check-interval': '30',
      'mng.agent-command': "claude --model opus 'x y'",
      'mng.created-at': '2025-11-27T16:00:00.000Z',
      'mng.version': '0.1.0',
      'mng.image': 'debian:bookworm-slim',
      'mng.start-args': '["--cpus=4","-e","A=b c","-v=/host:/data"]',
      'mng.ssh-user': 'root',
      'mng.egress': 'allow=*.github.com,10.0.0.1:443',
      'mng.agent-type': '',
      'mng.agent-version': '',
      'mng.pass-env': '[]',
      'mng.from-kind': 'none',
      'mng.from-path': '',
      'mng.from-commit': '',
      'mng.from-target': '',
    });
    expect(Object.keys(encodeLabels(HOST)).sort()).toEqual(
      Object.values(LABEL)
        .filter((k) => k !== LABEL.digest)
        .sort(),
    );
  });

  it('sealLabels adds the digest of the labels and the container name', () => {
    const labels = sealed();
    expect(labels[LABEL.digest]).toMatch(/^[0-9a-f]{64}$/);
    expect(labels[LABEL.digest]).toBe(labelsDigest(encodeLabels(HOST), C));
    expect(labelsDigest(encodeLabels(HOST), 'mng-beta')).not.toBe(labels[LABEL.digest]);
    expect(labelsDigest(encodeLabels({ ...HOST, id: 'fedcba9876543210' }), C)).not.toBe(labels[LABEL.digest]);
  });
});

describe('decodeLabels', () => {
  it('round-trips sealLabels, verified', () => {
    expect(decoded(sealed())).toEqual({ labels: HOST, verified: true });
    const from = { kind: 'git', path: '/src/repo', commit: 'a'.repeat(40), target: '/workspace' } as const;
    expect(decoded(sealed({ ...HOST, from, tags: {}, startArgs: [], idleTimeout: 0 }))).toEqual({
      labels: { ...HOST, from, tags: {}, startArgs: [], idleTimeout: 0 },
      verified: true,
    });
  });

  it("ignores labels of other tools next to mng's (and unknown mng.* ones) for the digest", () => {
    const labels = { ...sealed(), 'com.docker.compose.project': 'x', maintainer: 'someone', 'mng.later': 'y' };
    expect(decoded(labels)).toEqual({ labels: HOST, verified: true });
  });

  it('is undefined for containers that are not mng hosts', () => {
    expect(decodeLabels(null, C)).toBeUndefined();
    expect(decodeLabels(undefined, C)).toBeUndefined();
    expect(decoded({})).toBeUndefined();
    expect(decoded({ 'com.docker.compose.project': 'x', maintainer: 'me' })).toBeUndefined();
    expect(decoded({ 'mng.id': '0123456789abcdef' })).toBeUndefined();
    expect(decoded({ 'mng.name': 'alpha' })).toBeUndefined();
  });

  it('reads a host of an mng before digests (no digest, no from-kind), unverified: its egress label is not taken', () => {
    const { [LABEL.digest]: _d, [LABEL.fromKind]: _k, ...old } = sealed();
    expect(decoded(old)).toEqual({ labels: { ...HOST, egress: { mode: 'open' } }, verified: false });
  });

  it('reads the egress policy only from labels written for this container (one an image set is not shown as the policy)', () => {
    expect(decoded(sealed({ ...HOST, egress: { mode: 'none' } }))).toMatchObject({
      labels: { egress: { mode: 'none' } },
    });
    expect(decoded(sealed({ ...HOST, egress: undefined }))).toMatchObject({ labels: { egress: { mode: 'open' } } });
    expect(decoded({ ...sealed(), 'mng.egress': 'none' })).toMatchObject({
      verified: false,
      labels: { egress: { mode: 'open' } },
    });
  });

  it('refuses an egress label that is not exactly what mng writes (it never reaches the filter)', () => {
    for (const bad of [
      '',
      'wide',
      'allow=',
      'allow=a b',
      'allow=GitHub.com',
      'allow=x.com\nacl all',
      'allow=127.0.0.1',
    ]) {
      expect(problemOf({ 'mng.egress': bad }), bad).toMatch(/label mng.egress .* is not open, none or allow=LIST/);
    }
    expect(problemOf({ 'mng.egress': 'allow=x.com,x.com' }), 'a duplicate mng drops').toMatch(/mng.egress/);
  });

  it('a digest of other labels or another container (labels partly inherited from an image): unverified', () => {
    // an image made from another host's snapshot carries that host's whole label set, digest included
    const other = sealLabels({ ...HOST, id: 'fedcba9876543210', from: undefined }, C);
    const inherited = { ...other, ...encodeLabels(HOST) };
    expect(decoded(inherited)).toMatchObject({ verified: false });
    expect(decodeLabels(sealed(), 'mng-other')).toMatchObject({ verified: false });
  });

  it('names the first label that is not as mng writes it', () => {
    expect(problemOf({ 'mng.ssh-user': '-oProxyCommand=touch /tmp/x' })).toBe(
      'label mng.ssh-user "-oProxyCommand=touch /tmp/x" is not a user name',
    );
    expect(problemOf({ 'mng.ssh-user': 'root"\n  ProxyCommand x' })).toMatch(/mng.ssh-user .* is not a user name/);
    expect(problemOf({ 'mng.ssh-user': '' })).toMatch(/is not a user name/);
    expect(problemOf({ 'mng.name': '../../x' })).toMatch(/label mng.name "..\/..\/x" is not an agent name/);
    expect(problemOf({ 'mng.id': 'abc' })).toMatch(/mng.id "abc" is not a host id/);
    expect(problemOf({ 'mng.prefix': '/tmp/' })).toMatch(/is not a name prefix/);
    expect(problemOf({ 'mng.provider': 'a b' })).toMatch(/is not a provider name/);
    expect(problemOf({ 'mng.tags': '{env: test' })).toMatch(/mng.tags .* is not tags/);
    expect(problemOf({ 'mng.tags': '{"x":"\\u001b[2J"}' })).toMatch(/mng.tags/);
    expect(problemOf({ 'mng.tags': '["a"]' })).toMatch(/mng.tags/);
    expect(problemOf({ 'mng.start-args': '["--cpus=4", 2]' })).toMatch(/mng.start-args .* is not a JSON list/);
    expect(problemOf({ 'mng.idle-timeout': '99999999999999999999' })).toMatch(/mng.idle-timeout/);
    expect(problemOf({ 'mng.idle-timeout': '-5' })).toMatch(/mng.idle-timeout/);
    expect(problemOf({ 'mng.idle-check-interval': '0' })).toMatch(/mng.idle-check-interval/);
    expect(problemOf({ 'mng.created-at': 'yesterday' })).toMatch(/mng.created-at/);
    expect(problemOf({ 'mng.image': '--privileged' })).toMatch(/mng.image/);
    expect(problemOf({ 'mng.image': 'deb\u001b]0;x\u0007ian' })).toMatch(/mng.image/);
    expect(problemOf({ 'mng.agent-command': 'claude\u001b[2K' })).toMatch(/mng.agent-command/);
    expect(problemOf({ 'mng.from-kind': 'svn' })).toMatch(/mng.from-kind is not git, dir or none/);
    expect(problemOf({ 'mng.from-kind': 'git', 'mng.from-path': 'rel', 'mng.from-target': '/w' })).toMatch(
      /mng.from-path is not an absolute path/,
    );
    const git = { 'mng.from-kind': 'git', 'mng.from-path': '/r', 'mng.from-target': '/w' };
    expect(problemOf({ ...git, 'mng.from-commit': 'HEAD' })).toMatch(/mng.from-commit is not a commit id/);
    // a coding agent's labels (issue 18): a type, a version, variable names; never an option, a path or a value
    expect(problemOf({ 'mng.agent-type': '../x' })).toMatch(/mng.agent-type .* is not an agent type/);
    expect(problemOf({ 'mng.agent-version': '--upgrade' })).toMatch(/mng.agent-version .* is not a version/);
    expect(problemOf({ 'mng.agent-version': '1.0\u001b[2J' })).toMatch(/mng.agent-version/);
    expect(problemOf({ 'mng.pass-env': '["AWS_KEY=x"]' })).toMatch(/mng.pass-env .* is not a JSON list of variable/);
    expect(problemOf({ 'mng.pass-env': 'HOME' })).toMatch(/mng.pass-env/);
  });

  it('takes a multi-line agent command (an --agent-cmd script)', () => {
    const h = { ...HOST, agentCommand: 'cd /src &&\n\tmake watch' };
    expect(decoded(sealed(h))).toEqual({ labels: h, verified: true });
  });
});
