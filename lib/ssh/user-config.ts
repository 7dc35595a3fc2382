import { constants } from 'node:fs';
import { chmod, copyFile, lstat, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { writeFileAtomic } from '../atomic-file.js';

/**
 * The user's own ~/.ssh/config: mng only ever adds or removes the one `Include` line that makes its own ssh config
 * file (and so `ssh mng-NAME`, scp, rsync, editors) available. Every other byte of the file stays as it was.
 */

/** `Include PATH`, the path quoted when it holds whitespace (ssh splits the value into words). */
export function includeLine(sshConfigFile: string): string {
  return `Include ${/\s/.test(sshConfigFile) ? `"${sshConfigFile}"` : sshConfigFile}`;
}

/** ~/.ssh/config of the user mng runs for ($HOME, as Node's os.homedir() reads it). */
export function userSshConfigPath(home: string = homedir()): string {
  return join(home, '.ssh', 'config');
}

function isOurInclude(line: { type: number; param?: string; value?: unknown }, file: string): boolean {
  if (line.type !== SSHConfig.DIRECTIVE || !/^include$/i.test(line.param ?? '')) return false;
  const values = Array.isArray(line.value) ? line.value.map((v) => (typeof v === 'string' ? v : v.val)) : [line.value];
  return values.includes(file);
}

export type IncludeEdit =
  | { status: 'unchanged' }
  | { status: 'changed'; text: string }
  /** the file is one mng does not dare to rewrite: the user adds the line by hand */
  | { status: 'unusual'; reason: string };

/**
 * Put `Include FILE` at the very top of an ssh config text (at the top, since an Include inside a Host block only
 * applies to that block). The text is parsed with ssh-config to see whether the line is there; the new text is the
 * line followed by the old text byte for byte, and must parse to the same directives plus the one Include.
 */
export function addInclude(text: string, file: string): IncludeEdit {
  let config: SSHConfig;
  try {
    config = SSHConfig.parse(text);
  } catch (e) {
    return { status: 'unusual', reason: `it could not be parsed (${(e as Error).message})` };
  }
  const top = config.filter((l) => l.type === SSHConfig.DIRECTIVE);
  if (top.some((l) => isOurInclude(l, file))) return { status: 'unchanged' };
  const hasNested = top.some((l) => 'config' in l && l.config.some((c) => isOurInclude(c, file)));
  if (hasNested) return { status: 'unusual', reason: `it includes ${file} inside a Host or Match block only` };
  // The new text is the line plus the old text byte for byte; ssh must read it as the old directives after the Include.
  const next = `${includeLine(file)}\n${text}`;
  const check = SSHConfig.parse(next).filter((l) => l.type === SSHConfig.DIRECTIVE);
  if (
    check.length === 0 ||
    !isOurInclude(check[0], file) ||
    JSON.stringify(directives(check.slice(1))) !== JSON.stringify(directives(top))
  ) {
    return { status: 'unusual', reason: 'the Include line would change how the rest of it is read' };
  }
  return { status: 'changed', text: next };
}

type Line = { type: number; param?: string; value?: unknown; config?: Line[] };

/** The directives of a parsed config, without comments and whitespace: what ssh acts on. */
function directives(lines: readonly Line[]): unknown[] {
  return lines
    .filter((l) => l.type === SSHConfig.DIRECTIVE)
    .map((l) => [l.param, l.value, l.config ? directives(l.config) : null]);
}

/** Remove every top-level `Include FILE` line (only mng's own, exactly), leaving the rest byte for byte. */
export function removeInclude(text: string, file: string): IncludeEdit {
  const lines = text.split('\n');
  const kept = lines.filter((line) => {
    const parsed = SSHConfig.parse(line);
    return !(parsed.length === 1 && isOurInclude(parsed[0], file) && !/^\s/.test(line));
  });
  if (kept.length === lines.length) return { status: 'unchanged' };
  return { status: 'changed', text: kept.join('\n') };
}

export interface UserConfigResult {
  status: 'added' | 'removed' | 'unchanged';
  file: string;
  backup?: string;
}

/** Why mng will not write this file, or undefined: a symlink (dotfile managers), something not a regular file. */
async function unusualFile(file: string): Promise<string | undefined> {
  const st = await lstat(file).catch(() => undefined);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (!st.isFile()) return 'it is not a regular file';
  if ((st.mode & 0o200) === 0) return 'it is read-only';
  return undefined;
}

export class UserConfigRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file} was left alone: ${reason}`);
  }
}

/**
 * Add (`install`) or remove the Include line of mng's ssh config file in ~/.ssh/config. A new file is created with
 * mode 0600 (and ~/.ssh with 0700). Before changing an existing file, a copy is kept as `config.mng-backup`; the
 * new text is written to a temporary file and renamed over the old one, keeping its mode. A symlink, an unreadable or
 * unwritable file, or text ssh-config cannot keep intact throws UserConfigRefused: nothing is written then.
 */
export async function editUserSshConfig(
  action: 'install' | 'uninstall',
  sshConfigFile: string,
  file: string = userSshConfigPath(),
): Promise<UserConfigResult> {
  const unusual = await unusualFile(file);
  if (unusual) throw new UserConfigRefused(file, unusual);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UserConfigRefused(file, `it cannot be read (${code})`);
  }
  if (text === undefined) {
    if (action === 'uninstall') return { status: 'unchanged', file };
    // (writeFileAtomic makes ~/.ssh with mode 0700 when it is missing)
    await writeFileAtomic(file, `${includeLine(sshConfigFile)}\n`, 0o600, { exactMode: true });
    return { status: 'added', file };
  }
  const edit = action === 'install' ? addInclude(text, sshConfigFile) : removeInclude(text, sshConfigFile);
  if (edit.status === 'unusual') throw new UserConfigRefused(file, edit.reason);
  if (edit.status === 'unchanged') return { status: 'unchanged', file };
  const mode = (await lstat(file)).mode & 0o7777;
  const backup = `${file}.mng-backup`;
  try {
    // the first backup is kept: a later --install or --uninstall never overwrites the user's original
    const made = await copyFile(file, backup, constants.COPYFILE_EXCL).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') return false;
        throw e;
      },
    );
    if (made) await chmod(backup, mode & 0o600);
    await writeFileAtomic(file, edit.text, mode, { exactMode: true });
  } catch (e) {
    throw new UserConfigRefused(
      file,
      `it cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return { status: action === 'install' ? 'added' : 'removed', file, backup };
}
