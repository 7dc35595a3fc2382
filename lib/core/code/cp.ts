import { UsageError } from '../../errors.js';
import type { Core } from '../core.js';
import { type Scope, withHosts } from '../hosts/resolve.js';
import { NAME_PATTERN } from '../model/naming.js';

/** One side of `mng cp`: a local path (or `-`), or `NAME:PATH` in an agent's host. */
export type CpOperand = { kind: 'local'; path: string } | { kind: 'agent'; name: string; path: string };

/**
 * docker cp's rule: a colon before any slash makes it a container path (write `./a:b` for a local file with a colon).
 * Here the part before the colon is an agent name.
 */
export function parseCpOperand(arg: string): CpOperand {
  const i = arg.indexOf(':');
  const slash = arg.indexOf('/');
  if (i > 0 && (slash === -1 || i < slash)) {
    const name = arg.slice(0, i);
    if (!NAME_PATTERN.test(name))
      throw new UsageError(`'${name}' in '${arg}' is not an agent name (for a local path with a colon write ./${arg})`);
    const path = arg.slice(i + 1);
    if (path === '') throw new UsageError(`no path after '${name}:' (write ${name}:/some/path)`);
    return { kind: 'agent', name, path };
  }
  return { kind: 'local', path: arg };
}

/** Exactly one side in an agent's host. */
export function checkCpOperands(src: CpOperand, dest: CpOperand): { agent: string } {
  if (src.kind === 'agent' && dest.kind === 'agent')
    throw new UsageError('copying between two agents is not supported: copy to a local folder first');
  if (src.kind === 'local' && dest.kind === 'local')
    throw new UsageError('one side must be in an agent: NAME:PATH (for example mng cp ./src my-agent:/work)');
  if ((src.kind === 'local' && src.path === '') || (dest.kind === 'local' && dest.path === ''))
    throw new UsageError('a path must not be empty');
  return { agent: src.kind === 'agent' ? src.name : (dest as { name: string }).name };
}

/** `docker cp [flags] SRC DEST` with the agent side as `CONTAINER:PATH`. */
export function buildCpArgs(flags: readonly string[], src: CpOperand, dest: CpOperand, container: string): string[] {
  // a local path that starts with '-' (but is not '-', the tar stream) is written ./-x, so docker never reads an option
  const local = (p: string) => (p.startsWith('-') && p !== '-' ? `./${p}` : p);
  const side = (o: CpOperand) => (o.kind === 'agent' ? `${container}:${o.path}` : local(o.path));
  return ['cp', ...flags, side(src), side(dest)];
}

/** Copy through Docker: works for stopped hosts and remote daemons alike. Streams docker's own output through. */
export async function copyFiles(
  core: Core,
  scope: Scope,
  srcArg: string,
  destArg: string,
  flags: string[],
): Promise<void> {
  const src = parseCpOperand(srcArg);
  const dest = parseCpOperand(destArg);
  const { agent } = checkCpOperands(src, dest);
  const tarOut = dest.kind === 'local' && dest.path === '-';
  const tarIn = src.kind === 'local' && src.path === '-';
  await withHosts(core, scope, [agent], async ([host]) => {
    await core.runner.docker(host.daemon, buildCpArgs(flags, src, dest, host.containerId), {
      stdin: tarIn ? 'inherit' : 'ignore',
      stdout: tarOut ? 'inherit' : 'pipe',
    });
  });
}
