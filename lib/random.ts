/**
 * `digits` random hex digits, for names that must not collide: host ids, generated agent names, snapshot tags,
 * temporary files. None of them is a secret, so Math.random (which V8 seeds for each process from the system's
 * randomness) serves; Node's crypto module would add a few ms to every command that makes one.
 */
export function randomHex(digits: number): string {
  let out = '';
  while (out.length < digits)
    out += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, digits);
}
