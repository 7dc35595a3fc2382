import { MngError } from '../errors.js';
import type { AgentSection } from './agent-section.js';

/**
 * An agent type: how mng installs, signs in, starts and resumes one kind of coding agent. `claude` and `codex` are
 * built in (their own modules say how each is installed and signed in); a `[agents.NAME]` section of the config
 * defines more, or changes a built-in. Any other AGENT of `mng create NAME AGENT` is a program on the image's PATH.
 */
export interface AgentType {
  name: string;
  /** claude or codex: mng installs it and knows its sign-in and first-run files */
  builtIn: boolean;
  /** the program (on the PATH, or installed by mng) */
  program: string;
  /** arguments always passed after the program */
  args: string[];
  /** run without the agent's own permission prompts (the container is the sandbox) */
  unattended: boolean;
  unattendedArgs: string[];
  /** what `unattended = false` means for this agent: its arguments that keep (or turn on) its permission prompts */
  attendedArgs: string[];
  /** put right after the program to continue the last conversation (not at create, nor with start --fresh) */
  resumeArgs: string[];
  /** a shell test, run in the working folder, that there is a conversation to continue (default: always resume) */
  resumeIf?: string;
  /** variables taken from the user's environment at every start and handed to the agent as secrets */
  env: string[];
  /** the user's files (`~/…`) handed to the agent at every start as secrets, at the same place in its home */
  files: string[];
  /** copy the user's settings for this agent into the container at create */
  settings: boolean;
  /** the version to install (built-ins): configured, else the newest at the first install */
  version?: string;
  /** a regular expression (grep -E) matching the agent's screen once it is at its prompt, ready for a message */
  readyPattern?: string;
}

/** The built-in types, before the config changes them. */
export const BUILT_IN_TYPES: Record<string, AgentType> = {
  claude: {
    name: 'claude',
    builtIn: true,
    program: 'claude',
    args: [],
    unattended: true,
    unattendedArgs: ['--dangerously-skip-permissions'],
    // Claude Code 2.1.332 starts in its `auto` mode, which runs a command without asking; `manual` asks first.
    attendedArgs: ['--permission-mode', 'manual'],
    resumeArgs: ['--continue'],
    // `claude --continue` fails when the folder has no conversation: its transcripts live under a name made of the
    // folder's path, every character other than a letter or digit written as '-'.
    resumeIf: `ls "$HOME/.claude/projects/$(pwd | sed 's/[^A-Za-z0-9]/-/g')"/*.jsonl >/dev/null 2>&1`,
    env: [],
    files: [],
    settings: true,
    readyPattern: 'bypass permissions on|\\? for shortcuts',
  },
  codex: {
    name: 'codex',
    builtIn: true,
    program: 'codex',
    // Without the shared background server, the agent's work runs in its own terminal (idle watcher, logs, wait).
    args: ['--no-daemon'],
    unattended: true,
    // Codex's own sandbox (Landlock, bubblewrap) does not work under Docker's default seccomp profile anyway.
    unattendedArgs: ['--dangerously-bypass-approvals-and-sandbox'],
    // Codex 0.171.0's own default refuses, without asking, the model's requests to run a command outside its sandbox
    // (which cannot start here); on-request asks the user.
    attendedArgs: ['--ask-for-approval', 'on-request'],
    // `codex resume --last` starts a new session when the folder has none.
    resumeArgs: ['resume', '--last'],
    env: [],
    files: [],
    settings: true,
    readyPattern: '\\? for shortcuts',
  },
};

/** The agent types: the built-ins, changed by the config's sections, plus the sections that define new ones. */
export function agentTypes(sections: Record<string, AgentSection> = {}): Record<string, AgentType> {
  const out: Record<string, AgentType> = {};
  for (const [name, base] of Object.entries(BUILT_IN_TYPES)) out[name] = { ...base };
  for (const [name, s] of Object.entries(sections)) {
    const base: AgentType = out[name] ?? {
      name,
      builtIn: false,
      program: name,
      args: [],
      unattended: true,
      unattendedArgs: [],
      attendedArgs: [],
      resumeArgs: [],
      env: [],
      files: [],
      settings: true,
    };
    out[name] = {
      ...base,
      program: s.command ?? base.program,
      args: s.args ?? base.args,
      unattended: s.unattended ?? base.unattended,
      unattendedArgs: s.unattended_args ?? base.unattendedArgs,
      attendedArgs: s.attended_args ?? base.attendedArgs,
      resumeArgs: s.resume_args ?? base.resumeArgs,
      // the built-in's own test only fits its own resume arguments
      resumeIf: s.resume_args ? undefined : base.resumeIf,
      env: [...base.env, ...(s.env ?? [])],
      files: [...base.files, ...(s.files ?? [])],
      settings: s.settings ?? base.settings,
      version: s.version ?? base.version,
    };
  }
  return out;
}

/** The type of a host's agent by the name its label records; a type no longer configured is an error naming it. */
export function typeByName(types: Record<string, AgentType>, name: string): AgentType {
  const t = types[name];
  if (!t) {
    throw new MngError(`agent type '${name}' is not defined any more`, {
      hint: `add an [agents.${name}] section to the config file again`,
    });
  }
  return t;
}
