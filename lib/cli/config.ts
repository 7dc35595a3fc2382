import type { Argv, ArgumentsCamelCase } from 'yargs';
import type { GlobalArgs } from './setup.js';

interface ConfigArgs extends GlobalArgs {
  action: 'path' | 'show';
  format: 'toml' | 'json';
}

export const command = 'config <action>';
export const describe = 'Show where the config file is (path) or the effective configuration, defaults included (show)';

export function builder(y: Argv): Argv<ConfigArgs> {
  return y.positional('action', { choices: ['path', 'show'] as const, demandOption: true }).option('format', {
    choices: ['toml', 'json'] as const,
    default: 'toml' as const,
    describe: 'output format of show',
  }) as unknown as Argv<ConfigArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ConfigArgs>): Promise<void> {
  const [{ loadConfig }, { configFilePath }, { stringify }] = await Promise.all([
    import('../config/config.js'),
    import('../config/paths.js'),
    import('smol-toml'),
  ]);
  if (argv.action === 'path') {
    process.stdout.write(configFilePath() + '\n');
    return;
  }
  const config = await loadConfig();
  const providers = Object.fromEntries(Object.values(config.providers).map(({ name, ...rest }) => [name, rest]));
  const agents = config.agents ?? {};
  if (argv.format === 'json') {
    process.stdout.write(
      JSON.stringify({ file: config.path, file_exists: config.exists, providers, agents }, null, 2) + '\n',
    );
  } else {
    process.stdout.write(
      `# effective configuration (${config.exists ? `from ${config.path}` : `defaults: ${config.path} does not exist`})\n`,
    );
    process.stdout.write(stringify({ providers, agents }) + '\n');
  }
}
