// Booting a container until its sshd answers: docker start → the published SSH port (it may change at every start)
// → (a new host: its host key, read through Docker and pinned) → the SSH handshake with the pinned key → the agent's
// state. Shared by create, start and start --snapshot.

import { buildInspectArgs, buildStartArgs } from '../../docker/args.js';
import { type Daemon, daemonWhere } from '../../docker/daemon.js';
import { dockerError } from '../../docker/errors.js';
import { type ContainerInspect, parseContainerInspect } from '../../docker/inspect.js';
import { MngError } from '../../errors.js';
import type { SshEndpoint } from '../../ssh/args.js';
import { isPinned, pinHostKey } from '../../ssh/config.js';
import { repairAccess, type SshTarget } from '../access/access.js';
import { readNewHostKey } from '../access/host-key.js';
import { exitedError, waitForSsh } from '../access/ssh-wait.js';
import { type DeliverOptions, type DeliveryLabels, deliver } from '../agents/boot.js';
import { type AgentState, parseAgentProbe } from '../container/agent.js';
import type { Core } from '../core.js';
import { decodeHost, startedSshRoute } from '../model/host.js';

/** How often a start that lost its host port to the other daemon is tried again (each start gets the next port). */
const PORT_RETRIES = 3;
/** How often a start that found mng's network missing (or several of its name) makes it (settles it) again. */
const NETWORK_TRIES = 4;

/**
 * `docker start`, with the one rule for the port race: two daemons on one machine hand out host ports from the same
 * range without knowing of each other, so a start can find its port taken; the next start gets another.
 */
export async function startContainer(
  core: Core,
  daemon: Daemon,
  startArgv: string[],
  makeMissingNetwork?: () => Promise<void>,
): Promise<void> {
  let networkTries = 0;
  for (let attempt = 0; ; attempt++) {
    const r = await core.runner.docker(daemon, startArgv, { check: false });
    if (r.exitCode === 0) return;
    // docker create does not check the network, docker start does: mng's own is made by the first host that needs it.
    // Creates at the same moment can each make one ('ambiguous' until they settle on one): made (settled) again.
    if (r.failure === 'no such network' && makeMissingNetwork && networkTries < NETWORK_TRIES) {
      networkTries++;
      await makeMissingNetwork();
      continue;
    }
    if (r.failure !== 'port taken' || attempt === PORT_RETRIES) {
      throw dockerError(startArgv, r.exitCode, r.stderr, daemon);
    }
  }
}

export interface BootSpec {
  daemon: Daemon;
  /** the container to start and reach: its id, or its name before docker has said its id */
  container: string;
  /** the host's ssh alias (see sshAlias): its pinned key */
  alias: string;
  /** the agent's name, for messages */
  name: string;
  /** the host's id */
  hostId: string;
  sshUser: string;
  sshTimeoutSeconds: number;
  /** a new host (create) makes its host key at this first boot: read through Docker, then pinned under `alias` */
  newHostKey?: boolean;
  /** `docker run` started it already */
  started?: boolean;
  /** make mng's network when docker start says it is missing */
  makeMissingNetwork?: () => Promise<void>;
  /** the host's container name (a replacement boots under a temporary one): what its labels were written for */
  finalName?: string;
  /** a coding agent's delivery (create: first-run files and the labels; start --fresh: a new conversation) */
  deliver?: DeliverOptions & { labels?: DeliveryLabels };
}

/** A booted container: its inspect (after the start), the route its sshd answered on, and the agent's state. */
export interface Booted {
  container: ContainerInspect;
  endpoint: SshEndpoint;
  agent: AgentState;
}

/** The container's inspect after its start, or the error saying why it is not running (its last log line). */
async function runningInspect(core: Core, spec: BootSpec): Promise<ContainerInspect> {
  const inspect = await core.runner.docker(spec.daemon, buildInspectArgs([spec.container]));
  const [c] = parseContainerInspect(inspect.stdout);
  // e.g. a -s --user that cannot run sshd: say what the container said, not that a port is missing
  if (!c.State.Running) throw await exitedError(core, spec.daemon, spec.container, c.State.ExitCode, 'start');
  return c;
}

