import { isIP } from 'node:net';
import { SSH_CONTAINER_PORT } from './args.js';
/** Typed views of the parts of `docker inspect` JSON that mng reads. Parsing never touches human-readable text. */

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    OOMKilled?: boolean;
    StartedAt?: string;
    FinishedAt?: string;
    Error?: string;
    /** docker's health check: its last runs (the idle watcher's findings, see core/model/idle.ts) */
    Health?: {
      Status: string;
      Log?: { Start: string; End?: string; ExitCode: number; Output?: string }[] | null;
    } | null;
  };
  Config: {
    Image: string;
    Labels: Record<string, string> | null;
    Env?: string[] | null;
  };
  HostConfig?: {
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    [key: string]: unknown;
  };
  NetworkSettings: {
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
  };
  Mounts?: { Type: string; Source: string; Destination: string }[];
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  Created: string;
  Size: number;
  Config: { Labels: Record<string, string> | null; User?: string; WorkingDir?: string } | null;
  /** the image's CPU as docker names it (amd64, arm64...) */
  Architecture?: string;
}

function parseArray<T>(json: string, what: string): T[] {
  const trimmed = json.trim();
  if (trimmed === '') return [];
  const value: unknown = JSON.parse(trimmed);
  if (!Array.isArray(value)) throw new Error(`docker ${what} did not return a JSON array`);
  return value as T[];
}

export function parseContainerInspect(json: string): ContainerInspect[] {
  return parseArray<ContainerInspect>(json, 'inspect');
}

export function parseImageInspect(json: string): ImageInspect[] {
  return parseArray<ImageInspect>(json, 'image inspect');
}

/**
 * The host address and port that container port `port/tcp` is published on: undefined when it is not, null when the
 * daemon's answer is not an IP address and a port from 1 to 65535 (no such value reaches ssh).
 */
export function publishedPort(
  c: ContainerInspect,
  port = SSH_CONTAINER_PORT,
): { host: string; port: number } | undefined | null {
  const bindings = c.NetworkSettings?.Ports?.[`${port}/tcp`];
  const b = bindings?.[0];
  if (!b?.HostPort) return undefined;
  const host = b.HostIp || '0.0.0.0';
  const n = /^\d{1,5}$/.test(b.HostPort) ? Number(b.HostPort) : 0;
  if (typeof host !== 'string' || isIP(host) === 0 || n < 1 || n > 65535) return null;
  return { host, port: n };
}

/**
 * Container ports published on a fixed host port (`-p 8080:80`), as `8080->80/tcp`. Two containers cannot hold one,
 * so start --snapshot stops the old container before starting its replacement when there are any.
 */
export function fixedHostPorts(c: ContainerInspect): string[] {
  return Object.entries(c.HostConfig?.PortBindings ?? {}).flatMap(([port, bindings]) =>
    (bindings ?? []).filter((b) => b.HostPort !== '' && b.HostPort !== '0').map((b) => `${b.HostPort}->${port}`),
  );
}

/** `docker ps --format '{{.ID}}'` output → ids. */
export function parseIdLines(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
