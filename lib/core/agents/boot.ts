import type { Daemon } from '../../docker/daemon.js';
import { dockerReason } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import { execScript } from '../exec.js';
import type { Core } from '../core.js';
import { deliveryScript, emptyDelivery, type HomeFile, parseAwait } from './delivery.js';
import { gather, type Gathered } from './gather.js';
import type { AgentType } from '../../config/agent-types.js';

/**
 * Deliveries at a host's start: a host whose labels name an agent type or --pass-env variables gets its secrets (and,
 * at create, its first-run files) through one `docker exec -i` right after docker start, while mng waits for sshd.
 * Its init script starts the agent once the delivery is in (or after a while without one: a host started by plain
 * `docker start`), and the same exec then waits until the agent is at its prompt, so a `mng message` right after
 * create or start reaches it.
 */

/** What a delivery reads of a host's labels (core/model/labels.ts decodes them). */
export interface DeliveryLabels {
  name: string;
  /** the agent's user: the delivery runs as it */
  sshUser: string;
  agentType?: string;
  passEnv?: string[];
}

/** How long the delivery waits for the agent's prompt, in seconds. */
const READY_SECONDS = 30;

export interface DeliverOptions {
  /** a new conversation (create, start --fresh) */
  fresh?: boolean;
  /** what create gathered before it made anything (so a bad credentials file fails the create, not its start) */
  gathered?: Gathered;
  /** first-run files (create) */
  setup?: HomeFile[];
  /** wait for the agent's prompt (default true; not for a running agent: mng refresh) */
  wait?: boolean;
  /** the host's labels when the caller knows them before docker start returns (create): the delivery starts at once */
  labels?: DeliveryLabels;
}

/** Does a host with these labels take deliveries? */
export function takesDelivery(labels: DeliveryLabels | undefined): boolean {
  return Boolean(labels && (labels.agentType || (labels.passEnv ?? []).length > 0));
}

function typeOf(core: Core, labels: DeliveryLabels): AgentType | undefined {
  if (!labels.agentType) return undefined;
  const t = core.agents?.types[labels.agentType];
  if (!t) core.warn(`agent type '${labels.agentType}' is not configured here: only --pass-env variables are delivered`);
  return t;
}

/** Gather at a start; a credentials file that cannot be used is a warning there (the host is up already). */
async function gatherAtStart(core: Core, labels: DeliveryLabels, opts: DeliverOptions): Promise<Gathered> {
  const ctx = { env: core.agents?.env ?? process.env, warn: core.warn };
  try {
    return await gather(typeOf(core, labels), labels.passEnv ?? [], ctx, { fresh: Boolean(opts.fresh) });
  } catch (e) {
    core.warn(`${(e as Error).message}: agent '${labels.name}' starts without it`);
    return { delivery: { ...emptyDelivery(), fresh: Boolean(opts.fresh) }, signedIn: false };
  }
}

/**
 * Deliver to a running host (its decoded labels), and wait for its agent's prompt when it is signed in. Returns what
 * the wait found; a failed delivery is an error naming the host.
 */
export async function deliver(
  core: Core,
  daemon: Daemon,
  container: string,
  labels: DeliveryLabels | undefined,
  opts: DeliverOptions = {},
): Promise<ReturnType<typeof parseAwait>> {
  if (!labels || !takesDelivery(labels)) return undefined;
  const g = opts.gathered ?? (await gatherAtStart(core, labels, opts));
  const home = [...g.delivery.home, ...(opts.setup ?? [])];
  const delivery = { ...g.delivery, home, fresh: Boolean(opts.fresh) };
  const type = labels.agentType ? core.agents?.types[labels.agentType] : undefined;
  const wait = opts.wait !== false && g.signedIn && type?.readyPattern ? type.readyPattern : undefined;
  // root's `sh -s USER` (buildDeliverArgs, as --dry-run shows it), the script with the secrets on its stdin, within a
  // time limit and a read cap like every script of mng's in a container
  const script = deliveryScript(delivery, {
    readyPattern: wait,
    readySeconds: READY_SECONDS,
    boot: opts.wait !== false,
  });
  const r = await execScript(core, daemon, container, script, {
    what: "the agent's sign-in and settings",
    args: [labels.sshUser],
    scriptOnStdin: true,
    timeoutMs: (READY_SECONDS + 60) * 1000,
    maxBytes: 1024 * 1024,
  });
  if (r.exitCode !== 0) {
    const why =
      r.stderr
        .split('\n')
        .find((l) => l.startsWith('mng: '))
        ?.slice(5) ?? dockerReason(r.stderr);
    throw new MngError(
      `could not hand agent '${labels.name}' its sign-in and settings: ${why || `exit ${r.exitCode}`}`,
    );
  }
  const found = parseAwait(r.stdout);
  if (found === 'not-ready') {
    core.warn(
      `agent '${labels.name}' is not at its prompt after ${READY_SECONDS} s; mng logs ${labels.name} shows its screen`,
    );
  }
  return found;
}
