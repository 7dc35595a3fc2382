import { SSH_CONTAINER_PORT } from '../../docker/args.js';
import { BUILD_OPTIONS, RUN_OPTIONS } from '../../docker/option-tables.js';
import { flagIsOn, scanOptions, type ScannedOption } from '../../docker/options.js';

/**
 * Rules for the tokens mng hands to docker unchanged (`-s` → docker create, `-b` → docker build). mng never
 * rewrites them; it only refuses the few that would break the host it makes. Pure functions: tested as data.
 */

export interface ArgProblem {
  /** index of the offending token in the list that was checked */
  index: number;
  /** the offending token(s), as written */
  text: string;
  /** why, for the user */
  message: string;
}

/** Does a `-p` value (`[ip:][hostPort:]containerPort[-end][/proto]`) publish container port 22/tcp? */
export function publishesSshPort(spec: string): boolean {
  const [ports, proto = 'tcp'] = spec.split('/');
  if (proto.toLowerCase() !== 'tcp') return false;
  const container = ports.split(':').pop() ?? '';
  const m = /^(\d+)(?:-(\d+))?$/.exec(container);
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= SSH_CONTAINER_PORT && SSH_CONTAINER_PORT <= hi;
}

function startOptionProblem(o: ScannedOption): string | undefined {
  switch (o.name) {
    case 'name':
      return 'mng names the container itself (prefix + NAME); give the name as the NAME argument of mng create';
    case 'entrypoint':
      return 'mng runs its own entrypoint (it starts sshd and the agent); to choose the program, give AGENT or --agent-cmd';
    case 'rm':
      return flagIsOn(o.value)
        ? 'docker would delete the container when it stops, but a stopped host keeps its files until mng destroy'
        : undefined;
    case 'detach':
      return 'mng always runs the container in the background (docker create, then docker start); leave it out';
    case 'sig-proxy':
    case 'detach-keys':
      return 'is a docker run option that docker create does not take (mng creates the container, then starts it)';
    case 'init':
      return flagIsOn(o.value)
        ? undefined
        : "mng needs docker's init as PID 1 (it reaps processes and lets docker stop finish quickly)";
    case 'network':
    case 'net': {
      const mode = o.value ?? '';
      if (mode === 'none') return 'sshd would be unreachable: mng reaches the container through its published SSH port';
      if (mode === 'host')
        return "docker ignores published ports on the host network, so sshd would listen on every interface of the daemon's machine";
      if (mode.startsWith('container:'))
        return "a container sharing another one's network cannot publish its own SSH port";
      return undefined;
    }
    case 'publish':
      return o.value !== undefined && publishesSshPort(o.value)
        ? 'mng publishes sshd (container port 22) on 127.0.0.1 itself; publishing port 22 again could expose it on every interface'
        : undefined;
    case 'label':
      return o.value?.startsWith('mng.')
        ? "labels under mng.* are mng's record of the host; use another key"
        : undefined;
    case 'help':
      return 'see docker run --help';
    case 'health-cmd':
    case 'health-interval':
    case 'health-retries':
    case 'health-start-period':
    case 'health-start-interval':
    case 'health-timeout':
    case 'no-healthcheck':
      return "mng's idle watcher uses docker's health check (mng list reads the idle time from it); set the timeout with --idle-timeout instead";
    case 'env':
      return o.value !== undefined && /^MNG_IDLE_/.test(o.value)
        ? 'MNG_IDLE_* variables are set by mng for its idle watcher; use --idle-timeout'
        : undefined;
    default:
      return undefined;
  }
}

/**
 * The first start argument (default_start_args then -s values, as one list) that would break the host mng makes,
 * or undefined. Values are read as docker reads them, so `--name x`, `--name=x` and the two tokens `--name`, `x`
 * from two -s values are the same option.
 */
export function checkStartArgs(args: readonly string[]): ArgProblem | undefined {
  const { options, positionals } = scanOptions(args, RUN_OPTIONS);
  const problems: ArgProblem[] = [];
  for (const o of options) {
    const message = startOptionProblem(o);
    if (message) problems.push({ index: o.index, text: o.text, message });
  }
  for (const p of positionals) {
    problems.push({
      index: p.index,
      text: p.token,
      message:
        'is not a docker create option: docker would take it as the image; each -s value is one option token (-s --cpus=2, or -s --network -s NET)',
    });
  }
  return problems.sort((a, b) => a.index - b.index)[0];
}

/** The first -b value that would break the build or mng's clean-up, or undefined. */
export function checkBuildArgs(args: readonly string[]): ArgProblem | undefined {
  const { options, positionals } = scanOptions(args, BUILD_OPTIONS);
  const problems: ArgProblem[] = [];
  for (const o of options) {
    if (o.name === 'label' && o.value?.startsWith('mng.')) {
      problems.push({
        index: o.index,
        text: o.text,
        message: 'labels under mng.* are how mng finds the images it built; use another key',
      });
    }
    if (o.name === 'help') problems.push({ index: o.index, text: o.text, message: 'see docker build --help' });
  }
  for (const p of positionals) {
    const hint = /^[A-Za-z_][A-Za-z0-9_]*=/.test(p.token) ? ` (did you mean -b --build-arg=${p.token}?)` : '';
    problems.push({
      index: p.index,
      text: p.token,
      message: `is not a docker build option: docker would take it as a second build context; each -b value is one option token${hint}`,
    });
  }
  return problems.sort((a, b) => a.index - b.index)[0];
}

/** Host paths of the bind mounts among the start arguments (`-v /src:/dst`, `--mount type=bind,source=/src,...`). */
export function bindMountSources(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const o of scanOptions(args, RUN_OPTIONS).options) {
    if (o.value === undefined) continue;
    if (o.name === 'volume') {
      const parts = o.value.split(':');
      if (parts.length >= 2 && /^[/.~]/.test(parts[0])) out.push(parts[0]);
    } else if (o.name === 'mount') {
      const fields = Object.fromEntries(
        o.value.split(',').map((f) => {
          const eq = f.indexOf('=');
          return eq < 0 ? [f.trim(), ''] : [f.slice(0, eq).trim(), f.slice(eq + 1)];
        }),
      );
      const source = fields.source ?? fields.src;
      if (fields.type === 'bind' && source) out.push(source);
    }
  }
  return out;
}
