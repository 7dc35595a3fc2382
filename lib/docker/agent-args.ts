/**
 * Pure argument-vector builders for coding agents (lib/core/agents): tested as plain arrays, shown by -v and
 * --dry-run exactly as they run.
 */

/** Which C library an image has (`musl` or `glibc` on stdout): a throwaway container without network. */
export function buildLibcProbeArgs(image: string): string[] {
  return [
    'run',
    '--rm',
    '--network=none',
    '--entrypoint',
    '/bin/sh',
    image,
    '-c',
    'if ls /lib/ld-musl-* >/dev/null 2>&1; then echo musl; else echo glibc; fi',
  ];
}

/**
 * The delivery to a running host: mng's script (with the secrets in it) on stdin, run by sh as root with the agent's
 * user as $1. Nothing secret is in this argv: it is what -v shows.
 */
export function buildDeliverArgs(container: string, user: string): string[] {
  return ['exec', '-i', container, '/bin/sh', '-s', user];
}
