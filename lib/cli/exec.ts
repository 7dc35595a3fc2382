import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UsageError } from '../errors.js';
import { safeText } from '../safe-text.js';
import { type SelectorArgs, withTagOption } from './fleet.js';
import { withDash } from './fleet-args.js';
import type { GlobalArgs } from './setup.js';

interface ExecArgs extends GlobalArgs, SelectorArgs {
  names?: string[];
  provider?: string;
  '--'?: (string | number)[];
}

export const command = 'exec [names..]';
export const describe = "Run a command in agents' hosts over ssh: mng exec NAME... -- CMD [ARGS...]";

export function builder(y: Argv): Argv<ExecArgs> {
  return withTagOption(
    y
      .positional('names', { type: 'string', array: true, describe: "agent names ('-': read them from stdin)" })
      .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
      .example('$0 exec my-agent -- make test', "the exit code is the command's")
      .example('$0 exec --tag task=fix -- git status', 'every agent tagged task=fix, output prefixed by name'),
  ) as unknown as Argv<ExecArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ExecArgs>): Promise<void> {
  const command = (argv['--'] ?? []).map(String);
  if (command.length === 0) throw new UsageError('no command given: mng exec NAME... -- CMD [ARGS...]');
  const names = withDash(argv.names);
  const [{ makeContext, scopeFor }, { withHosts }, { execIn, liveTarget, sshTarget }] = await Promise.all([
    import('./setup.js'),
    import('../core/hosts/resolve.js'),
    import('../core/access/session.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: false });
  const scope = scopeFor(ctx, argv.provider);
  if (names.length === 1 && names[0] !== '-' && argv.tag === undefined) {
    const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    // A live shared connection on the route this machine recorded needs no docker call at all.
    const live = await liveTarget(ctx.core, scope, names[0]);
    process.exitCode = live
      ? await execIn(ctx.core, live, command, { tty, live: true })
      : await withHosts(ctx.core, scope, names, ([host]) => execIn(ctx.core, sshTarget(host), command, { tty }));
    return;
  }
  // Several hosts: no terminal, no stdin, each line prefixed with its host's name.
  const [{ selectedNames, reportOutcomes }, { fanOut, linePrefixer }] = await Promise.all([
    import('./fleet.js'),
    import('../core/fleet/fanout.js'),
  ]);
  const selected = await selectedNames(ctx, scope, names, argv.tag);
  const prefix = linePrefixer(selected);
  const outcomes = await withHosts(ctx.core, scope, selected, (hosts) =>
    fanOut(hosts, (h) =>
      execIn(ctx.core, sshTarget(h), command, {
        tty: false,
        // interleaved with the others' lines under mng's prefixes: no host's control characters may move the cursor
        // or rewrite another host's line (lib/safe-text.ts; colours pass)
        onLine: (line, stream) =>
          (stream === 'stdout' ? process.stdout : process.stderr).write(
            `${prefix(h.name, safeText(line, { sgr: true }))}\n`,
          ),
      }),
    ),
  );
  await reportOutcomes(outcomes);
}
