/**
 * Pure ssh argument builders. mng's own ssh calls never read the user's ~/.ssh/config (-F /dev/null) and
 * always check the host key strictly against mng's own known_hosts.
 */

/** Every mng host presents the same host key (made once per user), recorded under this alias in known_hosts. */
export const HOST_KEY_ALIAS = 'mng-host';

export interface SshFiles {
  identityFile: string;
  knownHostsFile: string;
}

export interface SshEndpoint {
  user: string;
  host: string;
  port: number;
  /** reach sshd through this command's stdin/stdout instead of TCP (remote daemons) */
  proxyCommand?: string;
}

/** The options shared by every connection (and written into the ssh config file). */
export function sshOptions(files: SshFiles): Record<string, string> {
  return {
    IdentityFile: files.identityFile,
    IdentitiesOnly: 'yes',
    UserKnownHostsFile: files.knownHostsFile,
    StrictHostKeyChecking: 'yes',
    HostKeyAlias: HOST_KEY_ALIAS,
    LogLevel: 'ERROR',
  };
}

/** ssh splits an -o value into words like a config line: a value with whitespace (a path) is double-quoted to stay one. */
function optionFlags(opts: Record<string, string>): string[] {
  // ssh splits option values into words, so paths with spaces are quoted; ProxyCommand takes the rest of the line as it is.
  return Object.entries(opts).flatMap(([k, v]) => ['-o', `${k}=${/\s/.test(v) && k !== 'ProxyCommand' ? `"${v}"` : v}`]);
}

export interface SshCallOptions {
  /** allocate a terminal (-t) or not (-T) */
  tty?: boolean;
  /** never prompt; fail instead (probes, exec) */
  batch?: boolean;
  connectTimeoutSeconds?: number;
}

/** `ssh` argv (without the program name) that runs `remoteCommand` on the host. */
export function buildSshArgs(endpoint: SshEndpoint, files: SshFiles, remoteCommand: string | undefined, call: SshCallOptions = {}): string[] {
  const extra: Record<string, string> = {};
  if (call.batch) extra.BatchMode = 'yes';
  if (call.connectTimeoutSeconds) extra.ConnectTimeout = String(call.connectTimeoutSeconds);
  if (endpoint.proxyCommand) extra.ProxyCommand = endpoint.proxyCommand;
  return [
    '-F', '/dev/null',
    ...optionFlags({ ...sshOptions(files), ...extra }),
    call.tty ? '-t' : '-T',
    '-p', String(endpoint.port),
    `${endpoint.user}@${endpoint.host}`,
    ...(remoteCommand === undefined ? [] : ['--', remoteCommand]),
  ];
}

/** A known_hosts line pinning the shared host key under HOST_KEY_ALIAS. */
export function knownHostsLine(hostPublicKey: string): string {
  const [type, key] = hostPublicKey.trim().split(/\s+/);
  return `${HOST_KEY_ALIAS} ${type} ${key}\n`;
}
