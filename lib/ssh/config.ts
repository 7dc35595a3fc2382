import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import SSHConfig from 'ssh-config';
import { writeFileAtomic } from '../atomic-file.js';
import { MngError } from '../errors.js';
import { hasControl } from '../safe-text.js';
import { knownHostsLine, sshOptions, type SshEndpoint, type SshFiles, sshValue } from './args.js';

/**
 * mng's local ssh files, all under its data directory:
 *
 *   ssh_config                 Include of every host's entry (what `mng ssh-config --install` points ~/.ssh/config at)
 *   keys/client/id_ed25519     the user's client key (never leaves this machine)
 *   hosts/ALIAS/ssh_config     one `Host ALIAS` entry, so `ssh ALIAS`, scp, rsync and editors work
 *   hosts/ALIAS/known_hosts    that host's own public host key, pinned under ALIAS
 *   hosts/ALIAS/record.json    what this machine knows of the host (its provider, daemon, ids, route; core/hosts/record.ts)
 *
 * One folder per host means every write touches one host's files only, atomically: fifty mng commands running at
 * once never lose each other's entries. These files are a cache of access; Docker holds the truth (core/access/access.ts).
 */
export function sshConfigPath(dataDir: string): string {
  return join(dataDir, 'ssh_config');
}

/** A host alias as mng makes them (a container name, or one with `.PROVIDER` after it): one plain folder name. */
export const ALIAS_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

/** Host ALIAS's folder: always one folder directly inside `hosts/`, whatever the alias (nothing else is ever made). */
export function hostDir(dataDir: string, alias: string): string {
  const hosts = resolve(dataDir, 'hosts');
  const dir = resolve(hosts, alias);
  if (!ALIAS_PATTERN.test(alias) || dirname(dir) !== hosts) {
    throw new MngError(`${JSON.stringify(alias)} is not a host alias mng makes: no file of it is read or written`);
  }
  return dir;
}

export function clientKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'client', 'id_ed25519');
}

/** The files a connection to host ALIAS uses. Pure: nothing is created. */
export function hostSshFiles(dataDir: string, alias: string): SshFiles {
  return {
    identityFile: clientKeyPath(dataDir),
    knownHostsFile: join(hostDir(dataDir, alias), 'known_hosts'),
    hostKeyAlias: alias,
  };
}

function quoted(path: string): string {
  return /\s/.test(path) ? `"${path}"` : path;
}

/**
 * A value as it may go into an ssh config file: one line, no control characters, no quote or backslash (ssh would
 * split or unquote the line: a label that held `"` and a newline could add a directive such as ProxyCommand). A
 * ProxyCommand is a shell command line, which ssh takes to the end of the line as it is: single quotes are its own.
 */
export function configValue(key: string, value: string): string {
  const quotes = key === 'ProxyCommand' ? /["\\]/ : /["'\\]/;
  if (/[\n\r\t]/.test(value) || hasControl(value) || quotes.test(value)) {
    throw new MngError(
      `mng will not write ${key} ${JSON.stringify(value)} into an ssh config file: it holds a line break, a control character, a quote or a backslash`,
      { hint: "when it is a path of mng's data folder, set XDG_DATA_HOME to a folder with a plainer path" },
    );
  }
  return sshValue(key, value);
}

/** The text of mng's main ssh config file: an Include of every host's entry. */
export function mainConfigText(dataDir: string): string {
  const pattern = configValue('Include', join(dataDir, 'hosts', '*', 'ssh_config'));
  return `# Written by mng: every agent's Host entry (hosts/*/ssh_config). Edits are overwritten.\nInclude ${quoted(pattern)}\n`;
}

async function ensureMainConfig(dataDir: string): Promise<void> {
  const file = sshConfigPath(dataDir);
  const want = mainConfigText(dataDir);
  if ((await readFile(file, 'utf8').catch(() => '')) !== want) await writeFileAtomic(file, want);
}

/**
 * The Host entry for one host, as a directive map: its route, mng's pinned key, and the options that contain the
 * agent (no forwarding of the user's ssh-agent or X display, no keys added to the agent, no local command; for a
 * loopback route no ProxyJump or ProxyCommand), which win over a user's `Host *` as the entry comes first (mng's Include is the
 * first line of ~/.ssh/config). Every value is checked by configValue.
 */
export function hostEntry(alias: string, endpoint: SshEndpoint, files: SshFiles): Record<string, string | string[]> {
  const { LogLevel: _quiet, ...opts } = sshOptions(files);
  const entry: Record<string, string> = {
    HostName: endpoint.host,
    Port: String(endpoint.port),
    User: endpoint.user,
    ...opts,
    // a loopback route takes no proxy of the user's (`ProxyJump none` alone would still let a ProxyCommand through)
    ...(endpoint.proxyCommand ? { ProxyCommand: endpoint.proxyCommand } : { ProxyJump: 'none', ProxyCommand: 'none' }),
  };
  const checked = Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, configValue(k, v)]));
  return {
    Host: configValue('Host', alias),
    ...checked,
    // UserKnownHostsFile takes a list of files: as a one-element list, ssh-config quotes a path with spaces.
    UserKnownHostsFile: [checked.UserKnownHostsFile],
  };
}

