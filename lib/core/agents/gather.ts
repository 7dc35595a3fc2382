import { type Delivery, type HomeFile, mergeDeliveries } from './delivery.js';
import type { KitContext } from './kit.js';
import { KITS } from './kits.js';
import type { AgentType } from '../../config/agent-types.js';
import { homeRelative, readIfFile, userHome } from './user-files.js';
import { join } from 'node:path';

/** What one start hands a host: the sign-in of its agent type, the type's own variables and files, --pass-env's. */
export interface Gathered {
  delivery: Delivery;
  /** the built-in agent's sign-in was found (else it will ask for a login) */
  signedIn: boolean;
}

/** Variables named by the type's `env` and by --pass-env; one line for each that is not set here. */
function passedEnv(names: readonly string[], ctx: KitContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...new Set(names)]) {
    const v = ctx.env[name];
    if (v === undefined || v === '') ctx.warn(`${name} is not set in this environment: the agent starts without it`);
    else out[name] = v;
  }
  return out;
}

/** The type's `files`: each to the tmpfs, linked from the same place in the agent's home. */
async function passedFiles(paths: readonly string[], ctx: KitContext): Promise<Partial<Delivery>> {
  const out: Required<Pick<Delivery, 'secrets' | 'links'>> = { secrets: [], links: [] };
  for (const p of paths) {
    const rel = homeRelative(p);
    const content = await readIfFile(join(userHome(ctx.env), rel));
    if (content === undefined) {
      ctx.warn(`${p} does not exist on this machine: the agent starts without it`);
      continue;
    }
    out.secrets.push({ path: `files/${rel}`, content });
    out.links.push({ path: rel, secret: `files/${rel}` });
  }
  return out;
}

/**
 * Everything one start delivers, read from this machine now (so a rotated key takes effect at the next start).
 * `type` is the host's agent type (none for a plain program with --pass-env); `setup` the first-run files (create).
 */
export async function gather(
  type: AgentType | undefined,
  passEnv: readonly string[],
  ctx: KitContext,
  opts: { fresh: boolean; setup?: HomeFile[] },
): Promise<Gathered> {
  const kit = type?.builtIn ? KITS[type.name] : undefined;
  const signIn = kit ? await kit.credentials(ctx) : { delivery: {}, found: false };
  const parts: Partial<Delivery>[] = [
    signIn.delivery,
    await passedFiles(type?.files ?? [], ctx),
    { env: passedEnv([...(type?.env ?? []), ...passEnv], ctx) },
    { home: opts.setup ?? [], fresh: opts.fresh },
  ];
  const delivery = mergeDeliveries(parts);
  delivery.early =
    Boolean(kit?.lazySignIn?.(signIn.delivery)) &&
    Object.keys(delivery.env).length === 0 &&
    delivery.links.length === 0;
  return { delivery, signedIn: signIn.found };
}

/** The warning when a built-in agent's sign-in is nowhere on this machine. */
export function noSignInWarning(type: AgentType): string | undefined {
  const kit = type.builtIn ? KITS[type.name] : undefined;
  if (!kit) return undefined;
  return `no sign-in for ${type.name} found on this machine (looked at ${kit.looked.join(', ')}): the agent will ask you to log in on mng connect`;
}
