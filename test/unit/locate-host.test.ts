import { describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../../lib/config/config.js';
import type { Core } from '../../lib/core/core.js';
import { locateHost } from '../../lib/core/hosts/locate.js';
import { MngError, NotFoundError } from '../../lib/errors.js';

const provider = (name: string, host: string): ProviderConfig =>
  ({
    name,
    backend: 'docker',
    host,
    default_image: 'debian:bookworm-slim',
    default_start_args: [],
    default_idle_timeout: 0,
  }) as unknown as ProviderConfig;

/** A core whose docker answers "No such container" on one daemon and fails otherwise on the other. */
function coreWith(answers: Record<string, () => never | { exitCode: number; stdout: string; stderr: string }>): Core {
  return {
    prefix: 'mng-',
    dataDir: '/nonexistent',
    progress: () => {},
    warn: () => {},
    stream: () => {},
    runner: { docker: async (daemon: { host: string }) => answers[daemon.host]() },
  } as unknown as Core;
}

const missing = () => ({ exitCode: 1, stdout: '[]', stderr: 'Error: No such container: mng-x' });

describe('locateHost', () => {
  it('throws NotFoundError when no provider has the agent', async () => {
    const core = coreWith({ a: missing, b: missing });
    const err = await locateHost(core, [provider('one', 'a'), provider('two', 'b')], 'x').catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe("no agent named 'x' on provider 'one'");
  });

  it('reports a real failure (an unreachable daemon) over "not found" elsewhere', async () => {
    const core = coreWith({
      a: missing,
      b: () => {
        throw new MngError("cannot reach the Docker daemon of provider 'two'");
      },
    });
    const err = await locateHost(core, [provider('one', 'a'), provider('two', 'b')], 'x').catch((e) => e);
    expect(err).not.toBeInstanceOf(NotFoundError);
    expect(err.message).toMatch(/^cannot reach the Docker daemon/);
  });
});
