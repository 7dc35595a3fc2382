import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** mng's version, from package.json (dist/version.cjs → ../package.json). */
export function version(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
