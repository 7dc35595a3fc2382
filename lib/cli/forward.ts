import type { Argv, ArgumentsCamelCase } from 'yargs';
import { UsageError } from '../errors.js';
import type { GlobalArgs } from './setup.js';

interface ForwardArgs extends GlobalArgs {
  name: string;
  spec?: string;
  list?: boolean;
  stop?: number;
  provider?: string;
  format: 'human' | 'json';
}

export const command = 'forward <name> [spec]';
export const describe = "Reach a port of an agent's host on this machine's 127.0.0.1, in the background";

export function builder(y: Argv): Argv<ForwardArgs> {
  return y
    .positional('name', { type: 'string', demandOption: true, describe: 'agent name' })
    .positional('spec', { type: 'string', describe: '[LOCAL:]PORT: PORT in the host on 127.0.0.1:LOCAL here' })
    .option('list', { type: 'boolean', describe: "the agent's live forwards" })
    .option('stop', { type: 'number', describe: 'stop the forward on this local port' })
    .option('provider', { type: 'string', describe: 'provider instance holding the agent' })
    .option('format', { choices: ['human', 'json'] as const, default: 'human' as const, describe: 'output format' })
    .example('$0 forward my-agent 3000', 'http://127.0.0.1:3000 reaches port 3000 in the host')
    .example('$0 forward my-agent 8080:3000', 'the same, on local port 8080')
    .example('$0 forward my-agent --stop 8080', 'close it') as unknown as Argv<ForwardArgs>;
}

export async function handler(argv: ArgumentsCamelCase<ForwardArgs>): Promise<void> {
  const modes = [argv.spec !== undefined, Boolean(argv.list), argv.stop !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('give one of: [LOCAL:]PORT, --list, --stop LOCAL');
  const { parseForwardSpec } = await import('../core/forward/forward.js');
  const ports = argv.spec === undefined ? undefined : parseForwardSpec(argv.spec);
  if (argv.stop !== undefined && !(Number.isInteger(argv.stop) && argv.stop >= 1 && argv.stop <= 65535)) {
    throw new UsageError(`--stop ${argv.stop}: not a port (1 to 65535)`);
  }
  const { runForward } = await import('./forward-run.js');
  await runForward(argv, ports);
}
