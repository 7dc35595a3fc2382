import { describe, expect, it } from 'vitest';
import { decodeLabels, encodeLabels, LABEL, type HostLabels } from '../../lib/core/model/labels.js';

const HOST: HostLabels = {
  id: '0123456789abcdef',
  name: 'alpha',
  prefix: 'mng-',
  provider: 'docker',
  tags: { env: 'test', team: 'infra', 'with space': 'a "quoted" value' },
  idleTimeout: 900,
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

describe('LABEL', () => {
  it('puts every label under the mng. namespace, with no duplicates', () => {
    const keys = Object.values(LABEL);
    for (const k of keys) expect(k).toMatch(/^mng\.[a-z-]+$/);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('encodeLabels', () => {
  it('writes every field as a string label; tags and start args as JSON', () => {
    expect(encodeLabels(HOST)).toEqual({
      'mng.id': '0123456789abcdef',
      'mng.name': 'alpha',
      'mng.prefix': 'mng-',
      'mng.provider': 'docker',
      'mng.tags': '{"env":"test","team":"infra","with space":"a \\"quoted\\" value"}',
      'mng.idle-timeout': '900',
      'mng.agent-command': "claude --model opus 'x y'",
      'mng.created-at': '2025-11-27T16:00:00.000Z',
      'mng.version': '0.1.0',
      'mng.image': 'debian:bookworm-slim',
      'mng.start-args': '["--cpus=4","-e","A=b c","-v=/host:/data"]',
      'mng.ssh-user': 'root',
      'mng.egress': 'allow=*.github.com,10.0.0.1:443',
    });
  });
});

describe('decodeLabels', () => {
  it('round-trips encodeLabels', () => {
    expect(decodeLabels(encodeLabels(HOST))).toEqual(HOST);
  });

  it('round-trips empty tags, no start args and a disabled idle timeout', () => {
    const h: HostLabels = { ...HOST, tags: {}, startArgs: [], idleTimeout: 0 };
    expect(decodeLabels(encodeLabels(h))).toEqual(h);
  });

  it("ignores labels of other tools next to mng's", () => {
    const labels = { ...encodeLabels(HOST), 'com.docker.compose.project': 'x', maintainer: 'someone' };
    expect(decodeLabels(labels)).toEqual(HOST);
  });

  it('is undefined for containers that are not mng hosts', () => {
    expect(decodeLabels(null)).toBeUndefined();
    expect(decodeLabels(undefined)).toBeUndefined();
    expect(decodeLabels({})).toBeUndefined();
    expect(decodeLabels({ 'com.docker.compose.project': 'x', maintainer: 'me' })).toBeUndefined();
    // both id and name are required
    expect(decodeLabels({ 'mng.id': 'abc' })).toBeUndefined();
    expect(decodeLabels({ 'mng.name': 'alpha' })).toBeUndefined();
    expect(decodeLabels({ 'mng.id': '', 'mng.name': 'alpha' })).toBeUndefined();
  });

  it('fills defaults when only id and name are there', () => {
    expect(decodeLabels({ 'mng.id': 'abc', 'mng.name': 'alpha' })).toEqual({
      id: 'abc',
      name: 'alpha',
      prefix: '',
      provider: '',
      tags: {},
      idleTimeout: 0,
      agentCommand: '',
      createdAt: '',
      version: '',
      image: '',
      startArgs: [],
      sshUser: 'root',
      egress: { mode: 'open' },
    });
  });

  it('reads a missing or unreadable egress label as open (hosts made before mng had one)', () => {
    const { 'mng.egress': _, ...older } = encodeLabels(HOST);
    expect(decodeLabels(older)?.egress).toEqual({ mode: 'open' });
    expect(decodeLabels({ ...older, 'mng.egress': 'allow=' })?.egress).toEqual({ mode: 'open' });
    expect(decodeLabels({ ...older, 'mng.egress': 'none' })?.egress).toEqual({ mode: 'none' });
  });

  it('tolerates broken JSON in tags and start args', () => {
    const h = decodeLabels({ ...encodeLabels(HOST), 'mng.tags': '{env: test', 'mng.start-args': '["--cpus=4"' });
    expect(h?.tags).toEqual({});
    expect(h?.startArgs).toEqual([]);
    expect(h?.name).toBe('alpha');
  });

  it('rejects JSON of the wrong shape', () => {
    const wrong = (tags: string, startArgs: string) =>
      decodeLabels({ ...encodeLabels(HOST), 'mng.tags': tags, 'mng.start-args': startArgs });
    expect(wrong('["a"]', '{"a":1}')).toMatchObject({ tags: {}, startArgs: [] });
    expect(wrong('null', 'null')).toMatchObject({ tags: {}, startArgs: [] });
    expect(wrong('"str"', '["ok", 2]')).toMatchObject({ tags: {}, startArgs: [] });
  });

  it('turns a bad or negative idle timeout into 0 (disabled)', () => {
    for (const v of ['abc', '-5', '', 'NaN', 'Infinity']) {
      expect(decodeLabels({ ...encodeLabels(HOST), 'mng.idle-timeout': v })?.idleTimeout, v).toBe(0);
    }
    expect(decodeLabels({ ...encodeLabels(HOST), 'mng.idle-timeout': '7200' })?.idleTimeout).toBe(7200);
  });

  it('uses root for an empty ssh user', () => {
    expect(decodeLabels({ ...encodeLabels(HOST), 'mng.ssh-user': '' })?.sshUser).toBe('root');
    expect(decodeLabels({ ...encodeLabels(HOST), 'mng.ssh-user': 'dev' })?.sshUser).toBe('dev');
  });
});
