/**
 * Builds the npm package of `celeriac` (the worker runtime) and packs it:
 *   node scripts/pack-runtime.ts [--out <dir>]     -> <dir>/celeriac-<version>.tgz (default: the repo root)
 * Node runs our TypeScript directly, but not under node_modules (it refuses to strip types
 * there), so the package holds JavaScript and declarations compiled by tsc from the same sources
 * (worker-runtime/tsconfig.build.json), with a package.json whose exports point at them.
 * test/integration/npm-package.test.ts installs the tarball into a fresh project and runs it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const runtime = join(root, 'worker-runtime');
const dist = join(runtime, 'dist');

/** Relative imports in declaration files keep the .ts names tsc read; the package ships .d.ts next to .js. */
function rewriteDeclarations(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rewriteDeclarations(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace(/(from\s+'|import\(')(\.{1,2}\/[^']+)\.ts'/g, "$1$2.js'"));
    }
  }
}

/**
 * The published package.json: the workspace's, with each entry point (`.`, `./topology`, ...)
 * moved from its source file onto the compiled one, so a new subpath cannot be left out.
 */
function publishedManifest(): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(runtime, 'package.json'), 'utf8')) as Record<string, unknown> & { exports: Record<string, string> };
  const exports: Record<string, { types: string; default: string }> = {};
  for (const [subpath, source] of Object.entries(pkg.exports)) {
    const name = source.replace(/^\.\/src\//, './').replace(/\.ts$/, '');
    if (name === source) throw new Error(`export ${subpath} (${source}) is not a .ts file under src/: update pack-runtime.ts`);
    exports[subpath] = { types: `${name}.d.ts`, default: `${name}.js` };
  }
  return { ...pkg, exports, types: './index.d.ts', bin: { 'celeriac-worker': './bin/celeriac-worker.js' } };
}

export function packRuntime(outDir: string): string {
  rmSync(dist, { recursive: true, force: true });
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(runtime, 'tsconfig.build.json')], { stdio: 'inherit' });
  rewriteDeclarations(dist);
  mkdirSync(join(dist, 'bin'), { recursive: true });
  const bin = readFileSync(join(runtime, 'bin', 'celeriac-worker.js'), 'utf8').replace("'../src/cli/worker-main.ts'", "'../cli/worker-main.js'");
  if (!bin.includes("'../cli/worker-main.js'")) throw new Error('bin/celeriac-worker.js no longer imports ../src/cli/worker-main.ts: update pack-runtime.ts');
  writeFileSync(join(dist, 'bin', 'celeriac-worker.js'), bin, { mode: 0o755 });
  writeFileSync(join(dist, 'package.json'), JSON.stringify(publishedManifest(), null, 2) + '\n');
  cpSync(join(runtime, 'README.md'), join(dist, 'README.md'));
  mkdirSync(outDir, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: dist, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(out) as [{ filename: string }];
  return join(outDir, filename);
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  console.log(packRuntime(resolve(values.out ?? root)));
}
