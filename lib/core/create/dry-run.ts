import { buildDeliverArgs } from '../../docker/agent-args.js';
import { buildCopyTarArgs } from '../../git/args.js';
import { quote, quoteArgv } from '../../shell.js';
import { readClientKey } from '../../ssh/keys.js';
import { recordedVersion } from '../agents/cache.js';
import type { Core } from '../core.js';
import { type CreateRequest, passthroughWarnings, planCreate } from './plan.js';
import { checkLabelFiles } from './start-warnings.js';
import { filesHash, PREPARED_REPO } from './image.js';
import { generateId } from '../model/naming.js';
import { fromWhat } from '../code/source.js';
import { OPEN } from '../network/egress.js';
import { dryRunNetwork } from '../network/host-network.js';

/**
 * `mng create --dry-run`: the shell-quoted docker command lines a create would run, with `#` comments where the
 * real run decides something on the daemon. Needs no daemon, makes no keys, creates nothing.
 */
export async function dryRunCreate(core: Core, request: CreateRequest): Promise<string[]> {
  const type = request.agentType;
  // No npm call here: the configured version, else the one this machine installed first, else "the newest".
  const known = type?.builtIn
    ? (type.version ?? (core.agents && (await recordedVersion(core.agents.cacheDir, type.name))))
    : undefined;
  const req = { ...request, agentVersion: known };
  const plan = planCreate(core.prefix, req, generateId(), new Date().toISOString(), core.dataDir);
  await checkLabelFiles(plan.startArgs);
  for (const w of passthroughWarnings(req)) core.warn(w);
  const env = Object.entries(req.daemon.env)
    .map(([k, v]) => `${k}=${quote(v)} `)
    .join('');
  const line = (args: string[]) => env + quoteArgv(['docker', ...args]);
  const client = await readClientKey(core.dataDir);
  const network = dryRunNetwork(core.prefix, req.egress ?? OPEN, plan.startArgs);
  const launch = plan.launch(
    plan.image,
    client?.publicKey ?? '<public key of this machine, made at the first create>',
    undefined,
    network,
  );
  const layer = type?.builtIn ? `-${type.name}-${known ?? '<newest version on npm>'}` : '';
  const prepared = `${PREPARED_REPO}:<image id>-g-u${layer}-${filesHash()}`;
  const lines = [`# mng create ${req.name}: the docker commands it would run (a real run makes another host id)`];
  if (plan.buildArgv) lines.push(line(plan.buildArgv));
  if (network.note) lines.push(network.note);
  lines.push(
    `# the container runs from ${prepared} in place of ${plan.buildArgv ? 'the built image' : plan.image}: that image with mng's files in /mng (and openssh-server, tmux, git, sudo and the agent's user added when it lacks them${layer ? `, and ${type?.name}'s binaries from npm` : ''}), made once by docker build and kept for later creates`,
  );
  if (req.from) {
    lines.push(
      line(launch.shown.create),
      `# a tar of ${fromWhat(req.from)} (paths under ${req.from.target}), made by mng, on stdin`,
      line(buildCopyTarArgs(plan.container)),
      line(launch.start),
    );
  } else {
    lines.push(line(launch.shown.run));
  }
  lines.push(
    `# then: docker container inspect ${plan.container} (the published ssh port) and docker logs ${plan.container} (the host key the container made at its first boot, pinned before the first ssh handshake)`,
  );
  if (type || (req.passEnv ?? []).length > 0) {
    lines.push(
      `# and: ${quoteArgv(['docker', ...buildDeliverArgs(plan.container, '<user>')])} with mng's script on stdin: the agent's sign-in, settings and --pass-env variables (their values appear nowhere else)`,
    );
  }
  return lines;
}
