import { claudeKit } from './claude.js';
import { codexKit } from './codex.js';
import type { AgentKit } from './kit.js';

/** The built-in agents' kits, by type name. */
export const KITS: Record<string, AgentKit> = { claude: claudeKit, codex: codexKit };
