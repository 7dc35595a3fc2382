import { MngError } from '../../errors.js';
import type { Core } from '../core.js';
import { gather, noSignInWarning, type Gathered } from './gather.js';
import type { HomeFile } from './delivery.js';
import { agentVersion } from './install.js';
import { KITS } from './kits.js';
import type { AgentType } from '../../config/agent-types.js';

/**
 * What create does for a coding agent before it makes anything: read its sign-in here (a credentials file that is not
 * JSON is an error now, with nothing made), warn in one line when there is none, and choose the version to install.
 */
export interface AgentCreate {
  type: AgentType;
  /** the installed version (built-ins), recorded on the host */
  version?: string;
  gathered: Gathered;
}

function settingsOf(core: Core) {
  if (!core.agents) throw new MngError('internal: coding agents are not set up for this command');
  return core.agents;
}

export async function prepareAgentCreate(
  core: Core,
  type: AgentType,
  passEnv: readonly string[],
): Promise<AgentCreate> {
  const agents = settingsOf(core);
  const gathered = await gather(type, passEnv, { env: agents.env, warn: core.warn }, { fresh: true });
  if (!gathered.signedIn) {
    const warning = noSignInWarning(type);
    if (warning) core.warn(warning);
  }
  const version = type.builtIn ? await agentVersion(core, agents.cacheDir, type) : undefined;
  return { type, version, gathered };
}

/** The first-run files of a built-in agent, for its working folder (answers to its dialogs, the user's settings). */
export async function agentSetupFiles(core: Core, type: AgentType, workdir: string): Promise<HomeFile[]> {
  const kit = type.builtIn ? KITS[type.name] : undefined;
  if (!kit) return [];
  const env = settingsOf(core).env;
  return kit.setup({ env, warn: core.warn, settings: type.settings, unattended: type.unattended, workdir });
}
