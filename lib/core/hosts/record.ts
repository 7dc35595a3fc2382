// What this machine knows of a host it created, started or repaired: `hosts/ALIAS/record.json`. It says which provider
// and daemon hold the host, the host's and its container's ids, and the ssh route, so a command given a name can act
// on the container at once (by id, never by name) and a warm exec needs no docker call at all. A cache: Docker holds
// the truth, and a record that no longer matches it sends the command to a lookup (core/hosts/resolve.ts).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';
import type { SshEndpoint } from '../../ssh/args.js';
import { PROVIDER_NAME } from '../../config/config.js';
import { ALIAS_PATTERN, entryRoute, hostDir, readHostEntryText, writeHostEntry } from '../../ssh/config.js';
import { CONTAINER_ID, HOST_ID, isIpLiteral, isPlainLine, SSH_USER } from '../model/checks.js';

export interface HostRecord {
  /** the provider instance that made the host */
  provider: string;
  /** that provider's daemon when the record was written (daemonIdentity): the record counts only while it still is */
  daemon: string;
  /** the host's id (its mng.id label) */
  hostId?: string;
  /** its container's id */
  containerId?: string;
  /** the ssh route: right while the host runs as it did when recorded */
  ssh: SshEndpoint;
}

const recordFile = (dataDir: string, alias: string) => join(hostDir(dataDir, alias), 'record.json');

/**
 * Write host ALIAS's record, and its ssh config entry from it: the one place both are written (each atomically, so
 * fifty mng commands at once never see half a file).
 */
export async function writeRecord(dataDir: string, alias: string, record: HostRecord): Promise<void> {
  await writeFileAtomic(recordFile(dataDir, alias), `${JSON.stringify({ version: 1, ...record }, null, 2)}\n`);
  await writeHostEntry(dataDir, alias, record.ssh);
}

/**
 * Host ALIAS's record, or undefined. An entry written by mng before records had a file of their own (its provider,
 * daemon and host id in comments) is read once and migrated.
 */
export async function readRecord(dataDir: string, alias: string): Promise<HostRecord | undefined> {
  const text = await readFile(recordFile(dataDir, alias), 'utf8').catch(() => undefined);
  if (text !== undefined) return parseRecord(text);
  const legacy = legacyRecord((await readHostEntryText(dataDir, alias)) ?? '', alias);
  if (legacy) await writeRecord(dataDir, alias, legacy);
  return legacy;
}

/**
 * A record file's text → the record, or undefined when it is not one (then the command looks the host up). What comes
 * back from a local file is checked like what comes from Docker: each value as mng writes it, or no record at all.
 */
export function parseRecord(text: string): HostRecord | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const str = (x: unknown): x is string => typeof x === 'string';
  const ssh = v?.ssh as Partial<SshEndpoint> | undefined;
  if (!str(v?.provider) || !str(v.daemon) || !ssh || !str(ssh.user) || !str(ssh.host)) return undefined;
  if (!Number.isInteger(ssh.port) || (ssh.proxyCommand !== undefined && !str(ssh.proxyCommand))) return undefined;
  return checkedRecord({
    provider: v.provider,
    daemon: v.daemon,
    ...(str(v.hostId) ? { hostId: v.hostId } : {}),
    ...(str(v.containerId) ? { containerId: v.containerId } : {}),
    ssh: {
      user: ssh.user,
      host: ssh.host,
      port: ssh.port as number,
      ...(ssh.proxyCommand ? { proxyCommand: ssh.proxyCommand } : {}),
    },
  });
}

/** The record when every value is one mng writes (ids, a user name, an address or alias, a port, one line each). */
function checkedRecord(r: HostRecord): HostRecord | undefined {
  const ok =
    PROVIDER_NAME.test(r.provider) &&
    isPlainLine(r.daemon) &&
    (r.hostId === undefined || HOST_ID.test(r.hostId)) &&
    (r.containerId === undefined || CONTAINER_ID.test(r.containerId)) &&
    SSH_USER.test(r.ssh.user) &&
    (isIpLiteral(r.ssh.host) || ALIAS_PATTERN.test(r.ssh.host)) &&
    r.ssh.port >= 1 &&
    r.ssh.port <= 65535 &&
    (r.ssh.proxyCommand === undefined || isPlainLine(r.ssh.proxyCommand));
  return ok ? r : undefined;
}

/** The provider host ALIAS's local files belong to, as its record (or an older entry) says; nothing is migrated. */
export async function recordedProvider(dataDir: string, alias: string): Promise<string | undefined> {
  const text = await readFile(recordFile(dataDir, alias), 'utf8').catch(() => undefined);
  if (text !== undefined) return parseRecord(text)?.provider;
  return legacyRecord((await readHostEntryText(dataDir, alias)) ?? '', alias)?.provider;
}

/** The record an ssh config entry of an earlier mng version holds in its comments and its route, if any. */
export function legacyRecord(text: string, alias: string): HostRecord | undefined {
  const provider = /^# mng provider: (\S+)$/m.exec(text)?.[1];
  const daemon = /^# mng daemon: (.*)$/m.exec(text)?.[1];
  const hostId = /^# mng host id: ([0-9a-f]+)$/m.exec(text)?.[1];
  const ssh = provider && daemon !== undefined ? entryRoute(text, alias) : undefined;
  if (!provider || daemon === undefined || !ssh) return undefined;
  return checkedRecord({ provider, daemon, ...(hostId ? { hostId } : {}), ssh });
}
