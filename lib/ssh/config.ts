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

/** Which mng provider a host is on, and which daemon that provider meant when the entry was written. */
export interface EntryOwner {
  provider: string;
  /** the daemon's identity (its host URL or docker context; '' = the local default) */
  daemon: string;
  /** the host's id (its mng.id label), when the writer knew it */
  hostId?: string;
}

/** Write (or rewrite: a new port after start) host ALIAS's Host entry, noting the provider and daemon it is on. */
export async function writeHostEntry(
  dataDir: string,
  alias: string,
  endpoint: SshEndpoint,
  owner: EntryOwner,
): Promise<void> {
  const config = new SSHConfig();
  config.append(hostEntry(alias, endpoint, hostSshFiles(dataDir, alias)));
  const id = owner.hostId ? `# mng host id: ${owner.hostId}\n` : '';
  await writeFileAtomic(
    join(hostDir(dataDir, alias), 'ssh_config'),
    `# Written by mng for ${alias}.\n# mng provider: ${owner.provider}\n# mng daemon: ${owner.daemon}\n${id}${config.toString()}\n`,
  );
  await ensureMainConfig(dataDir);
}

/**
 * Host ALIAS's entry as mng wrote it: the route and the provider, or undefined. A cache, right only while the host
 * runs as it did when written; a live shared connection to that route proves it (core/access/session.ts).
 */
export async function readHostEntry(
  dataDir: string,
  alias: string,
): Promise<({ endpoint: SshEndpoint } & EntryOwner) | undefined> {
  const text = await readEntryText(dataDir, alias);
  const owner = text === undefined ? undefined : entryOwnerOf(text);
  if (!text || !owner) return undefined;
  const c = SSHConfig.parse(text).compute(alias);
  const port = Number(c.Port);
  if (typeof c.HostName !== 'string' || typeof c.User !== 'string' || !Number.isInteger(port)) return undefined;
  const proxyCommand = Array.isArray(c.ProxyCommand) ? c.ProxyCommand.join(' ') : c.ProxyCommand;
  return { ...owner, endpoint: { user: c.User, host: c.HostName, port, ...(proxyCommand ? { proxyCommand } : {}) } };
}

/** Only the owner part of host ALIAS's entry (no ssh parsing): what a command needs to act on the host by name. */
export async function readHostOwner(dataDir: string, alias: string): Promise<EntryOwner | undefined> {
  const text = await readEntryText(dataDir, alias);
  return text === undefined ? undefined : entryOwnerOf(text);
}

const readEntryText = (dataDir: string, alias: string) =>
  readFile(join(hostDir(dataDir, alias), 'ssh_config'), 'utf8').catch(() => undefined);

function entryOwnerOf(text: string): EntryOwner | undefined {
  const provider = /^# mng provider: (\S+)$/m.exec(text)?.[1];
  const daemon = /^# mng daemon: (.*)$/m.exec(text)?.[1];
  if (!provider || daemon === undefined) return undefined;
  const hostId = /^# mng host id: ([0-9a-f]+)$/m.exec(text)?.[1];
  return { provider, daemon, ...(hostId ? { hostId } : {}) };
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
