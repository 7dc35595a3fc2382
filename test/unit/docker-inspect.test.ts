import { describe, expect, it } from 'vitest';
import {
  parseContainerInspect,
  parseIdLines,
  parseImageInspect,
  publishedPort,
  type ContainerInspect,
} from '../../lib/docker/inspect.js';

/** A trimmed `docker container inspect` of a running mng host (engine 20.10 shape). */
const RUNNING = {
  Id: 'f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a69788',
  Created: '2025-11-27T16:00:00.123456789Z',
  Path: '/bin/sh',
  Args: ['/mng/init'],
  State: {
    Status: 'running',
    Running: true,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 4242,
    ExitCode: 0,
    Error: '',
    StartedAt: '2025-11-27T16:00:01.5Z',
    FinishedAt: '0001-01-01T00:00:00Z',
  },
  Image: 'sha256:aaaa',
  Name: '/mng-alpha',
  HostConfig: { Init: true, PortBindings: { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  Mounts: [{ Type: 'bind', Source: '/host/data', Destination: '/data', Mode: '', RW: true, Propagation: 'rprivate' }],
  Config: {
    Hostname: 'f1e2d3c4b5a6',
    Image: 'debian:bookworm-slim',
    Labels: { 'mng.id': '0123456789abcdef', 'mng.name': 'alpha' },
  },
  NetworkSettings: {
    Ports: {
      '22/tcp': [{ HostIp: '127.0.0.1', HostPort: '49153' }],
      '80/tcp': null,
    },
  },
};

/** The same host after `docker stop`: no port bindings. */
const STOPPED = {
  ...RUNNING,
  Id: 'b'.repeat(64),
  Name: '/mng-beta',
  State: {
    ...RUNNING.State,
    Status: 'exited',
    Running: false,
    Pid: 0,
    ExitCode: 137,
    FinishedAt: '2025-11-27T17:00:00Z',
  },
  Config: { ...RUNNING.Config, Labels: null },
  NetworkSettings: { Ports: {} },
};

describe('parseContainerInspect', () => {
  it("reads a batched inspect (several containers) with docker's indentation", () => {
    const out = JSON.stringify([RUNNING, STOPPED], null, 4) + '\n';
    const parsed = parseContainerInspect(out);
    expect(parsed).toHaveLength(2);
    expect(parsed[0].Id).toBe(RUNNING.Id);
    expect(parsed[0].Name).toBe('/mng-alpha');
    expect(parsed[0].State).toMatchObject({ Status: 'running', Running: true, ExitCode: 0 });
    expect(parsed[0].Config.Labels).toEqual({ 'mng.id': '0123456789abcdef', 'mng.name': 'alpha' });
    expect(parsed[0].Mounts).toEqual([
      expect.objectContaining({ Type: 'bind', Source: '/host/data', Destination: '/data' }),
    ]);
    expect(parsed[1].State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 137 });
    expect(parsed[1].Config.Labels).toBeNull();
  });

  it('is empty for empty output (nothing inspected) and for "[]"', () => {
    expect(parseContainerInspect('')).toEqual([]);
    expect(parseContainerInspect('  \n')).toEqual([]);
    expect(parseContainerInspect('[]\n')).toEqual([]);
  });

  it('rejects JSON that is not an array', () => {
    expect(() => parseContainerInspect('{"Id":"x"}')).toThrow('docker inspect did not return a JSON array');
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseContainerInspect('Error: No such container: x')).toThrow(SyntaxError);
  });
});

describe('parseImageInspect', () => {
  it('reads ids, tags, size and labels', () => {
    const out = JSON.stringify([
      {
        Id: 'sha256:1111',
        RepoTags: ['debian:bookworm-slim'],
        Created: '2025-01-01T00:00:00Z',
        Size: 74_800_000,
        Config: { Labels: { 'mng.base-image': 'sha256:0' } },
      },
      { Id: 'sha256:2222', RepoTags: null, Created: '2025-01-02T00:00:00Z', Size: 1, Config: null },
    ]);
    const [a, b] = parseImageInspect(out);
    expect(a).toEqual({
      Id: 'sha256:1111',
      RepoTags: ['debian:bookworm-slim'],
      Created: '2025-01-01T00:00:00Z',
      Size: 74_800_000,
      Config: { Labels: { 'mng.base-image': 'sha256:0' } },
    });
    expect(b.RepoTags).toBeNull();
    expect(b.Config).toBeNull();
  });

  it('names "image inspect" when the JSON is not an array', () => {
    expect(() => parseImageInspect('"x"')).toThrow('docker image inspect did not return a JSON array');
    expect(parseImageInspect('')).toEqual([]);
  });
});

describe('publishedPort', () => {
  const withPorts = (Ports: ContainerInspect['NetworkSettings']['Ports']): ContainerInspect => ({
    ...(RUNNING as unknown as ContainerInspect),
    NetworkSettings: { Ports },
  });

  it('returns the loopback address and port sshd is published on', () => {
    expect(publishedPort(RUNNING as unknown as ContainerInspect)).toEqual({ host: '127.0.0.1', port: 49153 });
  });

  it('reads another container port when asked', () => {
    const c = withPorts({
      '22/tcp': [{ HostIp: '127.0.0.1', HostPort: '1' }],
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }],
    });
    expect(publishedPort(c, 8080)).toEqual({ host: '127.0.0.1', port: 32768 });
    expect(publishedPort(c, 9090)).toBeUndefined();
  });

  it('takes the first binding when published on several addresses', () => {
    const c = withPorts({
      '22/tcp': [
        { HostIp: '0.0.0.0', HostPort: '40000' },
        { HostIp: '::', HostPort: '40000' },
      ],
    });
    expect(publishedPort(c)).toEqual({ host: '0.0.0.0', port: 40000 });
  });

  it('reports an empty HostIp as 0.0.0.0', () => {
    expect(publishedPort(withPorts({ '22/tcp': [{ HostIp: '', HostPort: '2222' }] }))).toEqual({
      host: '0.0.0.0',
      port: 2222,
    });
  });

  it('is undefined for a stopped container, a null binding, an empty list, an empty HostPort, or no NetworkSettings.Ports', () => {
    expect(publishedPort(STOPPED as unknown as ContainerInspect)).toBeUndefined();
    expect(publishedPort(withPorts({ '22/tcp': null }))).toBeUndefined();
    expect(publishedPort(withPorts({ '22/tcp': [] }))).toBeUndefined();
    expect(publishedPort(withPorts({ '22/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }))).toBeUndefined();
    expect(publishedPort(withPorts(null))).toBeUndefined();
  });

  it('does not confuse udp with tcp', () => {
    expect(publishedPort(withPorts({ '22/udp': [{ HostIp: '127.0.0.1', HostPort: '5000' }] }))).toBeUndefined();
  });
});

describe('parseIdLines', () => {
  it('splits docker ps output into ids, ignoring blank lines and whitespace', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    expect(parseIdLines(`${a}\n${b}\n`)).toEqual([a, b]);
    expect(parseIdLines(`  ${a}  \r\n\n${b}`)).toEqual([a, b]);
  });

  it('is empty for no output', () => {
    expect(parseIdLines('')).toEqual([]);
    expect(parseIdLines('\n\n')).toEqual([]);
  });
});
