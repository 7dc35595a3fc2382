import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

/**
 * The docker context the docker CLI will use when neither the provider's `host` nor DOCKER_HOST says where the daemon
 * is: DOCKER_CONTEXT, else `currentContext` in the CLI's config.json. Undefined for the built-in `default` context.
 * A local file read: no docker call.
 */
export function namedDockerContext(
  env: Env = process.env,
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): string | undefined {
  if (env.DOCKER_HOST) return undefined;
  let name = env.DOCKER_CONTEXT;
  if (name === undefined || name === '') {
    const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
    try {
      const value: unknown = JSON.parse(read(join(dir, 'config.json')));
      const current = (value as { currentContext?: unknown } | null)?.currentContext;
      name = typeof current === 'string' ? current : undefined;
    } catch {
      name = undefined;
    }
  }
  return name && name !== 'default' ? name : undefined;
}

/** `docker context inspect NAME` → the daemon address of its docker endpoint. */
export function parseContextInspect(json: string): string | undefined {
  try {
    const [ctx] = JSON.parse(json) as { Endpoints?: { docker?: { Host?: unknown } } }[];
    const host = ctx?.Endpoints?.docker?.Host;
    return typeof host === 'string' && host !== '' ? host : undefined;
  } catch {
    return undefined;
  }
}

export function buildContextInspectArgs(name: string): string[] {
  return ['context', 'inspect', name];
}
