// A host's egress policy: where its agent may open connections. Parsed from `--egress` or the provider's
// `default_egress`, kept in the host's `mng.egress` label, and turned into docker run flags (core/network/flags.ts).
// Pure: nothing here calls docker.

import { isIPv4, isIPv6 } from 'node:net';
import { UsageError } from '../../errors.js';

/** One entry of an allow-list: a name (`*.x` for subdomains), an IP address or a CIDR, with a port or any port. */
export type EgressEntry =
  | { kind: 'domain'; name: string; port?: number }
  | { kind: 'subdomains'; name: string; port?: number }
  | { kind: 'ip'; address: string; port?: number }
  | { kind: 'cidr'; address: string; bits: number };

/** `open`: anywhere (the host still cannot reach other hosts); `none`: no network at all; `allow`: only the list, through mng's filter. */
export type EgressPolicy = { mode: 'open' } | { mode: 'none' } | { mode: 'allow'; entries: EgressEntry[] };

export const OPEN: EgressPolicy = { mode: 'open' };

const LABEL_PART = '[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?';
const DOMAIN = new RegExp(`^${LABEL_PART}(\\.${LABEL_PART})*$`);

function parsePort(text: string, entry: string, where: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new UsageError(`${where}: '${entry}' has no valid port (1 to 65535)`);
  return port;
}

function isLoopback(address: string): boolean {
  return (isIPv4(address) && address.startsWith('127.')) || (isIPv6(address) && /^(0*:)*:?0*1$/.test(address));
}

/** An IP address or CIDR entry (IPv6 with a port is written in brackets: `[2001:db8::1]:443`). */
function parseAddress(entry: string, where: string): Extract<EgressEntry, { kind: 'ip' | 'cidr' }> | undefined {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(entry);
  if (bracketed) {
    if (!isIPv6(bracketed[1])) return undefined;
    const port = bracketed[2] === undefined ? undefined : parsePort(bracketed[2], entry, where);
    return { kind: 'ip', address: bracketed[1].toLowerCase(), ...(port ? { port } : {}) };
  }
  const cidr = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(entry);
  if (cidr) {
    const max = isIPv4(cidr[1]) ? 32 : isIPv6(cidr[1]) ? 128 : 0;
    const bits = Number(cidr[2]);
    if (max === 0) return undefined;
    if (bits > max) throw new UsageError(`${where}: '${entry}' has a prefix longer than ${max} bits`);
    return { kind: 'cidr', address: cidr[1].toLowerCase(), bits };
  }
  if (isIPv6(entry)) return { kind: 'ip', address: entry.toLowerCase() };
  const v4 = /^([0-9.]+)(?::(.*))?$/.exec(entry);
  if (v4 && isIPv4(v4[1])) {
    const port = v4[2] === undefined ? undefined : parsePort(v4[2], entry, where);
    return { kind: 'ip', address: v4[1], ...(port ? { port } : {}) };
  }
  return undefined;
}

/** One list entry → its meaning, or a usage error naming it. */
export function parseEntry(raw: string, where = '--egress'): EgressEntry {
  const entry = raw.trim();
  if (entry === '') throw new UsageError(`${where}: the allow-list has an empty entry (two commas, or one at an end)`);
  const address =
    /^[0-9[]/.test(entry) || entry.includes('/') || isIPv6(entry) ? parseAddress(entry, where) : undefined;
  if (address) {
    if (isLoopback(address.address) || (address.kind === 'cidr' && address.bits < 8)) {
      throw new UsageError(
        `${where}: '${entry}' is not allowed: the agent's own loopback never goes through the filter, and a list that covers it is a mistake`,
      );
    }
    return address;
  }
  const m = /^(\*\.)?([^:/\s]+)(?::(.*))?$/.exec(entry);
  const name = m?.[2].toLowerCase().replace(/\.$/, '') ?? '';
  if (!m || !DOMAIN.test(name) || name.length > 253 || /^[0-9.]+$/.test(name)) {
    throw new UsageError(
      `${where}: '${entry}' is not a domain name, *.domain, IP address or CIDR (each may end in :PORT; CIDRs take no port)`,
    );
  }
  if (name === 'localhost' || name.endsWith('.localhost')) {
    throw new UsageError(`${where}: '${entry}' is not allowed: the agent's own loopback never goes through the filter`);
  }
  const port = m[3] === undefined ? undefined : parsePort(m[3], entry, where);
  return { kind: m[1] ? 'subdomains' : 'domain', name, ...(port ? { port } : {}) };
}

/** `open`, `none` or `allow=LIST` (comma-separated; duplicates dropped) → the policy, or a usage error. */
export function parseEgress(text: string, where = '--egress'): EgressPolicy {
  const value = text.trim();
  if (value === 'open') return OPEN;
  if (value === 'none') return { mode: 'none' };
  if (value.startsWith('allow=')) {
    const list = value.slice('allow='.length);
    if (list.trim() === '') throw new UsageError(`${where}: allow= needs a list (for none at all, use --egress none)`);
    const entries = list.split(',').map((e) => parseEntry(e, where));
    const seen = new Set<string>();
    return { mode: 'allow', entries: entries.filter((e) => !seen.has(entryText(e)) && seen.add(entryText(e))) };
  }
  throw new UsageError(
    `${where}: '${value}' is not open, none or allow=LIST`,
    'for example --egress allow=github.com,*.npmjs.org:443',
  );
}

/** One entry as the user writes it (and as the label keeps it). */
export function entryText(e: EgressEntry): string {
  switch (e.kind) {
    case 'domain':
    case 'subdomains': {
      const name = e.kind === 'subdomains' ? `*.${e.name}` : e.name;
      return e.port ? `${name}:${e.port}` : name;
    }
    case 'ip':
      if (!e.port) return e.address;
      return isIPv6(e.address) ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
    case 'cidr':
      return `${e.address}/${e.bits}`;
  }
}

/** The policy as one word or `allow=LIST`: the `--egress` value that gives it, the label's value, what list shows. */
export function formatEgress(p: EgressPolicy): string {
  return p.mode === 'allow' ? `allow=${p.entries.map(entryText).join(',')}` : p.mode;
}

/**
 * The `mng.egress` label's value → the policy, only when it is exactly what mng writes (formatEgress of a policy whose
 * every entry passes parseEntry): an allow-list from a label reaches the filter's configuration only through here.
 * Undefined for anything else (core/model/labels.ts makes that the container's problem, never a silent `open`).
 */
export function decodeEgress(label: string): EgressPolicy | undefined {
  try {
    const policy = parseEgress(label, 'label mng.egress');
    return formatEgress(policy) === label ? policy : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The endpoints a coding agent type (claude, codex, a configured one) needs to work at all (its model's API), added to
 * an allow-list unless the user says otherwise. The hook for the agent types: it adds nothing yet (which endpoints,
 * and the way to say "without them", are still to be decided), so an allow-list holds exactly what the user wrote.
 */
export function agentEndpoints(_agentType: string | undefined): EgressEntry[] {
  return [];
}

/** The policy with the agent type's own endpoints added (allow-lists only; duplicates dropped). */
export function withAgentEndpoints(p: EgressPolicy, agentType: string | undefined): EgressPolicy {
  if (p.mode !== 'allow') return p;
  const extra = agentEndpoints(agentType).filter((e) => !p.entries.some((x) => entryText(x) === entryText(e)));
  return extra.length === 0 ? p : { mode: 'allow', entries: [...p.entries, ...extra] };
}
