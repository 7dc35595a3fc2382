import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalArgs } from './setup.js';

interface CpArgs extends GlobalArgs {
  src: string;
  dest: string;
  archive?: boolean;
  'follow-link'?: boolean;
  provider?: string;
}

export const command = 'cp <src> <dest>';
export const describe =
  "Copy files between here and an agent's host, with docker cp's rules: NAME:PATH is in the agent";

export function builder(y: Argv): Argv<CpArgs> {
  return y
    .positional('src', {
      type: 'string',
      demandOption: true,
      describe: "source: a local path, '-' (a tar stream on stdin) or NAME:PATH",
    })
    .positional('dest', {
      type: 'string',
      demandOption: true,
      describe: "destination: a local path, '-' (a tar stream on stdout) or NAME:PATH",
    })
    .option('archive', { alias: 'a', type: 'boolean', describe: 'keep uid/gid (docker cp -a)' })
    .option('follow-link', { alias: 'L', type: 'boolean', describe: 'follow a symbolic link in SRC (docker cp -L)' })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .example('$0 cp ./src my-agent:/work', 'copy a folder in')
    .example('$0 cp my-agent:/work/out.txt .', 'copy a file out (also from a stopped host)') as unknown as Argv<CpArgs>;
}

export async function handler(argv: ArgumentsCamelCase<CpArgs>): Promise<void> {
  const [{ makeContext, scopeFor }, { copyFiles }] = await Promise.all([
    import('./setup.js'),
    import('../core/code/cp.js'),
  ]);
  const ctx = await makeContext(argv, { interruptible: true });
  const flags = [...(argv.archive ? ['--archive'] : []), ...(argv.followLink ? ['--follow-link'] : [])];
  await copyFiles(ctx.core, scopeFor(ctx, argv.provider), String(argv.src), String(argv.dest), flags);
}
