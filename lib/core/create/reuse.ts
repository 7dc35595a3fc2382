import type { Daemon } from '../../docker/daemon.js';
import { MngError, NotFoundError } from '../../errors.js';
import type { Core } from '../core.js';
import { findHost } from '../hosts/lookup.js';
import type { Host } from '../model/host.js';
import { builtImageTag } from '../model/labels.js';
import { redactEnv } from '../model/start-args.js';

/** What `create --reuse` compares with an existing host's labels. */
export interface ReuseWanted {
  /** the image asked for, or 'dockerfile' for --dockerfile (whose image is the host's own build) */
  image: string | 'dockerfile';
  /** default_start_args then -s values, as create would record them */
  startArgs: string[];
  tags: Record<string, string>;
  /** the agent's command line, when the user gave an agent */
  agentCommand?: string;
}

/** The first difference between what is asked and what the host was made with, in words; undefined when none. */
export function reuseDifference(
  host: Pick<Host, 'id' | 'image' | 'startArgs' | 'tags' | 'agentCommand'>,
  want: ReuseWanted,
): string | undefined {
  const built = host.image === builtImageTag(host.id);
  if (want.image === 'dockerfile') {
    if (!built) return `it runs image ${host.image}, not one built from a Dockerfile`;
  } else if (built) {
    return `it runs an image built from a Dockerfile, not ${want.image}`;
  } else if (host.image !== want.image) {
    return `it runs image ${host.image}, not ${want.image}`;
  }
  // The label holds -e values redacted with the host's id as salt: the values asked for are redacted alike (a host of
  // an mng before redaction holds them as they were).
  const asked = redactEnv(want.startArgs, host.id);
  const same = (recorded: readonly string[]) => JSON.stringify(host.startArgs) === JSON.stringify(recorded);
  if (!same(asked) && !same(want.startArgs)) {
    return `its start args are ${JSON.stringify(host.startArgs)}, not ${JSON.stringify(asked)}`;
  }
  const sorted = (t: Record<string, string>) =>
    JSON.stringify(Object.entries(t).sort(([a], [b]) => a.localeCompare(b)));
  if (sorted(host.tags) !== sorted(want.tags)) {
    const fmt = (t: Record<string, string>) =>
      Object.entries(t)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || 'none';
    return `its tags are ${fmt(host.tags)}, not ${fmt(want.tags)}`;
  }
  if (want.agentCommand !== undefined && host.agentCommand !== want.agentCommand) {
    return `its agent is ${JSON.stringify(host.agentCommand)}, not ${JSON.stringify(want.agentCommand)}`;
  }
  return undefined;
}

/**
 * The existing host NAME for `create --reuse`, or undefined when there is none (then create makes it). A host made
 * differently is an error naming the difference.
 */
export async function findReusable(
  core: Core,
  daemon: Daemon,
  name: string,
  want: ReuseWanted,
): Promise<Host | undefined> {
  let host: Host;
  try {
    host = await findHost(core, daemon, name);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  const diff = reuseDifference(host, want);
  if (diff) {
    throw new MngError(`agent '${name}' exists but differs from what was asked: ${diff}`, {
      hint: `use another name, or mng destroy ${name} first`,
    });
  }
  return host;
}
