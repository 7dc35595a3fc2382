// The docker commands of one launch (create and start --snapshot), laid out before anything runs. Pure.

import { buildCopyInArgs, buildCreateArgs, buildRunArgs, buildStartArgs, type CreateSpec } from '../../docker/args.js';

/** The docker commands of one launch, laid out before anything runs: the one source for a real run and for --dry-run. */
export interface LaunchArgv {
  /** `docker run --detach`: create and start in one call, when nothing goes into the container before it starts */
  run: string[];
  /** create, (copy,) start: when something does (start --snapshot: mng's files; create --from: the user's) */
  create: string[];
  /** run and create as -v, --dry-run and errors show them: `-e KEY=VALUE` values redacted */
  shown: { run: string[]; create: string[] };
  /** `docker cp` of the local staging folder into the container's /mng (start --snapshot; create needs none) */
  copy: (stagingDir: string) => string[];
  start: string[];
}

/** The launch's docker commands; `shownStartArgs`: the start args as shown (redacted), when they differ. */
export function planLaunch(spec: CreateSpec, shownStartArgs: readonly string[] = spec.startArgs): LaunchArgv {
  const shown = { ...spec, startArgs: shownStartArgs };
  return {
    run: buildRunArgs(spec),
    create: buildCreateArgs(spec),
    shown: { run: buildRunArgs(shown), create: buildCreateArgs(shown) },
    copy: (stagingDir) => buildCopyInArgs(stagingDir, spec.containerName),
    start: buildStartArgs([spec.containerName]),
  };
}
