import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS } from '../../lib/config/config.js';
import { decodeHost, type Host, sshAlias } from '../../lib/core/model/host.js';
import { type HostLabels, LABEL, sealLabels } from '../../lib/core/model/labels.js';
import { chooseDaemon } from '../../lib/docker/daemon.js';
import type { ContainerInspect } from '../../lib/docker/inspect.js';

// decodeHost is the one gate at the Docker boundary: inspect JSON a hostile or shared daemon could send (names an
// honest dockerd refuses included) never becomes a Host whose values reach ssh, a path or a docker call.

const local = chooseDaemon({ name: 'docker', ...PROVIDER_DEFAULTS }, {});
const remote = chooseDaemon({ name: 'gpu', ...PROVIDER_DEFAULTS, host: 'tcp://gpu:2376' }, {});
const NOW = Math.floor(Date.now() / 1000);
const STARTED = new Date((NOW - 60) * 1000).toISOString();

const LABELS: HostLabels = {
  id: '0123456789abcdef',
  name: 'alpha',
  prefix: 'mng-',
  provider: 'docker',
  tags: {},
  idleTimeout: 900,
  idleCheckInterval: 30,
  agentCommand: 'sh',
  createdAt: '2025-11-27T16:00:00.000Z',
  version: '0.1.0',
  image: 'debian:bookworm-slim',
  startArgs: [],
  sshUser: 'root',
};

