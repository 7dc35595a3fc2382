import type { Config } from '../../config/config.js';
import { buildContextInspectArgs, namedDockerContext, parseContextInspect } from '../../docker/context.js';
import type { DockerRunner } from '../../docker/runner.js';

/**
 * Providers with `host = ""` talk to whatever the docker CLI would: DOCKER_HOST, else the current docker context. When
 * that context points at another machine, the ssh route must go through the daemon (as for `ssh://`). The context's
 * address is asked once (`docker context inspect`), and only when a non-default context is in use.
 */
export async function applyDockerContext(
  runner: DockerRunner,
  config: Config,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const followers = Object.values(config.providers).filter((p) => p.host === '');
  if (followers.length === 0) return;
  const name = namedDockerContext(env);
  if (!name) return;
  const r = await runner.docker({ provider: followers[0].name, host: '' }, buildContextInspectArgs(name), {
    check: false,
  });
  const host = r.exitCode === 0 ? parseContextInspect(r.stdout) : undefined;
  if (!host) return; // docker itself will say what is wrong with the context at the first real call
  for (const p of followers) p.via_context = { name, host };
}
