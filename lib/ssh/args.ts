/**
 * Pure ssh argument builders. mng's own ssh calls never read the user's ~/.ssh/config (-F /dev/null) and
 * always check the host key strictly against the host's own pinned key.
 */

/** The local files one host's ssh connections use: the client key, and the host's own pinned host key. */
export interface SshFiles {
  identityFile: string;
  /** a known_hosts file holding only this host's key, under `hostKeyAlias` */
  knownHostsFile: string;
  /** the name the host key is pinned under (the host's ssh alias), so a new port never matters */
  hostKeyAlias: string;
}

export interface SshEndpoint {
  user: string;
  host: string;
  port: number;
  /** reach sshd through this command's stdin/stdout instead of TCP (remote daemons) */
  proxyCommand?: string;
}

/**
 * What a connection to an agent never does, whatever a user's `Host *` says: hand the agent the user's ssh-agent or X
 * display, load keys into the user's agent, or run a local command. The agent is the other side of every connection.
 */
export const CONTAINED = {
  ForwardAgent: 'no',
  ForwardX11: 'no',
  ForwardX11Trusted: 'no',
  AddKeysToAgent: 'no',
  PermitLocalCommand: 'no',
} as const;

/** The options shared by every connection (and written into the ssh config file). */
export function sshOptions(files: SshFiles): Record<string, string> {
  return {
    IdentityFile: files.identityFile,
    IdentitiesOnly: 'yes',
    UserKnownHostsFile: files.knownHostsFile,
    StrictHostKeyChecking: 'yes',
    HostKeyAlias: files.hostKeyAlias,
    ...CONTAINED,
    // a peer that stops answering (a stalled sshd, a dead route) ends the session within 45 s
    ServerAliveInterval: '15',
    ServerAliveCountMax: '3',
    LogLevel: 'ERROR',
  };
}

/** ssh expands `%` tokens in these options' values: a `%` of mng's own (in a path) is written `%%`. */
const EXPANDED = new Set(['IdentityFile', 'UserKnownHostsFile', 'ControlPath', 'ProxyCommand']);

/** An option value as ssh reads it back: `%` escaped where ssh expands tokens (ControlPath's own %C excepted). */
export function sshValue(key: string, value: string): string {
  if (!EXPANDED.has(key)) return value;
  return key === 'ControlPath' ? value.replace(/%(?!C$)/g, '%%') : value.replace(/%/g, '%%');
}

/** ssh splits an -o value into words like a config line: a value with whitespace (a path) is double-quoted to stay one. */
function optionFlags(opts: Record<string, string>): string[] {
  // ssh splits option values into words, so paths with spaces are quoted; ProxyCommand takes the rest of the line as it is.
  return Object.entries(opts).flatMap(([k, raw]) => {
    const v = sshValue(k, raw);
    return ['-o', `${k}=${/\s/.test(v) && k !== 'ProxyCommand' ? `"${v}"` : v}`];
  });
}

/**
 * Connection sharing (OpenSSH ControlMaster): `auto` uses a live master at `path` or becomes one, kept
 * `persistSeconds` after its last session; `no` only ever uses an existing master (or connects on its own).
 */
export interface ControlOptions {
  /** socket path; may hold ssh's %C token */
  path: string;
  master: 'auto' | 'no';
  persistSeconds?: number;
}

export interface SshCallOptions {
  /** allocate a terminal (-t) or not (-T) */
  tty?: boolean;
  /** never prompt; fail instead (probes, exec) */
  batch?: boolean;
  connectTimeoutSeconds?: number;
  control?: ControlOptions;
  /** hold this local port forward (`-L SPEC`) and run no command (`-N`); ssh ends when it cannot listen */
  localForward?: string;
}

function controlOptions(c: ControlOptions | undefined): Record<string, string> {
  if (!c) return {};
  return {
    ControlMaster: c.master,
    ControlPath: c.path,
    ...(c.persistSeconds !== undefined ? { ControlPersist: `${c.persistSeconds}s` } : {}),
  };
}

/**
 * `ssh` argv (without the program name) that runs `remoteCommand` on the host. The user goes with `-l` and the host
 * after `--`, so neither can ever be read as an option, whatever it holds.
 */
export function buildSshArgs(
  endpoint: SshEndpoint,
  files: SshFiles,
  remoteCommand: string | undefined,
  call: SshCallOptions = {},
): string[] {
  const extra: Record<string, string> = {};
  if (call.batch) extra.BatchMode = 'yes';
  if (call.connectTimeoutSeconds) extra.ConnectTimeout = String(call.connectTimeoutSeconds);
  if (endpoint.proxyCommand) extra.ProxyCommand = endpoint.proxyCommand;
  if (call.localForward) extra.ExitOnForwardFailure = 'yes';
  return [
    '-F',
    '/dev/null',
    ...optionFlags({ ...sshOptions(files), ...controlOptions(call.control), ...extra }),
    call.tty ? '-t' : '-T',
    ...(call.localForward ? ['-N', '-L', call.localForward] : []),
    '-l',
    endpoint.user,
    '-p',
    String(endpoint.port),
    '--',
    endpoint.host,
    ...(remoteCommand === undefined ? [] : [remoteCommand]),
  ];
}

/** `ssh -O check`: exit 0 when a live master serves this endpoint (no connection is made). */
export function buildMasterCheckArgs(endpoint: SshEndpoint, controlPath: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    `ControlPath=${sshValue('ControlPath', controlPath)}`,
    '-O',
    'check',
    '-l',
    endpoint.user,
    '-p',
    String(endpoint.port),
    '--',
    endpoint.host,
  ];
}

/** A known_hosts line pinning a host's public key under its alias. */
export function knownHostsLine(alias: string, hostPublicKey: string): string {
  const [type, key] = hostPublicKey.trim().split(/\s+/);
  return `${alias} ${type} ${key}\n`;
}

/** Does this ssh stderr say the handshake was cut before it began (sshd's MaxStartups, a restart)? Worth a retry. */
export function isDroppedHandshake(stderr: string): boolean {
  return /kex_exchange_identification|Connection closed by remote host|Connection reset by peer|ssh_exchange_identification/i.test(
    stderr,
  );
}

/** Does this ssh stderr say our keys no longer match the host's (a lost data folder, another machine)? Repairable through Docker. */
export function isAccessMismatch(stderr: string): boolean {
  return /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No [A-Z0-9-]+ host key is known|Permission denied \(publickey/i.test(
    stderr,
  );
}

/** ssh's last meaningful stderr line: no banners, no warnings. */
export function sshReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l &&
        !/^@+$|^@|^Warning:|^Please contact|^It is also possible|^Someone could be|^IT IS POSSIBLE|^The fingerprint|^SHA256:|^Add correct host key|^Offending|^Host key for .* has changed|^ED25519 host key for|^Control socket connect/.test(
          l,
        ),
    );
  return lines.pop() ?? 'no error output';
}
