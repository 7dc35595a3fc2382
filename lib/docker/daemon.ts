// Which Docker daemon a provider instance means, decided once per command: its `host`, else DOCKER_HOST, else the
// docker context in use (DOCKER_CONTEXT, or `docker context use`), else the local default, in the docker CLI's own
// order. Everything that talks to a daemon, or reaches a container's sshd through one, takes the resulting Daemon.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ProviderConfig } from '../config/config.js';
import { quote } from '../shell.js';
import { MNG_DIR } from './args.js';

type Env = Record<string, string | undefined>;

/** One provider instance's daemon, as resolved for this command. */
export interface Daemon {
  /** the provider instance ([providers.NAME]) whose daemon this is */
  provider: string;
  /** how it was chosen: the provider's host, DOCKER_HOST, a docker context, or the local default */
  via: 'host' | 'env' | 'context' | 'default';
  /** the daemon's address (a DOCKER_HOST value, or the context's endpoint); '' for the local default */
  address: string;
  /** the docker context in use, when `via` is 'context' */
  context?: string;
  /** on another machine: the container's sshd is reached through `docker exec`, never a published port */
  remote: boolean;
  /** what every docker call for this daemon adds to the environment */
  env: Record<string, string>;
}

/** The daemon a provider means, given the environment and (for `host = ""`) the docker context in use, if any. */
export function chooseDaemon(provider: ProviderConfig, env: Env, context?: { name: string; address?: string }): Daemon {
  const base = { provider: provider.name, env: {} as Record<string, string> };
  if (provider.host) {
    const address = provider.host;
    return { ...base, via: 'host', address, remote: isRemote(address), env: { DOCKER_HOST: address } };
  }
  if (env.DOCKER_HOST) return { ...base, via: 'env', address: env.DOCKER_HOST, remote: isRemote(env.DOCKER_HOST) };
  if (context) {
    const address = context.address ?? '';
    return { ...base, via: 'context', context: context.name, address, remote: isRemote(address) };
  }
  return { ...base, via: 'default', address: '', remote: false };
}

/** A daemon on another machine: an address that is not a local socket. */
function isRemote(address: string): boolean {
  return address !== '' && !/^(unix|npipe|fd):\/\//.test(address);
}

/**
 * Resolve every provider's daemon for this command. The docker context is asked (`docker context inspect`, through
 * `inspectContext`) at most once, and only when a provider follows it (`host = ""`) and a context other than
 * `default` is in use.
 */
export async function resolveDaemons(
  providers: readonly ProviderConfig[],
  env: Env,
  inspectContext: (name: string) => Promise<string | undefined>,
): Promise<Map<string, Daemon>> {
  const name = providers.some((p) => p.host === '') ? namedDockerContext(env) : undefined;
  // An address docker cannot give leaves the context as docker's to complain about, at the first real call.
  const context = name === undefined ? undefined : { name, address: await inspectContext(name) };
  return new Map(providers.map((p) => [p.name, chooseDaemon(p, env, context)]));
}

/**
 * The daemon's identity, as a host's local record keeps it: the record is trusted only while the provider still
 * means the daemon it was made on ('' = the local default).
 */
export function daemonIdentity(d: Daemon): string {
  return d.via === 'context' ? `context ${d.context}` : d.address;
}

/**
 * The warning a daemon on plain TCP deserves: without TLS (DOCKER_TLS_VERIFY or DOCKER_TLS), anyone who reaches the
 * port is root on the daemon's machine, and anyone on the path can answer for the daemon (its labels, its names).
 */
export function insecureDaemonWarning(d: Daemon, env: Env = process.env): string | undefined {
  if (!/^tcp:\/\//i.test(d.address) || d.via === 'context') return undefined;
  if (env.DOCKER_TLS_VERIFY || env.DOCKER_TLS) return undefined;
  return `provider '${d.provider}' talks to ${d.address} without TLS: whoever reaches that port is root on its machine and can answer for the daemon (set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or use ssh://)`;
}

/** Where the daemon is, in words, for the message that it cannot be reached. */
export function daemonWhere(d: Daemon): string {
  if (d.via === 'context') return `docker context ${d.context}`;
  return d.address || 'the local socket';
}

/** ssh's ProxyCommand for a remote daemon: sshd in inetd mode inside the container, over `docker exec -i`. */
export function proxyCommand(d: Daemon, container: string): string {
  const env =
    d.via === 'host'
      ? `env DOCKER_HOST=${quote(d.address)} `
      : d.via === 'context'
        ? `env DOCKER_CONTEXT=${quote(d.context ?? '')} `
        : '';
  return `${env}docker exec -i ${quote(container)} /bin/sh -c 'exec $(command -v sshd || echo /usr/sbin/sshd) -i -f ${MNG_DIR}/sshd_config'`;
}

/**
 * The docker context the docker CLI will use when neither the provider's `host` nor DOCKER_HOST says where the daemon
 * is: DOCKER_CONTEXT, else `currentContext` in the CLI's config.json. Undefined for the built-in `default` context.
 * A local file read: no docker call.
 */
export function namedDockerContext(
  env: Env = process.env,
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): string | undefined {
  if (env.DOCKER_HOST) return undefined;
  let name = env.DOCKER_CONTEXT;
  if (name === undefined || name === '') {
    const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
    try {
      const value: unknown = JSON.parse(read(join(dir, 'config.json')));
      const current = (value as { currentContext?: unknown } | null)?.currentContext;
      name = typeof current === 'string' ? current : undefined;
    } catch {
      name = undefined;
    }
  }
  return name && name !== 'default' ? name : undefined;
}

/** `docker context inspect NAME` → the daemon address of its docker endpoint. */
export function parseContextInspect(json: string): string | undefined {
  try {
    const [ctx] = JSON.parse(json) as { Endpoints?: { docker?: { Host?: unknown } } }[];
    const host = ctx?.Endpoints?.docker?.Host;
    return typeof host === 'string' && host !== '' ? host : undefined;
  } catch {
    return undefined;
  }
}

export function buildContextInspectArgs(name: string): string[] {
  return ['context', 'inspect', name];
}
