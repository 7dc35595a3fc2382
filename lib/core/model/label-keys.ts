// The names of a host's labels: one constant, read by core/model/labels.ts (encode, seal, check, decode) and by the
// few places that ask Docker for a label by name. Pure.

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
  /** seconds between two checks of the idle watcher (replayed by start --snapshot) */
  idleCheckInterval: 'mng.idle-check-interval',
  agentCommand: 'mng.agent-command',
  createdAt: 'mng.created-at',
  version: 'mng.version',
  image: 'mng.image',
  startArgs: 'mng.start-args',
  sshUser: 'mng.ssh-user',
  /** --from: `git` (a repository), `dir` (a plain folder), or `none` */
  fromKind: 'mng.from-kind',
  /** --from: the local folder it was made from (the repository's top level) */
  fromPath: 'mng.from-path',
  /** --from a repository: the commit the agent started from */
  fromCommit: 'mng.from-commit',
  /** --from: where the files are in the container */
  fromTarget: 'mng.from-target',
  /** the egress policy: `open`, `none` or `allow=LIST` (always written; absent on hosts made before mng had one: open) */
  egress: 'mng.egress',
  /** a coding agent's type (claude, codex, a configured one) or '' (none): its sign-in is delivered at every start */
  agentType: 'mng.agent-type',
  /** the version of the agent installed in the host's image (built-ins) or '': a host never updates itself */
  agentVersion: 'mng.agent-version',
  /** names (JSON array) of the user's variables handed to the agent at every start (create --pass-env); never values */
  passEnv: 'mng.pass-env',
  /** a digest of every other label above and the container's name: this label set was written for this container */
  digest: 'mng.digest',
} as const;
