import { mkdir, mkdtemp, readFile, rename, rm, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runner } from '../process/runner.js';
import { MngError } from '../errors.js';
import { knownHostsLine, type SshFiles } from './args.js';

export interface KeyPair {
  privateKeyFile: string;
  publicKey: string;
}

export interface SshKeys extends SshFiles {
  client: KeyPair;
  host: KeyPair;
  /** the host's private key text, copied into each container */
  hostPrivateKey: string;
}

const KEY_FILE = 'id_ed25519';

/** Where mng keeps its key pairs and known_hosts under its data directory (nothing is created). */
export function sshFilePaths(dataDir: string): SshFiles & { keysDir: string } {
  const keysDir = join(dataDir, 'keys');
  return { keysDir, identityFile: join(keysDir, 'client', KEY_FILE), knownHostsFile: join(dataDir, 'known_hosts') };
}

async function readPair(dir: string): Promise<KeyPair | undefined> {
  try {
    const publicKey = await readFile(join(dir, `${KEY_FILE}.pub`), 'utf8');
    return { privateKeyFile: join(dir, KEY_FILE), publicKey: publicKey.trim() };
  } catch {
    return undefined;
  }
}

/**
 * One ed25519 key pair in `dir` (mode 0700, private key 0600), made once. It is generated in a temporary
 * folder and renamed into place, so two mng processes racing never leave a mismatched pair.
 */
async function ensurePair(runner: Runner, parent: string, name: string, comment: string): Promise<KeyPair> {
  const dir = join(parent, name);
  const existing = await readPair(dir);
  if (existing) return existing;
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const tmp = await mkdtemp(join(parent, `.${name}-`));
  try {
    await runner.run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', join(tmp, KEY_FILE)], { check: true });
    await chmod(join(tmp, KEY_FILE), 0o600);
    await chmod(tmp, 0o700);
    await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const pair = await readPair(dir);
  if (!pair) throw new MngError(`could not create the ssh key pair in ${dir}`);
  return pair;
}

/** The client key, the shared host key and known_hosts pinning it, all under mng's data directory. */
export async function ensureKeys(runner: Runner, dataDir: string): Promise<SshKeys> {
  const { keysDir, knownHostsFile } = sshFilePaths(dataDir);
  const [client, host] = await Promise.all([
    ensurePair(runner, keysDir, 'client', 'mng client'),
    ensurePair(runner, keysDir, 'host', 'mng host'),
  ]);
  const line = knownHostsLine(host.publicKey);
  const current = await readFile(knownHostsFile, 'utf8').catch(() => '');
  if (current !== line) await writeFile(knownHostsFile, line, { mode: 0o644 });
  return {
    client,
    host,
    hostPrivateKey: await readFile(host.privateKeyFile, 'utf8'),
    identityFile: client.privateKeyFile,
    knownHostsFile,
  };
}
