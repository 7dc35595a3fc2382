// What mng writes, as patterns: every value that comes back from Docker (a label, a name, an id, a port) or from this
// machine's own files is checked against exactly what mng writes before it reaches an ssh argv, an ssh config file, a
// path or a docker call. A daemon that is shared or remote may hold containers made behind mng's back. Pure.

import { isIP } from 'node:net';
import { ENV_NAME } from '../../config/agent-section.js';
import { hasControl } from '../../safe-text.js';
import { TAG_KEY } from './tags.js';

/** A container id as docker gives it in inspect: 64 hex digits. */
export const CONTAINER_ID = /^[0-9a-f]{64}$/;
/** A host's id (its mng.id label): 16 hex digits (see generateId). */
export const HOST_ID = /^[0-9a-f]{16}$/;
/** An image id: sha256 and 64 hex digits. */
export const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
/** The user sshd logs in as: a plain POSIX user name, which ssh can never take for an option. */
export const SSH_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** A container name: what docker itself allows (and mng writes: prefix + NAME, or a replacement's temporary name). */
export const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
/** A git commit id (SHA-1 or SHA-256). */
export const COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
/** Seconds mng writes for an idle timeout or check interval: at most 100 years. */
export const MAX_SECONDS = 100 * 366 * 24 * 3600;

/** A short, printable quote of a value that failed a check, for the error row that names it. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

/** A whole number of seconds as mng writes it (digits only, within MAX_SECONDS), or undefined. */
export function seconds(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_SECONDS ? n : undefined;
}

/** A TCP port as docker writes a published one: digits, 1 to 65535. */
export function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** An IP address literal (v4 or v6), as docker writes a published port's host address. */
export function isIpLiteral(text: string): boolean {
  return isIP(text) !== 0;
}

/** One line of text with no control characters at all (names, paths, image references), at most `max` long. */
export function isPlainLine(text: string, max = 4096): boolean {
  return text.length <= max && !/[\n\t]/.test(text) && !hasControl(text);
}

/** An absolute path on one line. */
export function isAbsolutePath(text: string): boolean {
  return text.startsWith('/') && isPlainLine(text);
}

/** An ISO 8601 time as mng and docker write them. */
export function isTime(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text))
  );
}

/** A label's JSON, when it parses and `ok` takes it. */
export function json(text: string | undefined, ok: (v: unknown) => boolean): unknown {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return ok(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Tags as mng writes them: an object of plain one-line strings under tag keys. */
export const isTags = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.entries(v).every(([k, x]) => TAG_KEY.test(k) && typeof x === 'string' && isPlainLine(x));

/** A JSON list of strings. */
export const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A JSON list of variable names. */
export const isEnvNames = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string' && ENV_NAME.test(x));
