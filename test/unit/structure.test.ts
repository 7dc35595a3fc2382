import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The code rules that keep lib/ readable: no import cycles (type-only imports included), no file over 300 lines.
const LIB = resolve(import.meta.dirname, '../../lib');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** file → the lib files it imports (static `import … from './x.js'`, `export … from`, and `await import('./x.js')`). */
function importGraph(files: string[], read: (f: string) => string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = read(f);
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
    graph.set(
      f,
      specs.map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts'))),
    );
  }
  return graph;
}

/** Every cycle as a list of files, found by depth-first search (each reported once, from its first file). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (state.get(g) === 'open') cycles.push([...stack.slice(stack.indexOf(g)), g]);
      else if (!state.has(g) && graph.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

describe('lib/ structure', () => {
  const files = tsFiles(LIB);

  it('finds the files', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(files.map((f) => relative(LIB, f))).toContain(join('core', 'create', 'create.ts'));
  });

  it('has no import cycle', () => {
    const cycles = findCycles(importGraph(files, (f) => readFileSync(f, 'utf8')));
    expect(cycles.map((c) => c.map((f) => relative(LIB, f)).join(' → '))).toEqual([]);
  });

  it('has no file over 300 lines', () => {
    const long = files
      .map((f) => ({ file: relative(LIB, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((x) => x.lines > 300);
    expect(long).toEqual([]);
  });

  it('keeps the layers: the process runner and ssh/ know nothing of docker/, core/ nothing of cli/', () => {
    const graph = importGraph(files, (f) => readFileSync(f, 'utf8'));
    const bad = [...graph]
      .flatMap(([f, deps]) => deps.map((d) => [relative(LIB, f), relative(LIB, d)]))
      .filter(
        ([f, d]) =>
          (/^(ssh|process)\//.test(f) && d.startsWith('docker/')) ||
          (/^(core|docker|ssh|process|config)\//.test(f) && d.startsWith('cli/')),
      );
    expect(bad).toEqual([]);
  });

  it('the cycle check sees a cycle, type-only and dynamic imports included', () => {
    const src: Record<string, string> = {
      '/l/a.ts': "import type { B } from './b.js';",
      '/l/b.ts': "const c = await import('./c.js');",
      '/l/c.ts': "export { a } from './a.js';",
      '/l/d.ts': "import { a } from './a.js';",
    };
    const cycles = findCycles(importGraph(Object.keys(src), (f) => src[f]));
    expect(cycles).toEqual([['/l/a.ts', '/l/b.ts', '/l/c.ts', '/l/a.ts']]);
  });
});
