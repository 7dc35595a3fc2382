import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../lib/core/core.js';
import { knownContainers, pickHost } from '../../lib/core/hosts/lookup.js';
import type { Daemon } from '../../lib/docker/daemon.js';
import type { Host } from '../../lib/core/model/host.js';
import { MngError, NotFoundError } from '../../lib/errors.js';

// pickHost: one name's answers from every daemon searched (as lookupHosts gathers them) → the host, or why not.

const host = (provider: string) =>
  ({
    name: 'x',
    provider,
    daemon: { provider, via: 'default', address: '', remote: false, env: {} },
  }) as unknown as Host;
const found = (provider: string): PromiseSettledResult<Host> => ({ status: 'fulfilled', value: host(provider) });
const failed = (reason: Error): PromiseSettledResult<Host> => ({ status: 'rejected', reason });
const notOn = (provider: string) => failed(new NotFoundError(`no agent named 'x' on provider '${provider}'`));
const unreachable = failed(new MngError("cannot reach the Docker daemon of provider 'two'"));

describe('pickHost', () => {
  it('is the host on the one daemon that has it, whatever the others said', () => {
    expect(pickHost('x', [notOn('one'), found('two')]).provider).toBe('two');
    expect(pickHost('x', [found('one'), unreachable]).provider).toBe('one');
  });

  it('asks for --provider when two daemons have the name', () => {
    expect(() => pickHost('x', [found('one'), found('two')])).toThrow(
      "agent 'x' exists on several providers (one, two); choose one with --provider NAME",
    );
  });

  it('says not found (NotFoundError) when no daemon has it', () => {
    let err: unknown;
    try {
      pickHost('x', [notOn('one'), notOn('two')]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe("no agent named 'x' on provider 'one'");
  });

  it('reports a real failure (an unreachable daemon) over "not found" elsewhere', () => {
    let err: unknown;
    try {
      pickHost('x', [notOn('one'), unreachable]);
    } catch (e) {
      err = e;
    }
    expect(err).not.toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/^cannot reach the Docker daemon/);
  });

  it('with nothing searched, not found', () => {
    expect(() => pickHost('x', [])).toThrow(NotFoundError);
  });
});

describe('knownContainers: what list inspects while docker ps answers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mng-known-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const core = (prefix: string) => ({ dataDir, prefix }) as unknown as Core;
  const daemon = (provider: string) => ({ provider }) as unknown as Daemon;

  it('is nothing when there is no hosts folder yet', async () => {
    expect(await knownContainers(core('mng-'), daemon('docker'))).toEqual([]);
  });

  it("names this prefix's host folders as containers: the alias itself on docker, less '.PROVIDER' elsewhere", async () => {
    for (const alias of ['mng-a', 'mng-b.far', 'other-c', 'mng-', 'mng-d.near']) {
      mkdirSync(join(dataDir, 'hosts', alias), { recursive: true });
    }
    expect((await knownContainers(core('mng-'), daemon('far'))).sort()).toEqual(['mng-b']);
    // on docker every folder of the prefix is a guess (a wrong one costs a name docker does not find, nothing else)
    expect((await knownContainers(core('mng-'), daemon('docker'))).sort()).toEqual([
      'mng-a',
      'mng-b.far',
      'mng-d.near',
    ]);
    expect(await knownContainers(core('other-'), daemon('docker'))).toEqual(['other-c']);
  });
});
