// Start args that give the host away: docker takes them, and mng passes them on (it is the user's call), but each gets
// one line saying what it hands the agent. And `--label-file`, read here as docker will read it, cannot bring in the
// `mng.*` labels that `--label` may not.

import { readFile } from 'node:fs/promises';
import { RUN_OPTIONS } from '../../docker/option-tables.js';
import { flagIsOn, type ScannedOption, scanOptions } from '../../docker/options.js';
import { UsageError } from '../../errors.js';

const MACHINE = "the agent the daemon's machine";

/** Capabilities that amount to root on the daemon's machine (or its kernel). */
const STRONG_CAPS = /^(CAP_)?(ALL|SYS_ADMIN|SYS_MODULE|SYS_PTRACE|SYS_RAWIO|DAC_READ_SEARCH|BPF|NET_ADMIN)$/i;

/** A bind mount source that is the daemon's control socket or a folder above system files. */
function dangerousSource(source: string): boolean {
  return /(^|\/)docker\.sock$|^\/(var\/)?run\/?$|^\/(etc|proc|sys|boot|root|var\/lib\/docker)?\/?$/.test(source);
}

/** A bind mount's source in `-v SRC:DST[:MODE]` or `--mount type=bind,source=SRC,...`, if any. */
function mountSource(o: ScannedOption): string | undefined {
  if (!o.value) return undefined;
  if (o.name === 'volume') return o.value.includes(':') ? o.value.split(':')[0] : undefined;
  const fields = new Map(o.value.split(',').map((f) => [f.split('=')[0].trim(), f.slice(f.indexOf('=') + 1)]));
  return fields.get('type') === 'bind' ? (fields.get('source') ?? fields.get('src')) : undefined;
}

/** Does a `-p` value publish on every interface (no host address)? */
function publishesEverywhere(spec: string): boolean {
  const parts = spec.split('/')[0].split(':');
  // [ip:]hostPort:containerPort, [ip:]:containerPort, containerPort; an IPv6 address comes in brackets
  return parts.length < 3 && !spec.startsWith('[');
}

/** The warning one start option deserves, if any (the table of what gives the host away, or exposes it). */
function warningFor(o: ScannedOption): string | undefined {
  const v = o.value ?? '';
  switch (o.name) {
    case 'privileged':
      return flagIsOn(o.value) ? `gives ${MACHINE}: every device and capability` : undefined;
    case 'cap-add':
      return STRONG_CAPS.test(v) ? `gives ${MACHINE} (or its kernel)` : undefined;
    case 'pid':
    case 'ipc':
    case 'uts':
    case 'userns':
    case 'cgroupns':
      return v === 'host' ? `shares the daemon's machine's ${o.name} namespace with the agent` : undefined;
    case 'security-opt':
      return /^(seccomp|apparmor|systempaths)[=:]unconfined$|^label[=:]disable$/.test(v)
        ? 'turns off a confinement docker puts around the agent'
        : undefined;
    case 'device':
      return "gives the agent a device of the daemon's machine";
    case 'use-api-socket':
      return "gives the agent the Docker daemon's API, and with it the daemon's machine";
    case 'volume':
    case 'mount': {
      const source = mountSource(o);
      return source && dangerousSource(source)
        ? `mounts ${source} of the daemon's machine: that gives ${MACHINE}`
        : undefined;
    }
    case 'publish-all':
      return flagIsOn(o.value)
        ? "publishes every port the image exposes on every interface of the daemon's machine"
        : undefined;
    case 'publish':
      return publishesEverywhere(v)
        ? "publishes on every interface of the daemon's machine (-p 127.0.0.1:HOST:CONTAINER keeps it on loopback)"
        : undefined;
    default:
      return undefined;
  }
}

/** One line for each start argument that hands the agent the daemon's machine, or exposes a port beyond loopback. */
export function startArgWarnings(args: readonly string[]): string[] {
  return scanOptions(args, RUN_OPTIONS).options.flatMap((o) => {
    const why = warningFor(o);
    return why ? [`${o.text.replace(/ /, '=')} ${why}`] : [];
  });
}

/**
 * `--label-file FILE` (read on this machine by the docker client, as here): a `mng.*` label in it is refused like
 * `--label mng.*`, since labels under mng.* are mng's record of the host. A file that cannot be read is docker's to
 * report.
 */
export async function checkLabelFiles(args: readonly string[]): Promise<void> {
  for (const o of scanOptions(args, RUN_OPTIONS).options) {
    if (o.name !== 'label-file' || !o.value) continue;
    const text = await readFile(o.value, 'utf8').catch(() => '');
    const line = text.split(/\r?\n/).find((l) => l.trim().startsWith('mng.'));
    if (line !== undefined) {
      throw new UsageError(
        `-s ${o.text}: ${JSON.stringify(line.trim().split('=')[0])}: labels under mng.* are mng's record of the host; use another key`,
        'see docker run --help for what can be passed',
      );
    }
  }
}
