import type { Delivery, HomeFile } from './delivery.js';
import type { Env } from './user-files.js';

/**
 * What mng knows about one built-in agent beyond its type (types.ts): how its vendor ships it on npm, where its
 * sign-in lives on the user's machine and how the container's copy of the agent reads it, and which files answer its
 * first-run dialogs. claude.ts and codex.ts each export one.
 */

/** The platform an image runs: its CPU (npm's names: x64, arm64) and its C library. */
export interface Platform {
  arch: string;
  libc: 'glibc' | 'musl';
}

export interface InstallSpec {
  /** the npm package whose optionalDependencies name one package per platform, at the same version */
  wrapper: string;
  /** the optionalDependencies key of the package for a platform */
  platformKey(p: Platform): string;
  /** does the vendor ship different builds for glibc and musl (then mng asks the image which it has) */
  libcSpecific: boolean;
  /** the files taken from the platform package (paths in its tarball), and where they go in the install folder */
  files(p: Platform): { from: string; to: string }[];
  /** links in /usr/local/bin: program name → path in the install folder */
  bin: Record<string, string>;
}

export interface KitContext {
  env: Env;
  warn: (message: string) => void;
}

export interface SetupContext extends KitContext {
  /** copy the user's settings */
  settings: boolean;
  unattended: boolean;
  /** the agent's working folder in the container */
  workdir: string;
}

export interface AgentKit {
  install: InstallSpec;
  /** where the sign-in is looked for, in words (the warning when none is found names them) */
  looked: string[];
  /** does the agent read this sign-in only after it started (so it may start before mng's delivery)? */
  lazySignIn?(delivery: Partial<Delivery>): boolean;
  /** the sign-in found on this machine, as the container's agent reads it */
  credentials(ctx: KitContext): Promise<{ delivery: Partial<Delivery>; found: boolean }>;
  /** files for the agent's home at create: first-run answers, then the user's settings */
  setup(ctx: SetupContext): Promise<HomeFile[]>;
}
