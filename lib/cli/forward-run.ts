// `mng forward` once its command line is checked (cli/forward.ts): list, stop, or start a forward.

import { liveTarget, sshTarget } from '../core/access/session.js';
import { checkForwardable, startForward, stopForward } from '../core/forward/forward.js';
import { liveForwards } from '../core/forward/records.js';
import { withHosts } from '../core/hosts/resolve.js';
import { sshAlias } from '../core/model/host.js';
import { containerName, validateName } from '../core/model/naming.js';
import { MngError } from '../errors.js';
import { makeContext, scopeFor } from './setup.js';

interface Args {
  name: string;
  provider?: string;
  stop?: number;
  format: 'human' | 'json';
  verbose?: boolean;
  quiet?: boolean;
}

const line = (f: { local: number; remote: number }) => `127.0.0.1:${f.local} -> ${f.remote}`;

export async function runForward(argv: Args, ports?: { local: number; remote: number }): Promise<void> {
  const ctx = await makeContext(argv, { interruptible: false });
  const name = validateName(argv.name);
  const scope = scopeFor(ctx, argv.provider);
  // the host's local folder on each provider in scope (its alias: `<container>.<provider>` off provider docker)
  const aliases = scope.daemons.map((d) => sshAlias(containerName(ctx.core.prefix, name), d.provider));
  if (!ports && argv.stop === undefined) {
    const live = (await Promise.all(aliases.map((a) => liveForwards(ctx.core.dataDir, a)))).flat();
    if (argv.format === 'json') {
      ctx.output.result(
        JSON.stringify({ name, forwards: live.map((f) => ({ local: f.local, remote: f.remote, pid: f.pid })) }),
      );
    } else {
      for (const f of live) ctx.output.result(line(f));
      if (live.length === 0) ctx.output.progress(`agent '${name}' has no forwards`);
    }
    return;
  }
  if (argv.stop !== undefined) {
    const stopped = await Promise.all(aliases.map((a) => stopForward(ctx.core.dataDir, a, argv.stop as number)));
    if (!stopped.includes(true)) {
      throw new MngError(`agent '${name}' has no forward on local port ${argv.stop}`, {
        hint: `mng forward ${name} --list`,
      });
    }
    ctx.output.progress(`stopped the forward on 127.0.0.1:${argv.stop}`);
    return;
  }
  if (!ports) return;
  // a port already forwarded, busy or privileged is said before anything else is asked
  for (const a of aliases) await checkForwardable(ctx.core.dataDir, a, name, ports.local);
  const target =
    (await liveTarget(ctx.core, scope, name)) ??
    (await withHosts(ctx.core, scope, [name], async ([h]) => sshTarget(h)));
  const f = await startForward(ctx.core, target, ports.local, ports.remote);
  if (argv.format === 'json') ctx.output.result(JSON.stringify({ name, local: f.local, remote: f.remote, pid: f.pid }));
  else ctx.output.result(line(f));
  ctx.output.progress(
    `http://127.0.0.1:${f.local} reaches port ${f.remote} of '${name}' until the host stops (mng forward ${name} --stop ${f.local})`,
  );
}