function inspect(
  over: { labels?: Record<string, string>; name?: string; health?: string; provider?: string } & Partial<
    Omit<ContainerInspect, 'Config'>
  > = {},
): ContainerInspect {
  const name = over.name ?? '/mng-alpha';
  const labels = over.labels ?? sealLabels({ ...LABELS, provider: over.provider ?? 'docker' }, name.slice(1));
  return {
    Id: 'c'.repeat(64),
    Name: name,
    Created: '2025-11-27T16:00:00Z',
    Image: `sha256:${'e'.repeat(64)}`,
    State: {
      Status: 'running',
      Running: true,
      ExitCode: 0,
      StartedAt: STARTED,
      FinishedAt: '0001-01-01T00:00:00Z',
      Health: over.health
        ? { Status: 'healthy', Log: [{ Start: new Date().toISOString(), ExitCode: 0, Output: over.health }] }
        : null,
    },
    Config: { Image: 'i', Labels: labels, Env: ['MNG_IDLE_TIMEOUT=900'] },
    NetworkSettings: { Ports: { '22/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }] } },
    ...over,
  } as ContainerInspect;
}

const hostOf = (c: ContainerInspect, daemon = local): Host => {
  const d = decodeHost(c, daemon);
  if ('problem' in d) throw new Error(d.problem);
  return d.host;
};
const problemOf = (c: ContainerInspect, daemon = local) => {
  const d = decodeHost(c, daemon);
  return 'problem' in d ? d.problem : undefined;
};
const withLabels = (over: Record<string, string>) =>
  inspect({ labels: { ...sealLabels(LABELS, 'mng-alpha'), ...over } });

describe('decodeHost: a container as mng makes it', () => {
  it('is a host, with its ssh route and alias', () => {
    const h = hostOf(inspect());
    expect(h).toMatchObject({ name: 'alpha', containerName: 'mng-alpha', alias: 'mng-alpha', state: 'running' });
    expect(h.ssh).toEqual({ user: 'root', host: '127.0.0.1', port: 32768 });
    expect(h.from).toBeUndefined();
    expect(h.fromUnchecked).toBeUndefined();
  });

  it('on another provider, the alias carries the provider; a remote route names the alias, docker exec the container', () => {
    const h = hostOf(inspect({ provider: 'gpu' }), remote);
    expect(h.alias).toBe('mng-alpha.gpu');
    expect(h.ssh.host).toBe('mng-alpha.gpu');
    expect(h.ssh.proxyCommand).toContain('docker exec -i mng-alpha ');
    expect(sshAlias('mng-alpha', 'docker')).toBe('mng-alpha');
  });
});

describe('decodeHost: what an honest dockerd never sends, or mng never writes (H1)', () => {
  it('a name that is not its labels, or not a container name (a path out of the data folder)', () => {
    expect(problemOf(inspect({ name: '/../../x', labels: sealLabels(LABELS, '../../x') }))).toMatch(
      /its name "..\/..\/x" is not its labels' \(mng-alpha\)/,
    );
    expect(problemOf(inspect({ name: '/mng-beta' }))).toMatch(/is not its labels'/);
    const dotted = { ...LABELS, name: 'alpha', prefix: '../' };
    expect(problemOf(inspect({ name: '/../alpha', labels: sealLabels(dotted, '../alpha') }))).toMatch(
      /mng.prefix "..\/" is not a name prefix/,
    );
    expect(problemOf(withLabels({ [LABEL.name]: '../../etc' }))).toMatch(/mng.name .* is not an agent name/);
  });

  it('an ssh user ssh would take for an option, or one that breaks an ssh config line', () => {
    expect(problemOf(withLabels({ [LABEL.sshUser]: '-oProxyCommand=touch /tmp/pwned' }))).toBe(
      'label mng.ssh-user "-oProxyCommand=touch /tmp/pwned" is not a user name',
    );
    expect(problemOf(withLabels({ [LABEL.sshUser]: 'root\n  ProxyCommand sh -c x' }))).toMatch(/not a user name/);
  });

  it('ids that are not ids', () => {
    expect(problemOf(inspect({ Id: '../x' }))).toMatch(/its id "..\/x" is not a container id/);
    expect(problemOf(inspect({ Image: '--privileged' }))).toMatch(/is not an image id/);
  });

  it('a published port that is not an IP address and a port', () => {
    const ports = (HostIp: string, HostPort: string) =>
      problemOf(inspect({ NetworkSettings: { Ports: { '22/tcp': [{ HostIp, HostPort }] } } }));
    expect(ports('127.0.0.1', '0')).toMatch(/published ssh port/);
    expect(ports('127.0.0.1', '65536')).toMatch(/published ssh port/);
    expect(ports('127.0.0.1', '22 -oProxyCommand=x')).toMatch(/published ssh port/);
    expect(ports('-oProxyCommand=x', '2222')).toMatch(/published ssh port/);
    expect(ports('evil.example', '2222')).toMatch(/published ssh port/);
    expect(ports('::1', '2222')).toBeUndefined();
  });

  it('numbers out of bounds: an exit code, a stop time', () => {
    expect(problemOf(inspect({ State: { ...inspect().State, ExitCode: 1e300 } }))).toMatch(/exit code/);
    expect(problemOf(inspect({ State: { ...inspect().State, FinishedAt: 'x\u001b[2J' } }))).toMatch(/stop time/);
  });

  it('a daemon answer of another shape: a problem, never an exception', () => {
    expect(problemOf({ ...inspect(), State: null } as unknown as ContainerInspect)).toMatch(/could not be read/);
    expect(
      problemOf({ ...inspect(), Config: { Labels: { [LABEL.id]: 'x', [LABEL.name]: 5 } } } as never),
    ).toBeDefined();
  });

  it('no mng labels: not an mng agent', () => {
    expect(problemOf(inspect({ labels: { maintainer: 'x' } }))).toMatch(/exists but is not an mng agent/);
  });
});

describe("decodeHost: the agent's own claims stay in bounds (M1)", () => {
  it('a huge or garbled idle time in the health output is no finding, and never breaks the host', () => {
    for (const health of [
      'mng-idle last=99999999999999999999999 source=ssh',
      'mng-idle last=999999999999 source=ssh',
      'mng-idle last=1 source=\u001b[2J',
      '\u0000\u0001garbage',
    ]) {
      const h = hostOf(inspect({ health }));
      expect(h.idle?.source, health).toBe('boot');
      expect(h.idle?.lastActivityAt, health).toBe(STARTED);
    }
    expect(hostOf(inspect({ health: `mng-idle last=${NOW} source=tmux` })).idle?.source).toBe('tmux');
  });
});

describe('decodeHost: labels an image could have given (L3)', () => {
  it('a host whose digest is its own: its --from labels count', () => {
    const from = { kind: 'git', path: '/r', commit: 'a'.repeat(40), target: '/w' } as const;
    const h = hostOf(inspect({ labels: sealLabels({ ...LABELS, from }, 'mng-alpha') }));
    expect(h.from).toEqual(from);
  });

  it('a host without its own digest (an older mng, or labels inherited from an image): --from is unchecked', () => {
    const inherited = {
      ...sealLabels(LABELS, 'mng-alpha'),
      [LABEL.fromKind]: 'git',
      [LABEL.fromPath]: '/home/me/repo',
      [LABEL.fromCommit]: 'a'.repeat(40),
      [LABEL.fromTarget]: '/w',
    };
    const h = hostOf(inspect({ labels: inherited }));
    expect(h.from).toBeUndefined();
    expect(h.fromUnchecked).toMatchObject({ kind: 'git', path: '/home/me/repo' });
  });

  it("a coding agent's type and --pass-env names count only from its own labels: an image never asks for secrets", () => {
    const agent = { agentType: 'claude', agentVersion: '2.1.332', passEnv: ['GITHUB_TOKEN'] };
    const own = hostOf(inspect({ labels: sealLabels({ ...LABELS, ...agent }, 'mng-alpha') }));
    expect(own).toMatchObject(agent);
    const inherited = {
      ...sealLabels(LABELS, 'mng-alpha'),
      [LABEL.agentType]: 'claude',
      [LABEL.passEnv]: '["AWS_SECRET_ACCESS_KEY"]',
    };
    const h = hostOf(inspect({ labels: inherited }));
    expect(h.agentType).toBeUndefined();
    expect(h.passEnv).toBeUndefined();
  });

  it('a replacement under its temporary name decodes as the host it becomes', () => {
    const c = inspect({ name: '/mng-alpha.new-abc123', labels: sealLabels(LABELS, 'mng-alpha') });
    expect(problemOf(c)).toMatch(/is not its labels'/);
    const d = decodeHost(c, local, { as: 'mng-alpha' });
    expect('host' in d && d.host.containerName).toBe('mng-alpha');
  });
});
