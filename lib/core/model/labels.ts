import { createHash } from 'node:crypto';
import { AGENT_NAME, AGENT_VERSION } from '../../config/agent-section.js';
import { PROVIDER_NAME } from '../../config/config.js';
import {
  COMMIT,
  HOST_ID,
  isAbsolutePath,
  isEnvNames,
  isPlainLine,
  isStrings,
  isTags,
  isTime,
  json,
  SSH_USER,
  seconds,
  shown,
} from './checks.js';
import { DEFAULT_IDLE_CHECK_INTERVAL } from './idle.js';
import { isPrefix, NAME_PATTERN } from './naming.js';
import { decodeEgress, type EgressPolicy, formatEgress, OPEN } from '../network/egress.js';

import { LABEL } from './label-keys.js';

export { LABEL };

/** Where a host's files came from (create --from), as its labels record it. */
export interface FromLabels {
  kind: 'git' | 'dir';
  path: string;
  /** the commit the agent started from (kind git) */
  commit: string;
  target: string;
}

/** The tag of the image built from the user's Dockerfile for host `id`. */
export function builtImageTag(id: string): string {
  return `mng-built:${id}`;
}

export interface HostLabels {
  id: string;
  name: string;
  prefix: string;
  provider: string;
  tags: Record<string, string>;
  /** seconds, 0 = disabled */
  idleTimeout: number;
  /** seconds between two checks of the idle watcher */
  idleCheckInterval: number;
  agentCommand: string;
  createdAt: string;
  version: string;
  /** the image the user asked for (before mng's preparation) */
  image: string;
  /** default_start_args then -s values, as passed to docker (-e values redacted), to replay the host later */
  startArgs: string[];
  sshUser: string;
  from?: FromLabels;
  /** absent: open (decodeLabels always sets it: a label not written for this container, or none, is open) */
  egress?: EgressPolicy;
  agentType?: string;
  agentVersion?: string;
  passEnv?: string[];
}

/**
 * Every label mng reads, each always written (`mng.from-kind=none` without --from), so a base image's own `mng.*`
 * labels (an image built from a snapshot carries a whole host's) can never stand in for one the host lacks.
 */
export function encodeLabels(h: HostLabels): Record<string, string> {
  return {
    [LABEL.id]: h.id,
    [LABEL.name]: h.name,
    [LABEL.prefix]: h.prefix,
    [LABEL.provider]: h.provider,
    [LABEL.tags]: JSON.stringify(h.tags),
    [LABEL.idleTimeout]: String(h.idleTimeout),
    [LABEL.idleCheckInterval]: String(h.idleCheckInterval),
    [LABEL.agentCommand]: h.agentCommand,
    [LABEL.createdAt]: h.createdAt,
    [LABEL.version]: h.version,
    [LABEL.image]: h.image,
    [LABEL.startArgs]: JSON.stringify(h.startArgs),
    [LABEL.sshUser]: h.sshUser,
    [LABEL.egress]: formatEgress(h.egress ?? OPEN),
    [LABEL.agentType]: h.agentType ?? '',
    [LABEL.agentVersion]: h.agentVersion ?? '',
    [LABEL.passEnv]: JSON.stringify(h.passEnv ?? []),
    [LABEL.fromKind]: h.from?.kind ?? 'none',
    [LABEL.fromPath]: h.from?.path ?? '',
    [LABEL.fromCommit]: h.from?.commit ?? '',
    [LABEL.fromTarget]: h.from?.target ?? '',
  };
}

const DIGESTED = Object.values(LABEL).filter((k) => k !== LABEL.digest);

/**
 * The digest of a host's labels and its container's name (sha256 of both, as JSON). Not a secret: it tells a label
 * set written as a whole for this container (create writes it) from one that is partly inherited from an image, whose
 * digest names another host's id and container.
 */
export function labelsDigest(labels: Record<string, string>, containerName: string): string {
  const entries = DIGESTED.filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]]);
  return createHash('sha256')
    .update(JSON.stringify([containerName, entries]))
    .digest('hex');
}

/** The labels of a new host, with their digest. */
export function sealLabels(h: HostLabels, containerName: string): Record<string, string> {
  const labels = encodeLabels(h);
  return { ...labels, [LABEL.digest]: labelsDigest(labels, containerName) };
}

/** Labels decoded: a host's (`verified` when their digest is this container's), or the first value mng never writes. */
export type DecodedLabels = { labels: HostLabels; verified: boolean } | { problem: string };

/** The --from labels, or why they are not as mng writes them; none for `none` (and for a host made before it). */
function decodeFrom(l: Record<string, string>): FromLabels | undefined | string {
  const kind = l[LABEL.fromKind];
  if (kind === undefined || kind === 'none') return undefined;
  if (kind !== 'git' && kind !== 'dir') return `label ${LABEL.fromKind} is not git, dir or none`;
  const from = {
    kind,
    path: l[LABEL.fromPath] ?? '',
    commit: l[LABEL.fromCommit] ?? '',
    target: l[LABEL.fromTarget] ?? '',
  } as const;
  if (!isAbsolutePath(from.path)) return `label ${LABEL.fromPath} is not an absolute path`;
  if (!isAbsolutePath(from.target)) return `label ${LABEL.fromTarget} is not an absolute path`;
  if (kind === 'git' ? !COMMIT.test(from.commit) : from.commit !== '') {
    return `label ${LABEL.fromCommit} is not a commit id`;
  }
  return from;
}