/** The inspect after the start and, for a new host, the host key it made: both asked of Docker at once. */
async function inspectStarted(core: Core, spec: BootSpec): Promise<{ c: ContainerInspect; hostKey?: string }> {
  const stop = new AbortController();
  const running = runningInspect(core, spec).catch((e) => {
    stop.abort(); // no docker call of this boot outlives it
    throw e;
  });
  const key = spec.newHostKey
    ? readNewHostKey(core, spec.daemon, spec.container, spec.sshTimeoutSeconds, stop.signal)
    : Promise.resolve(undefined);
  const [c, hostKey] = await Promise.allSettled([running, key]);
  if (c.status === 'rejected') throw c.reason;
  if (hostKey.status === 'rejected') throw hostKey.reason;
  return { c: c.value, hostKey: hostKey.value };
}

/**
 * A coding agent's sign-in and settings (core/agents/boot.ts), handed over while mng waits for sshd, to a host whose
 * labels ask for it (a no-op for the others). Awaited by the boot, which lets it settle before it throws.
 */
function startDelivery(core: Core, spec: BootSpec, labels: DeliveryLabels | undefined): Promise<unknown> {
  const p = labels ? deliver(core, spec.daemon, spec.container, labels, spec.deliver) : Promise.resolve();
  p.catch(() => undefined); // awaited by the boot
  return p;
}

/** Start the container (unless docker run did) and wait until its sshd answers with the pinned host key. */
export async function bootContainer(core: Core, spec: BootSpec): Promise<Booted> {
  const { daemon } = spec;
  if (!spec.started) await startContainer(core, daemon, buildStartArgs([spec.container]), spec.makeMissingNetwork);
  // create knows the labels: the delivery starts at once; a start reads them from the inspect after the start, through
  // the one gate (decodeHost): a container whose labels are not as mng wrote them for it gets nothing of the user's
  const known = spec.deliver?.labels;
  const early = known && startDelivery(core, spec, known);
  const started = await inspectStarted(core, spec).catch(async (e) => {
    await early?.catch(() => undefined);
    throw e;
  });
  const delivered = early || startDelivery(core, spec, deliveryLabelsOf(started.c, spec));
  try {
    const booted = await reach(core, spec, started);
    await delivered;
    return booted;
  } finally {
    await delivered.catch(() => undefined);
  }
}

/** What the delivery reads of a started container: its decoded host's (undefined when it is not one as mng made it). */
function deliveryLabelsOf(c: ContainerInspect, spec: BootSpec): DeliveryLabels | undefined {
  const decoded = decodeHost(c, spec.daemon, spec.finalName ? { as: spec.finalName } : {});
  return 'host' in decoded ? decoded.host : undefined;
}

/** The booted container's sshd, reached with its pinned host key, and the agent's state. */
async function reach(core: Core, spec: BootSpec, started: { c: ContainerInspect; hostKey?: string }): Promise<Booted> {
  const { daemon } = spec;
  const { c, hostKey } = started;
  const endpoint = startedSshRoute(
    daemon,
    c,
    { container: c.Name.replace(/^\//, ''), alias: spec.alias },
    spec.sshUser,
    spec.finalName,
  );
  if (!endpoint) {
    throw new MngError(`container '${spec.container}' has no published SSH port (did a -s flag change the network?)`);
  }
  const target: SshTarget = {
    daemon,
    alias: spec.alias,
    container: spec.container,
    name: spec.name,
    endpoint,
    hostId: spec.hostId,
    containerId: c.Id,
  };
  if (hostKey) {
    await pinHostKey(core.dataDir, spec.alias, hostKey);
  } else if (!(await isPinned(core.dataDir, spec.alias))) {
    // No pinned host key here (a lost data folder, another machine): pin it through Docker before the first handshake.
    await repairAccess(core, target);
  }
  core.progress(
    endpoint.proxyCommand
      ? `Waiting for sshd (through docker exec on ${daemonWhere(daemon)})`
      : `Waiting for sshd on ${endpoint.host}:${endpoint.port}`,
  );
  const probe = await waitForSsh(core, target, spec.sshTimeoutSeconds);
  return { container: c, endpoint, agent: parseAgentProbe(probe) };
}
