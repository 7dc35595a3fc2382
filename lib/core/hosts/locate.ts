import type { ProviderConfig } from '../../config/config.js';
import type { ContainerInspect } from '../../docker/inspect.js';
import { MngError, NotFoundError } from '../../errors.js';
import type { Core } from '../core.js';
import { findHost, hostFromInspect, inspectByName, type Host } from './hosts.js';
import { containerName } from '../model/naming.js';

/**
 * Several names on one provider: one batched `docker container inspect` (docker takes many names); a name it does not
 * find goes through findHost alone (which finishes an interrupted rename, or says what is wrong).
 */
async function findHostsSettled(
  core: Core,
  provider: ProviderConfig,
  names: readonly string[],
): Promise<PromiseSettledResult<Host>[]> {
  if (names.length === 1) return Promise.allSettled([findHost(core, provider, names[0])]);
  const containers = names.map((n) => containerName(core.prefix, n));
  let found: Map<string, ContainerInspect>;
  try {
    found = await inspectByName(core, provider, containers);
  } catch (e) {
    return names.map(() => ({ status: 'rejected', reason: e }));
  }
  return Promise.allSettled(
    names.map((n, i) => {
      const c = found.get(containers[i]);
      const host = c && hostFromInspect(c, provider);
      return host && host.prefix === core.prefix && host.provider === provider.name
        ? Promise.resolve(host)
        : findHost(core, provider, n);
    }),
  );
}

/** One name's answers from every provider searched → the host, or the error that says why not. */
function pickHost(
  name: string,
  providers: ProviderConfig[],
  results: PromiseSettledResult<Host>[],
): { provider: ProviderConfig; host: Host } {
  const found = results.flatMap((r, i) =>
    r.status === 'fulfilled' ? [{ provider: providers[i], host: r.value }] : [],
  );
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new MngError(
      `agent '${name}' exists on several providers (${found.map((f) => f.provider.name).join(', ')}); choose one with --provider NAME`,
    );
  }
  const failures = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason as Error);
  const real = failures.find((e) => !(e instanceof NotFoundError));
  if (real) throw real;
  throw failures[0] ?? new NotFoundError(`no agent named '${name}'`);
}

/**
 * Find NAME across provider instances (concurrently). Names are unique per instance; a name on two
 * instances needs --provider. An unreachable daemon only matters when the name is found nowhere else.
 */
export async function locateHost(
  core: Core,
  providers: ProviderConfig[],
  name: string,
): Promise<{ provider: ProviderConfig; host: Host }> {
  const [found] = await locateHosts(core, providers, [name]);
  return found;
}

/** Find several names (as locateHost does for one) with one docker call per provider; the first name not found throws. */
export async function locateHosts(
  core: Core,
  providers: ProviderConfig[],
  names: readonly string[],
): Promise<{ provider: ProviderConfig; host: Host }[]> {
  const perProvider = await Promise.all(providers.map((p) => findHostsSettled(core, p, names)));
  return names.map((name, i) =>
    pickHost(
      name,
      providers,
      perProvider.map((results) => results[i]),
    ),
  );
}
