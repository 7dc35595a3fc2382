import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { writeFileAtomic } from '../atomic-file.js';
import { knownHostsLine, sshOptions, type SshEndpoint, type SshFiles } from './args.js';

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

export function hostDir(dataDir: string, alias: string): string {
  return join(dataDir, 'hosts', alias);
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

/** The text of mng's main ssh config file: an Include of every host's entry. */
export function mainConfigText(dataDir: string): string {
  return `# Written by mng: every agent's Host entry (hosts/*/ssh_config). Edits are overwritten.\nInclude ${quoted(join(dataDir, 'hosts', '*', 'ssh_config'))}\n`;
}

async function ensureMainConfig(dataDir: string): Promise<void> {
  const file = sshConfigPath(dataDir);
  const want = mainConfigText(dataDir);
  if ((await readFile(file, 'utf8').catch(() => '')) !== want) await writeFileAtomic(file, want);
}

/** The Host entry for one host, as a directive map. */
export function hostEntry(alias: string, endpoint: SshEndpoint, files: SshFiles): Record<string, string | string[]> {
  const { LogLevel: _quiet, ...opts } = sshOptions(files);
  return {
    Host: alias,
    HostName: endpoint.host,
    Port: String(endpoint.port),
    User: endpoint.user,
    ...opts,
    // UserKnownHostsFile takes a list of files: as a one-element list, ssh-config quotes a path with spaces.
    UserKnownHostsFile: [files.knownHostsFile],
    ...(endpoint.proxyCommand ? { ProxyCommand: endpoint.proxyCommand } : {}),
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
  return { user: c.User, host: c.HostName, port, ...(proxyCommand ? { proxyCommand } : {}) };
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
  return (await readdir(join(dataDir, 'hosts')).catch(() => [] as string[])).filter((a) => !a.startsWith('.'));
}