/** Each label, checked against what mng writes: the first one that is not, in words. */
function labelProblem(l: Record<string, string>): string | undefined {
  const bad = (key: string, what: string) => `label ${key} ${shown(l[key])} is not ${what}`;
  const present = (key: string) => l[key] !== undefined;
  if (!HOST_ID.test(l[LABEL.id])) return bad(LABEL.id, 'a host id (16 hex digits)');
  if (!NAME_PATTERN.test(l[LABEL.name])) return bad(LABEL.name, 'an agent name');
  if (!isPrefix(l[LABEL.prefix] ?? '')) return bad(LABEL.prefix, 'a name prefix');
  if (!PROVIDER_NAME.test(l[LABEL.provider] ?? '')) return bad(LABEL.provider, 'a provider name');
  if (present(LABEL.sshUser) && !SSH_USER.test(l[LABEL.sshUser])) return bad(LABEL.sshUser, 'a user name');
  if (present(LABEL.tags) && json(l[LABEL.tags], isTags) === undefined)
    return bad(LABEL.tags, 'tags as mng writes them');
  if (present(LABEL.startArgs) && json(l[LABEL.startArgs], isStrings) === undefined) {
    return bad(LABEL.startArgs, 'a JSON list of strings');
  }
  if (present(LABEL.idleTimeout) && seconds(l[LABEL.idleTimeout]) === undefined) {
    return bad(LABEL.idleTimeout, 'a number of seconds');
  }
  if (present(LABEL.idleCheckInterval) && !(Number(seconds(l[LABEL.idleCheckInterval])) > 0)) {
    return bad(LABEL.idleCheckInterval, 'a number of seconds');
  }
  if (present(LABEL.agentType) && l[LABEL.agentType] !== '' && !AGENT_NAME.test(l[LABEL.agentType])) {
    return bad(LABEL.agentType, 'an agent type');
  }
  if (present(LABEL.agentVersion) && l[LABEL.agentVersion] !== '' && !AGENT_VERSION.test(l[LABEL.agentVersion])) {
    return bad(LABEL.agentVersion, 'a version');
  }
  if (present(LABEL.passEnv) && json(l[LABEL.passEnv], isEnvNames) === undefined) {
    return bad(LABEL.passEnv, 'a JSON list of variable names');
  }
  if (present(LABEL.egress) && decodeEgress(l[LABEL.egress]) === undefined) {
    return bad(LABEL.egress, 'open, none or allow=LIST as mng writes it');
  }
  if (present(LABEL.createdAt) && !isTime(l[LABEL.createdAt])) return bad(LABEL.createdAt, 'a time');
  for (const key of [LABEL.image, LABEL.version]) {
    if (present(key) && (!isPlainLine(l[key], 512) || l[key].startsWith('-'))) return bad(key, 'one line of text');
  }
  if (present(LABEL.agentCommand) && !isPlainLine(l[LABEL.agentCommand].replace(/[\n\t]/g, ' '), 65536)) {
    return bad(LABEL.agentCommand, 'a command line');
  }
  return undefined;
}

/**
 * A container's labels → its host's labels, or why they are not as mng writes them; undefined when the container is
 * not an mng host at all (no mng.id or mng.name). A host whose digest is not this container's (one made by an mng
 * before digests) is read all the same, but unverified: its `mng.from-*` may be its image's (see core/code/repo.ts),
 * and its `mng.agent-type`, `mng.agent-version` and `mng.pass-env` are not read at all (nothing of the user's, no
 * sign-in and no variable, is handed to a host on the word of labels its image may have set).
 */
export function decodeLabels(
  labels: Record<string, string> | null | undefined,
  containerName: string,
): DecodedLabels | undefined {
  const l = labels ?? {};
  if (!l[LABEL.id] || !l[LABEL.name]) return undefined;
  const problem = labelProblem(l);
  if (problem) return { problem };
  const from = decodeFrom(l);
  if (typeof from === 'string') return { problem: from };
  const interval = seconds(l[LABEL.idleCheckInterval] ?? '');
  const verified = l[LABEL.digest] === labelsDigest(l, containerName);
  const passEnv = (json(l[LABEL.passEnv], isEnvNames) ?? []) as string[];
  const egress = l[LABEL.egress] === undefined ? undefined : decodeEgress(l[LABEL.egress]);
  return {
    verified,
    labels: {
      id: l[LABEL.id],
      name: l[LABEL.name],
      prefix: l[LABEL.prefix],
      provider: l[LABEL.provider],
      tags: (json(l[LABEL.tags], isTags) ?? {}) as Record<string, string>,
      idleTimeout: seconds(l[LABEL.idleTimeout] ?? '') ?? 0,
      idleCheckInterval: interval || DEFAULT_IDLE_CHECK_INTERVAL,
      agentCommand: l[LABEL.agentCommand] ?? '',
      createdAt: l[LABEL.createdAt] ?? '',
      version: l[LABEL.version] ?? '',
      image: l[LABEL.image] ?? '',
      startArgs: (json(l[LABEL.startArgs], isStrings) ?? []) as string[],
      sshUser: l[LABEL.sshUser] || 'root',
      // what the host's network is shown as and reached by: only from labels written for this container
      egress: verified && egress ? egress : OPEN,
      ...(from ? { from } : {}),
      // what hands the user's sign-in and variables to the host: only from labels written for this container
      ...(verified && l[LABEL.agentType] ? { agentType: l[LABEL.agentType] } : {}),
      ...(verified && l[LABEL.agentVersion] ? { agentVersion: l[LABEL.agentVersion] } : {}),
      ...(verified && passEnv.length > 0 ? { passEnv } : {}),
    },
  };
}
