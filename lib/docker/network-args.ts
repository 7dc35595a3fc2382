/** Pure argument-vector builders for mng's networks and its egress filter's containers. */

import { labelFlags } from './args.js';

/**
 * `docker network create`: a bridge with inter-container traffic off (a host reaches no other container on it), and
 * with `internal` no route out at all.
 */
export function buildNetworkCreateArgs(name: string, opts: { internal: boolean; labels: Record<string, string> }) {
  return [
    'network',
    'create',
    '--driver',
    'bridge',
    ...(opts.internal ? ['--internal'] : []),
    '--opt',
    'com.docker.network.bridge.enable_icc=false',
    ...labelFlags(opts.labels),
    name,
  ];
}

/** Ids of the networks whose name contains `name` (docker's filter; the caller keeps the exact matches). */
export function buildNetworkIdsArgs(name: string): string[] {
  return ['network', 'ls', '--no-trunc', '--quiet', '--filter', `name=${name}`];
}

export function buildNetworkInspectArgs(refs: readonly string[]): string[] {
  return ['network', 'inspect', ...refs];
}

export function buildNetworkRemoveArgs(refs: readonly string[]): string[] {
  return ['network', 'rm', ...refs];
}

/** `docker inspect` of objects of any type (networks and containers at once); a missing one fails only for itself. */
export function buildInspectAnyArgs(refs: readonly string[]): string[] {
  return ['inspect', ...refs];
}

export interface ServiceSpec {
  name: string;
  image: string;
  /** `host`, or a network name */
  network: string;
  labels: Record<string, string>;
  /** a named volume and where it goes */
  volume: { name: string; target: string };
  /** the script the container runs (`sh SCRIPT ARGS...`) */
  command: string[];
}

/**
 * `docker run --detach` of one of the filter's long-running containers: docker's init as PID 1, back after a daemon
 * restart, and no capabilities beyond what it needs (squid switches to its own user; socat needs none).
 */
export function buildServiceRunArgs(spec: ServiceSpec): string[] {
  return [
    'run',
    '--detach',
    '--init',
    '--restart',
    'unless-stopped',
    '--name',
    spec.name,
    '--network',
    spec.network,
    '--cap-drop',
    'ALL',
    '--cap-add',
    'SETUID',
    '--cap-add',
    'SETGID',
    '--cap-add',
    'CHOWN',
    '--cap-add',
    'FOWNER',
    '--pull=never',
    ...labelFlags(spec.labels),
    '--volume',
    `${spec.volume.name}:${spec.volume.target}`,
    '--entrypoint',
    '/bin/sh',
    spec.image,
    ...spec.command,
  ];
}
