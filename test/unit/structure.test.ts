import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The code rules that keep lib/ readable: rooms in one order of dependency, no import cycle (type-only imports
// included), no file over 250 lines, no function over 60 lines.
const LIB = resolve(import.meta.dirname, '../../lib');
const MAX_FILE_LINES = 250;
const MAX_FUNCTION_LINES = 60;

/**
 * lib/'s rooms, lowest first. A file may import its own room and the rooms of earlier levels only: never a later
 * level, never another room of its own level. `base` is lib/'s loose files (errors, shell, random, version,
 * atomic-file); `core` is core/core.ts, what every core function is handed, and core/exec.ts, the one way to run a
 * script in a container. A new room takes its place here.
 */
const LEVELS: string[][] = [
  ['base'],
  ['config'],
  ['process'],
  ['ssh', 'git'],
  ['docker'],
  ['core'],
  ['core/agents'],
  ['core/container'],
  ['core/network'],
  ['core/model'],
  ['core/hosts'],
  ['core/access'],
  ['core/launch', 'core/terminal', 'core/code', 'core/forward'],
  ['core/lifecycle'],
  ['core/create'],
  ['core/gc', 'core/fleet'],
  ['cli'],
];

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

/** The room of a file (path relative to lib/): `core/<room>` inside core/, `core` for core/core.ts, `base` at the top. */
function roomOf(rel: string): string {
  const parts = rel.split('/');
  if (parts.length === 1) return 'base';
  if (parts[0] === 'core') return parts.length === 2 ? 'core' : `core/${parts[1]}`;
  return parts[0];
}

/** Imports that break the order of LEVELS (or come from a room LEVELS does not name), as `importer → imported`. */
function orderViolations(edges: [string, string][]): string[] {
  const level = new Map(LEVELS.flatMap((rooms, i) => rooms.map((r) => [r, i] as const)));
  return edges.flatMap(([from, to]) => {
    const [a, b] = [roomOf(from), roomOf(to)];
    if (!level.has(a) || !level.has(b)) return [`${from} → ${to} (room ${level.has(a) ? b : a} is not in LEVELS)`];
    const ok = a === b || (level.get(b) as number) < (level.get(a) as number);
    return ok ? [] : [`${from} → ${to}`];
  });
}

/** Functions (declarations, methods, arrow functions, function expressions) longer than `max` lines, first to last. */
function longFunctions(file: string, text: string, max: number): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    if (
      ts.isFunctionDeclaration(n) ||
      ts.isMethodDeclaration(n) ||
      ts.isArrowFunction(n) ||
      ts.isFunctionExpression(n)
    ) {
      const first = src.getLineAndCharacterOfPosition(n.getStart(src)).line;
      const last = src.getLineAndCharacterOfPosition(n.getEnd()).line;
      if (last - first + 1 > max)
        found.push(`${file}:${first + 1} ${n.name?.getText(src) ?? '(anonymous)'} (${last - first + 1} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

describe('lib/ structure', () => {
  const files = tsFiles(LIB);
  const graph = importGraph(files, (f) => readFileSync(f, 'utf8'));
  const edges = [...graph].flatMap(([f, deps]) =>
    deps.map((d): [string, string] => [relative(LIB, f), relative(LIB, d)]),
  );

  it('finds the files', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(files.map((f) => relative(LIB, f))).toContain(join('core', 'create', 'create.ts'));
    expect(edges.length).toBeGreaterThan(100);
  });

  it('has no import cycle', () => {
    const cycles = findCycles(graph);
    expect(cycles.map((c) => c.map((f) => relative(LIB, f)).join(' → '))).toEqual([]);
  });

  it('keeps the rooms in order: each imports only its own room and rooms of earlier levels', () => {
    expect(orderViolations(edges)).toEqual([]);
  });

  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((f) => ({ file: relative(LIB, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((x) => x.lines > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap((f) => longFunctions(relative(LIB, f), readFileSync(f, 'utf8'), MAX_FUNCTION_LINES));
    expect(long).toEqual([]);
  });

  it('runs every script in a container through execScript: one place gives each a time limit and a read cap', () => {
    const users = files
      .filter((f) => /\bbuildExecScriptArgs\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(LIB, f))
      .sort();
    expect(users).toEqual([join('core', 'exec.ts'), join('docker', 'args.ts')]);
    // the delivery's argv is shown by --dry-run only; it runs as execScript's scriptOnStdin (see docker-args.test.ts)
    const deliverUsers = files
      .filter((f) => /\bbuildDeliverArgs\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(LIB, f))
      .sort();
    expect(deliverUsers).toEqual([join('core', 'create', 'dry-run.ts'), join('docker', 'agent-args.ts')]);
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

  it('the order check sees an upward import, a sideways one, and a room it does not know', () => {
    expect(
      orderViolations([
        ['core/model/host.ts', 'core/hosts/resolve.ts'],
        ['core/code/cp.ts', 'core/terminal/agent-io.ts'],
        ['ssh/config.ts', 'docker/daemon.ts'],
        ['docker/runner.ts', 'cli/setup.ts'],
        ['core/robots/x.ts', 'core/model/host.ts'],
        ['core/hosts/resolve.ts', 'core/model/host.ts'],
        ['core/create/plan.ts', 'core/create/build.ts'],
        ['cli/list.ts', 'core/hosts/lookup.ts'],
        ['core/core.ts', 'docker/daemon.ts'],
      ]),
    ).toEqual([
      'core/model/host.ts → core/hosts/resolve.ts',
      'core/code/cp.ts → core/terminal/agent-io.ts',
      'ssh/config.ts → docker/daemon.ts',
      'docker/runner.ts → cli/setup.ts',
      'core/robots/x.ts → core/model/host.ts (room core/robots is not in LEVELS)',
    ]);
    expect(['errors.ts', 'core/core.ts', 'core/hosts/x.ts', 'cli/main.ts'].map(roomOf)).toEqual([
      'base',
      'core',
      'core/hosts',
      'cli',
    ]);
  });

  it('the size check measures every kind of function from its first line to its last', () => {
    const text = [
      'function a() {',
      '  return 1;',
      '}',
      'class K {',
      '  m() {',
      '    const f = () => {',
      '      return 2;',
      '    };',
      '    return function g() {',
      '      return 3;',
      '    };',
      '  }',
      '}',
    ].join('\n');
    expect(longFunctions('x.ts', text, 2)).toEqual([
      'x.ts:1 a (3 lines)',
      'x.ts:5 m (8 lines)',
      'x.ts:6 (anonymous) (3 lines)',
      'x.ts:9 g (3 lines)',
    ]);
    expect(longFunctions('x.ts', text, 8)).toEqual([]);
  });
});
