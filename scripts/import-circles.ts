/**
 * Finds import circles among the TypeScript files under some folders (type-only imports count:
 * they still tie two files' designs together). `node scripts/import-circles.ts <dir>...` prints
 * them; scripts/import-circles.test.ts keeps the packages free of them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return e.name.endsWith('.ts') ? [resolve(path)] : [];
  });
}

/** Relative imports and re-exports of a file, as absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+\.ts)'/g)].map((m) => resolve(dirname(file), m[1]!));
}

/** Each circle once, as the file paths (relative to `base`) from its first file back to it. */
export function importCircles(dirs: readonly string[], base = process.cwd()): string[][] {
  const graph = new Map(dirs.flatMap(tsFiles).map((f) => [f, importsOf(f)] as const));
  const done = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  const visit = (file: string): void => {
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next) || done.has(next)) continue;
      const at = stack.indexOf(next);
      if (at >= 0) circles.push([...stack.slice(at), next].map((f) => relative(base, f)));
      else visit(next);
    }
    stack.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return circles;
}

if (import.meta.main) {
  const circles = importCircles(process.argv.slice(2));
  for (const c of circles) console.log(c.join(' -> '));
  process.exitCode = circles.length > 0 ? 1 : 0;
}
