// The `celeriac` npm package, as a user gets it: packed from this repository
// (scripts/pack-runtime.ts), installed with npm into a fresh project, and used from there. Node
// does not strip types under node_modules, so this is the only test of the compiled package: its
// JavaScript runs, its declarations type-check the README's quick start, its bin starts a worker.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packRuntime } from '../../scripts/pack-runtime.ts';
import { startAppProcess, type AppProcess } from '../support/app-process.ts';
import { repoRoot } from '../support/chart.ts';
import { useNats } from '../support/use-nats.ts';

const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name);

describe('the celeriac npm package, installed into a fresh project', () => {
  const nats = useNats();
  let app: string;
  const procs: AppProcess[] = [];

  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'celeriac-app-'));
    const tarball = packRuntime(join(app, 'packed'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { celeriac: `file:${tarball}` } }));
    // The registry is reachable here, and npm's cache already holds the dependencies after `npm ci`.
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'pipe' });
    for (const f of ['tasks.ts', 'producer.ts']) copyFileSync(join(repoRoot, 'examples', 'quickstart', f), join(app, f));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          target: 'es2024',
          allowImportingTsExtensions: true,
          types: ['node'],
          typeRoots: [join(repoRoot, 'node_modules', '@types')],
        },
        include: ['*.ts'],
      }),
    );
  }, 180_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('holds JavaScript and declarations, no TypeScript sources, with entry points on them', () => {
    const pkgDir = join(app, 'node_modules', 'celeriac');
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports: Record<string, { default: string; types: string }> };
    const workspace = JSON.parse(readFileSync(join(repoRoot, 'worker-runtime', 'package.json'), 'utf8')) as { exports: Record<string, string> };
    expect(Object.keys(manifest.exports).sort()).toEqual(Object.keys(workspace.exports).sort());
    expect(Object.keys(manifest.exports)).toContain('./topology');
    for (const entry of Object.values(manifest.exports)) {
      expect(existsSync(join(pkgDir, entry.default))).toBe(true);
      expect(existsSync(join(pkgDir, entry.types))).toBe(true);
    }
    const files = execFileSync('find', [pkgDir, '-name', '*.ts', '-not', '-name', '*.d.ts'], { encoding: 'utf8' }).trim();
    expect(files).toBe('');
    expect(readFileSync(join(pkgDir, 'index.d.ts'), 'utf8')).not.toMatch(/from '\.[^']*\.ts'/);
  });

  it('carries a README with install, quick start and where the docs are', () => {
    const readme = readFileSync(join(app, 'node_modules', 'celeriac', 'README.md'), 'utf8');
    expect(readme).toMatch(/^## Install$/m);
    expect(readme).toMatch(/^## Quick start$/m);
    expect(readme).toContain('Client.connect({');
    expect(readme).toContain('docs/concepts.md');
  });

  it("type-checks the README's quick start against the package's declarations", () => {
    /** tsc's report (it writes errors to stdout), empty when the project type-checks. */
    const typecheck = (): string => {
      try {
        execFileSync(bin('tsc'), ['-p', join(app, 'tsconfig.json')], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (e) {
        return String((e as { stdout?: string }).stdout ?? e);
      }
    };
    expect(typecheck()).toBe('');
    // And the check has teeth: a wrong payload type fails it.
    writeFileSync(join(app, 'wrong.ts'), "import { Client } from 'celeriac';\nimport { sendWelcome } from './tasks.ts';\ndeclare const c: Client;\nawait c.enqueue(sendWelcome, { to: 1 });\n");
    try {
      expect(typecheck()).toMatch(/wrong\.ts\(4,\d+\): error TS2/);
    } finally {
      rmSync(join(app, 'wrong.ts'));
    }
    // Two cold tsc runs over the package's declarations: seconds alone, far longer on a shared, loaded machine.
  }, 120_000);

  it('runs the quick start: the package bin starts a worker, the producer gets its result', async () => {
    // No queue yet: the worker waits for it (Worker.start), and the producer's ensureQueue makes it.
    const env = { NATS_URL: nats.server.url, CELERIAC_HTTP_PORT: '0' };
    const worker = startAppProcess(process.execPath, [join(app, 'node_modules', 'celeriac', 'bin', 'celeriac-worker.js'), '--queue', 'emails', 'tasks.ts'], { cwd: app, env });
    procs.push(worker);
    const producer = startAppProcess(process.execPath, ['producer.ts'], { cwd: app, env });
    procs.push(producer);
    expect(await producer.exited, producer.output() + worker.output()).toBe(0);
    expect(producer.output()).toMatch(/^task \S+ sent msg-\S+$/m);
    await worker.stop(10_000);
    expect(await worker.exited, worker.output()).toBe(0);
  });

  it("runs isolated tasks in a thread and a child process, whose entries the package's JavaScript finds", async () => {
    // The runner entries are resolved beside the compiled isolation code (.js, not .ts): only the
    // packed build shows that they are shipped and found.
    writeFileSync(
      join(app, 'iso-tasks.ts'),
      `import { threadId } from 'node:worker_threads';
import { defineTask } from 'celeriac';
const where = (p: { n: number }) => ({ n: p.n, pid: process.pid, threadId });
const limits = { module: import.meta.url, timeoutMs: 10_000, hardTimeLimitMs: 20_000 };
export const inThread = defineTask('iso.in-thread', where, { isolation: 'thread', ...limits });
export const inProcess = defineTask('iso.in-process', where, { isolation: 'process', ...limits });
`,
    );
    writeFileSync(
      join(app, 'iso-producer.ts'),
      `import { Client } from 'celeriac';
import { defaultQueueSettings, ensureQueue } from 'celeriac/topology';
import { inProcess, inThread } from './iso-tasks.ts';
const client = await Client.connect({ servers: process.env.NATS_URL ?? '', queue: 'iso' });
await ensureQueue(client.nc, defaultQueueSettings('iso'));
const thread = await (await client.enqueue(inThread, { n: 1 })).result({ timeoutMs: 30_000 });
const child = await (await client.enqueue(inProcess, { n: 2 })).result({ timeoutMs: 30_000 });
console.log(JSON.stringify({ thread, child }));
await client.close();
`,
    );
    const env = { NATS_URL: nats.server.url, CELERIAC_HTTP_PORT: '0' };
    const worker = startAppProcess(process.execPath, [join(app, 'node_modules', 'celeriac', 'bin', 'celeriac-worker.js'), '--queue', 'iso', 'iso-tasks.ts'], { cwd: app, env });
    procs.push(worker);
    const producer = startAppProcess(process.execPath, ['iso-producer.ts'], { cwd: app, env });
    procs.push(producer);
    expect(await producer.exited, producer.output() + worker.output()).toBe(0);
    const line = producer.output().trim().split('\n').at(-1) ?? '';
    const out = JSON.parse(line) as Record<'thread' | 'child', { n: number; pid: number; threadId: number }>;
    // A worker thread of the worker process (the main thread's id is 0), and a process of its own.
    expect(out.thread).toMatchObject({ n: 1, pid: worker.pid });
    expect(out.thread.threadId).toBeGreaterThan(0);
    expect(out.child).toMatchObject({ n: 2, threadId: 0 });
    expect(out.child.pid).not.toBe(worker.pid);
    await worker.stop(10_000);
    expect(await worker.exited, worker.output()).toBe(0);
  }, 60_000);
});
