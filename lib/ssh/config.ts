import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import SSHConfig from 'ssh-config';
import { sshOptions, type SshEndpoint, type SshFiles } from './args.js';

/**
 * mng's own ssh config file (in its data directory): one `Host <container name>` entry per host, so
 * `ssh -F FILE mng-NAME` (and scp, rsync -e, VS Code Remote-SSH through an Include) work.
 * The user's ~/.ssh/config is never written here.
 */
export function sshConfigPath(dataDir: string): string {
  return join(dataDir, 'ssh_config');
}

async function load(file: string): Promise<SSHConfig> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const config = SSHConfig.parse(text);
  // ssh-config drops the quotes of a one-path UserKnownHostsFile when parsing, so a rewrite would split a path
  // with spaces into several files: quote it again.
  for (const section of config) {
    if (!('config' in section)) continue;
    for (const line of section.config) {
      if (line.type === SSHConfig.DIRECTIVE && /^UserKnownHostsFile$/i.test(line.param) && typeof line.value === 'string' && /\s/.test(line.value)) {
        line.quoted = true;
      }
    }
  }
  return config;
}

async function save(file: string, config: SSHConfig): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  let text = config.toString();
  if (!text.startsWith('# ')) text = `# Written by mng: one Host entry per agent. Edits are overwritten.\n${text}`;
  await writeFile(tmp, text.endsWith('\n') ? text : text + '\n', { mode: 0o644 });
  await rename(tmp, file);
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

/** Add or replace the entries for these hosts, and remove the entries named in `remove`. One read, one write. */
export async function updateSshConfig(
  dataDir: string,
  upsert: { alias: string; endpoint: SshEndpoint }[],
  files: SshFiles | undefined,
  remove: string[] = [],
): Promise<void> {
  const file = sshConfigPath(dataDir);
  const config = await load(file);
  const before = config.toString();
  for (const alias of [...remove, ...upsert.map((u) => u.alias)]) {
    while (config.find({ Host: alias })) config.remove({ Host: alias });
  }
  if (files) {
    for (const u of upsert) config.append(hostEntry(u.alias, u.endpoint, files));
  }
  if (config.toString() !== before) await save(file, config);
}
