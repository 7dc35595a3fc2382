// `mng create NAME --count N`: the checks (before anything is made), then N creates at once through core/fleet.
import { checkNamesFree, countNames, CREATE_LIMIT } from '../core/fleet/count.js';
import { fanOut } from '../core/fleet/fanout.js';
import { createHost } from '../core/create/create.js';
import { checkPassthrough } from '../core/create/plan.js';
import { updateNames } from '../core/hosts/name-cache.js';
import { UsageError } from '../errors.js';
import type { CreateArgs, CreateArgv } from './create-args.js';
import { requestFor } from './create-run.js';
import { reportOutcomes } from './fleet.js';
import { agentJson, agentWarning } from './format.js';
import { makeContext } from './setup.js';

export async function runCreateCount(argv: CreateArgv, args: CreateArgs, count: unknown): Promise<void> {
  if (argv.name === undefined) throw new UsageError('--count needs a NAME: the agents are NAME-1..NAME-N');
  const names = countNames(args.name, count);
  for (const [flag, given] of [
    ['--reuse', args.reuse],
    ['--connect', args.connect === true],
    ['--dry-run', args.dryRun],
  ] as const) {
    if (given) throw new UsageError(`--count does not go with ${flag}`);
  }
  const ctx = await makeContext(argv, { interruptible: true });
  const request = await requestFor(ctx, args);
  checkPassthrough(request); // once, not one error per name
  await checkNamesFree(ctx.core, request.daemon, names);
  ctx.output.progress(`Creating ${names.join(', ')}`);
  const outcomes = await fanOut(
    names.map((name) => ({ name })),
    async ({ name }) => {
      const { host, agent } = await createHost(ctx.core, { ...request, name });
      const warning = agentWarning(name, agent);
      if (warning) ctx.output.warn(warning);
      ctx.output.result(args.format === 'json' ? JSON.stringify(agentJson(host, ctx.core.dataDir)) : name);
      return 0;
    },
    CREATE_LIMIT,
  );
  // the completion cache once, for all: its read-modify-write is not for parallel use within one process
  const made = outcomes.filter((o) => o.exitCode === 0).map((o) => o.name);
  if (made.length > 0) await updateNames(ctx.core.dataDir, ctx.core.prefix, { add: made });
  await reportOutcomes(outcomes);
}
