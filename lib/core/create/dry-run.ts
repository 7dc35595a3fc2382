import { buildCopyTarArgs } from '../../git/args.js';
import { quote, quoteArgv } from '../../shell.js';
import { readClientKey } from '../../ssh/keys.js';
import type { Core } from '../core.js';
import { type CreateRequest, passthroughWarnings, planCreate } from './plan.js';
import { filesHash, PREPARED_REPO } from './image.js';
import { generateId } from '../model/naming.js';
import { fromWhat } from '../code/source.js';
import { OPEN } from '../network/egress.js';
import { networkFlags, networkNames, publishesSsh } from '../network/flags.js';
import { userNetworkOf } from '../network/passthrough.js';

/**
 * `mng create --dry-run`: the shell-quoted docker command lines a create would run, with `#` comments where the
 * real run decides something on the daemon. Needs no daemon, makes no keys, creates nothing.
 */
export async function dryRunCreate(core: Core, req: CreateRequest): Promise<string[]> {
  const plan = planCreate(core.prefix, req, generateId(), new Date().toISOString());
  for (const w of passthroughWarnings(req)) core.warn(w);
  const env = Object.entries(req.daemon.env)
    .map(([k, v]) => `${k}=${quote(v)} `)
    .join('');
  const line = (args: string[]) => env + quoteArgv(['docker', ...args]);
  const client = await readClientKey(core.dataDir);
  const names = networkNames(core.prefix);
  const egress = req.egress ?? OPEN;
  const placeholder = { gateway: '<gateway of network ' + names.egress + '>', user: '<host id>-<token>' };
  const network = {
    flags: networkFlags(egress, names, {
      userNetwork: userNetworkOf(plan.startArgs) !== undefined,
      access: placeholder,
    }),
    publishSsh: publishesSsh(egress),
  };
  const launch = plan.launch(
    plan.image,
    client?.publicKey ?? '<public key of this machine, made at the first create>',
    network,
  );
  const prepared = `${PREPARED_REPO}:<image id>-g-${filesHash()}`;
  const lines = [`# mng create ${req.name}: the docker commands it would run (a real run makes another host id)`];
  if (plan.buildArgv) lines.push(line(plan.buildArgv));
  if (egress.mode === 'allow') {
    lines.push(
      `# first: the egress filter on this daemon, made when missing (networks ${names.egress} and ${names.hosts}, the image mng-egress:<image id>-<hash>, containers ${names.filter} and ${names.relay}), then told this host's list and a new token (docker exec ${names.filter} sh /mng-egress/update --add ...)`,
    );
  }
  lines.push(
    `# the container runs from ${prepared} in place of ${plan.buildArgv ? 'the built image' : plan.image}: that image with mng's files in /mng (and openssh-server, tmux and git added when it lacks them), made once by docker build and kept for later creates`,
  );
  if (req.from) {
    lines.push(
      line(launch.create),
      `# a tar of ${fromWhat(req.from)} (paths under ${req.from.target}), made by mng, on stdin`,
      line(buildCopyTarArgs(plan.container)),
      line(launch.start),
    );
  } else {
    lines.push(line(launch.run));
  }
  lines.push(
    `# then: docker container inspect ${plan.container} (the published ssh port) and docker logs ${plan.container} (the host key the container made at its first boot, pinned before the first ssh handshake)`,
  );
  return lines;
}
