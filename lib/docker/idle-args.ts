/**
 * The `docker create` flags of the idle watcher (pure): its settings as environment variables (the watcher inside
 * the container reads them; labels cannot be read from inside), and docker's health check, whose output (the
 * watcher's last finding) `docker inspect` keeps in State.Health.Log, so `mng list` needs no call per host.
 */
export interface IdleSettings {
  /** seconds without activity before the host stops itself; 0 = never */
  timeoutSeconds: number;
  /** seconds between two checks of the watcher (and two runs of the health check) */
  intervalSeconds: number;
}

export const IDLE_ENV = { timeout: 'MNG_IDLE_TIMEOUT', interval: 'MNG_IDLE_INTERVAL' } as const;

/** `--env` and `--health-*` flags for docker create; none when the timeout is disabled. */
export function idleCreateFlags(idle: IdleSettings | undefined, healthCommand: string): string[] {
  if (!idle || idle.timeoutSeconds <= 0) return [];
  return [
    '--env',
    `${IDLE_ENV.timeout}=${idle.timeoutSeconds}`,
    '--env',
    `${IDLE_ENV.interval}=${idle.intervalSeconds}`,
    '--health-cmd',
    healthCommand,
    '--health-interval',
    `${idle.intervalSeconds}s`,
    '--health-timeout',
    '10s',
    '--health-retries',
    '3',
  ];
}
