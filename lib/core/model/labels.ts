import { decodeEgress, type EgressPolicy, formatEgress, OPEN } from '../network/egress.js';

/**
 * A host is described entirely by the labels written at `docker run`: Docker is the database.
 * All labels live under one namespace, `mng.`.
 */
export const LABEL = {
  id: 'mng.id',
  name: 'mng.name',
  prefix: 'mng.prefix',
  provider: 'mng.provider',
  tags: 'mng.tags',
  idleTimeout: 'mng.idle-timeout',
  agentCommand: 'mng.agent-command',
  createdAt: 'mng.created-at',
  version: 'mng.version',
  image: 'mng.image',
  startArgs: 'mng.start-args',
  sshUser: 'mng.ssh-user',
  /** --from: `git` (a repository) or `dir` (a plain folder); absent when the host was made without --from */
  fromKind: 'mng.from-kind',
  /** --from: the local folder it was made from (the repository's top level) */
  fromPath: 'mng.from-path',
  /** --from a repository: the commit the agent started from */
  fromCommit: 'mng.from-commit',
  /** --from: where the files are in the container */
  fromTarget: 'mng.from-target',
  /** the egress policy: `open`, `none` or `allow=LIST` (absent on hosts made before mng had one: open) */
  egress: 'mng.egress',
  /** a coding agent's type (claude, codex, a configured one): its sign-in is delivered at every start */
  agentType: 'mng.agent-type',
  /** the version of the agent installed in the host's image (built-in agents): a host never updates itself */
  agentVersion: 'mng.agent-version',
  /** names (JSON array) of the user's variables handed to the agent at every start (create --pass-env); never values */
  passEnv: 'mng.pass-env',
} as const;

/** Where a host's files came from (create --from), as its labels record it. */
export interface FromLabels {
  kind: 'git' | 'dir';
  path: string;
  /** the commit the agent started from (kind git) */
  commit: string;
  target: string;
}

/**
 * On an image mng built from the user's Dockerfile (and so on the prepared image made from it): the id of the
 * host it was built for. Create's clean-up and `mng destroy` remove these images.
 */
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
  agentCommand: string;
  createdAt: string;
  version: string;
  /** the image the user asked for (before mng's preparation) */
  image: string;
  /** default_start_args then -s values, as passed to docker, to replay the host later */
  startArgs: string[];
  sshUser: string;
  from?: FromLabels;
  /** absent: open (decodeLabels always sets it) */
  egress?: EgressPolicy;
  agentType?: string;
  agentVersion?: string;
  passEnv?: string[];
}

export function encodeLabels(h: HostLabels): Record<string, string> {
  return {
    [LABEL.id]: h.id,
    [LABEL.name]: h.name,
    [LABEL.prefix]: h.prefix,
    [LABEL.provider]: h.provider,
    [LABEL.tags]: JSON.stringify(h.tags),
    [LABEL.idleTimeout]: String(h.idleTimeout),
    [LABEL.agentCommand]: h.agentCommand,
    [LABEL.createdAt]: h.createdAt,
    [LABEL.version]: h.version,
    [LABEL.image]: h.image,
    [LABEL.startArgs]: JSON.stringify(h.startArgs),
    [LABEL.sshUser]: h.sshUser,
    [LABEL.egress]: formatEgress(h.egress ?? OPEN),
    ...(h.agentType ? { [LABEL.agentType]: h.agentType } : {}),
    ...(h.agentVersion ? { [LABEL.agentVersion]: h.agentVersion } : {}),
    ...(h.passEnv && h.passEnv.length > 0 ? { [LABEL.passEnv]: JSON.stringify(h.passEnv) } : {}),
    ...(h.from
      ? {
          [LABEL.fromKind]: h.from.kind,
          [LABEL.fromPath]: h.from.path,
          [LABEL.fromCommit]: h.from.commit,
          [LABEL.fromTarget]: h.from.target,
        }
      : {}),
  };
}

function parseJson<T>(text: string | undefined, fallback: T, ok: (v: unknown) => boolean): T {
  if (text === undefined) return fallback;
  try {
    const v: unknown = JSON.parse(text);
    return ok(v) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Labels of a container → HostLabels, or undefined when it is not an mng host. Tolerates missing or bad values. */
export function decodeLabels(labels: Record<string, string> | null | undefined): HostLabels | undefined {
  if (!labels?.[LABEL.id] || !labels[LABEL.name]) return undefined;
  const idle = Number(labels[LABEL.idleTimeout]);
  return {
    id: labels[LABEL.id],
    name: labels[LABEL.name],
    prefix: labels[LABEL.prefix] ?? '',
    provider: labels[LABEL.provider] ?? '',
    tags: parseJson<Record<string, string>>(
      labels[LABEL.tags],
      {},
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    ),
    idleTimeout: Number.isFinite(idle) && idle >= 0 ? idle : 0,
    agentCommand: labels[LABEL.agentCommand] ?? '',
    createdAt: labels[LABEL.createdAt] ?? '',
    version: labels[LABEL.version] ?? '',
    image: labels[LABEL.image] ?? '',
    startArgs: parseJson<string[]>(
      labels[LABEL.startArgs],
      [],
      (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
    ),
    sshUser: labels[LABEL.sshUser] || 'root',
    egress: decodeEgress(labels[LABEL.egress]),
    ...(labels[LABEL.agentType] ? { agentType: labels[LABEL.agentType] } : {}),
    ...(labels[LABEL.agentVersion] ? { agentVersion: labels[LABEL.agentVersion] } : {}),
    ...(labels[LABEL.passEnv]
      ? {
          passEnv: parseJson<string[]>(
            labels[LABEL.passEnv],
            [],
            (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
          ),
        }
      : {}),
    from:
      labels[LABEL.fromKind] === 'git' || labels[LABEL.fromKind] === 'dir'
        ? {
            kind: labels[LABEL.fromKind] as 'git' | 'dir',
            path: labels[LABEL.fromPath] ?? '',
            commit: labels[LABEL.fromCommit] ?? '',
            target: labels[LABEL.fromTarget] ?? '',
          }
        : undefined,
  };
}