/**
 * Write (or rewrite: a new port after start) host ALIAS's Host entry. Output only: what mng knows of a host (its
 * provider, daemon and ids) is its record (core/hosts/record.ts), never read back from here.
 */
export async function writeHostEntry(dataDir: string, alias: string, endpoint: SshEndpoint): Promise<void> {
  const config = new SSHConfig();
  config.append(hostEntry(alias, endpoint, hostSshFiles(dataDir, alias)));
  await writeFileAtomic(
    join(hostDir(dataDir, alias), 'ssh_config'),
    `# Written by mng for ${alias}.\n${config.toString()}\n`,
  );
  await ensureMainConfig(dataDir);
}

/** The route of host ALIAS's entry in `text` (an ssh config file mng wrote), or undefined. */
export function entryRoute(text: string, alias: string): SshEndpoint | undefined {
  const c = SSHConfig.parse(text).compute(alias);
  const port = Number(c.Port);
  if (typeof c.HostName !== 'string' || typeof c.User !== 'string' || !Number.isInteger(port)) return undefined;
  const proxyCommand = Array.isArray(c.ProxyCommand) ? c.ProxyCommand.join(' ') : c.ProxyCommand;
  return { user: c.User, host: c.HostName, port, ...(proxyCommand && proxyCommand !== 'none' ? { proxyCommand } : {}) };
}

/** The text of host ALIAS's entry, if there is one. */
export function readHostEntryText(dataDir: string, alias: string): Promise<string | undefined> {
  return readFile(join(hostDir(dataDir, alias), 'ssh_config'), 'utf8').catch(() => undefined);
}

/** Pin host ALIAS's public host key (the only line of its own known_hosts file). */
export async function pinHostKey(dataDir: string, alias: string, publicKey: string): Promise<void> {
  await writeFileAtomic(hostSshFiles(dataDir, alias).knownHostsFile, knownHostsLine(alias, publicKey));
}

/** Is a host key pinned for ALIAS? When not, access is restored through Docker before any ssh. */
export async function isPinned(dataDir: string, alias: string): Promise<boolean> {
  const text = await readFile(hostSshFiles(dataDir, alias).knownHostsFile, 'utf8').catch(() => '');
  return text.startsWith(`${alias} `);
}

/** Forget host ALIAS: its entry and its pinned key. */
export async function removeHostFiles(dataDir: string, alias: string): Promise<void> {
  await rm(hostDir(dataDir, alias), { recursive: true, force: true });
}

/** The aliases of the hosts mng keeps ssh files for (one folder each under hosts/). */
export async function readSshAliases(dataDir: string): Promise<string[]> {
  return (await readdir(join(dataDir, 'hosts')).catch(() => [] as string[])).filter((a) => ALIAS_PATTERN.test(a));
}
