import type { Argv, ArgumentsCamelCase } from 'yargs';
import { MngError, UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface SshConfigArgs extends GlobalArgs {
  install?: boolean;
  uninstall?: boolean;
}

export const command = 'ssh-config';
export const describe = "mng's ssh config file (one Host entry per agent) and the Include line for ~/.ssh/config";

export function builder(y: Argv): Argv<SshConfigArgs> {
  return y
    .option('install', {
      type: 'boolean',
      describe: 'add the Include line at the top of ~/.ssh/config (a backup is kept; nothing else changes)',
    })
    .option('uninstall', { type: 'boolean', describe: 'remove that Include line from ~/.ssh/config' })
    .example('$0 ssh-config --install', 'then: ssh mng-NAME, scp, rsync and editors reach every agent')
    .example('$0 ssh-config', 'print the file and the line, to add it yourself') as unknown as Argv<SshConfigArgs>;
}

export async function handler(argv: ArgumentsCamelCase<SshConfigArgs>): Promise<void> {
  if (argv.install && argv.uninstall) throw new UsageError('give --install or --uninstall, not both');
  const [{ dataDir }, { sshConfigPath }, { editUserSshConfig, includeLine, UserConfigRefused }] = await Promise.all([
    import('../config/paths.js'),
    import('../ssh/config.js'),
    import('../ssh/user-config.js'),
  ]);
  const file = sshConfigPath(dataDir());
  const line = includeLine(file);
  if (!argv.install && !argv.uninstall) {
    process.stdout.write(`${file}\n${line}\n`);
    return;
  }
  try {
    const r = await editUserSshConfig(argv.install ? 'install' : 'uninstall', file);
    const what = {
      added: `added '${line}' at the top of ${r.file}`,
      removed: `removed '${line}' from ${r.file}`,
      unchanged: argv.install ? `${r.file} already includes ${file}` : `${r.file} does not include ${file}`,
    }[r.status];
    process.stdout.write(`${what}${r.backup ? ` (backup: ${r.backup})` : ''}\n`);
  } catch (e) {
    if (!(e instanceof UserConfigRefused)) throw e;
    throw new MngError(e.message, {
      hint: argv.install ? `add this line at its top yourself: ${line}` : `remove this line yourself: ${line}`,
    });
  }
}
