/**
 * Durations as users write them: `800` (seconds), `30s`, `15m`, `2h`, `1d`, or units combined from the largest
 * down (`1h30m`, `2m30s`); `0` or `disabled` turns a timeout off.
 * Returns whole seconds (0 = disabled), or undefined when the text is not a duration.
 */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? value : undefined;
  }
  const text = value.trim().toLowerCase();
  if (text === 'disabled' || text === 'off') return 0;
  const m = /^(\d+)\s*([smhd]?)$/.exec(text);
  if (m) return Number(m[1]) * UNITS[m[2] || 's'];
  // combined units, each once, largest first: 1h30m, 1d12h, 2m30s
  const parts = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!parts || parts.slice(1).filter((p) => p !== undefined).length < 2) return undefined;
  const [, d = '0', h = '0', mi = '0', sec = '0'] = parts;
  return Number(d) * 86400 + Number(h) * 3600 + Number(mi) * 60 + Number(sec);
}

/** `0` → `disabled`, else the largest exact unit: 900 → `15m`, 7200 → `2h`, 90 → `90s`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return 'disabled';
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
