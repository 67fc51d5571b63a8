// Builds the file layout a Dockerfile would produce, in a directory, without a Docker engine: the
// images' COPY sources must exist (and survive .dockerignore), `npm ci` really runs, and the
// ENTRYPOINT + CMD can then be started as a plain process from the result. What cannot be
// emulated (the base image's own files, file ownership) is left out and said so.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { dockerignore, envPairs, execForm, flagsAndWords, parseDockerfile, substitute, type Instruction } from './parse.ts';

const exec = promisify(execFile);

/** A built image, as files under `root` plus the config Docker would record. */
export interface ImageLayout {
  /** Stands for the image's `/`. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  entrypoint: string[];
  cmd: string[];
  exposed: number[];
}

export interface EmulateOptions {
  dockerfile: string;
  /** The build context directory. */
  context: string;
  /** An empty directory to build in (one subdirectory per stage). */
  out: string;
  buildArgs?: Record<string, string>;
  /** Layouts standing in for images a FROM names (e.g. our worker base under its published name). */
  images?: Record<string, ImageLayout>;
}

const EMPTY = (root: string): ImageLayout => ({ root, workdir: '/', env: {}, user: undefined, entrypoint: [], cmd: [], exposed: [] });

export async function emulateBuild(opts: EmulateOptions): Promise<ImageLayout> {
  const instructions = parseDockerfile(readFileSync(opts.dockerfile, 'utf8'));
  const ignorePath = join(opts.context, '.dockerignore');
  const ignored = existsSync(ignorePath) ? dockerignore(readFileSync(ignorePath, 'utf8')) : () => false;
  const args: Record<string, string> = {};
  const stages = new Map<string, ImageLayout>();
  let stage: ImageLayout | undefined;
  let index = 0;

  for (const ins of instructions) {
    const at = `${basename(opts.dockerfile)}:${ins.line}`;
    if (ins.keyword === 'ARG') {
      const [name, value] = ins.args.split('=', 2) as [string, string | undefined];
      args[name] = opts.buildArgs?.[name] ?? value ?? args[name] ?? '';
      continue;
    }
    if (ins.keyword === 'FROM') {
      const [image, as, name] = substitute(ins.args, args, ins.line).split(/\s+/);
      const root = join(opts.out, `stage-${index++}`);
      const base = stages.get(image!) ?? opts.images?.[image!];
      if (base) cpSync(base.root, root, { recursive: true, verbatimSymlinks: true });
      else mkdirSync(root, { recursive: true }); // an external base such as node:24-slim: its files are not ours to check
      stage = base ? { ...base, root, env: { ...base.env }, cmd: [...base.cmd], entrypoint: [...base.entrypoint] } : EMPTY(root);
      if (as?.toUpperCase() === 'AS' && name) stages.set(name, stage);
      continue;
    }
    if (!stage) throw new Error(`${at}: ${ins.keyword} before FROM`);
    await apply(stage, ins, { at, context: opts.context, ignored, stages });
  }
  if (!stage) throw new Error(`${opts.dockerfile}: no FROM`);
  return stage;
}

interface Ctx {
  at: string;
  context: string;
  ignored: (rel: string) => boolean;
  stages: Map<string, ImageLayout>;
}

/** A path inside the image, as a path under the layout's root. */
export function inImage(image: ImageLayout, path: string, cwd = image.workdir): string {
  return join(image.root, posix.resolve(cwd, path));
}

async function apply(stage: ImageLayout, ins: Instruction, ctx: Ctx): Promise<void> {
  switch (ins.keyword) {
    case 'WORKDIR':
      stage.workdir = posix.resolve(stage.workdir, ins.args);
      mkdirSync(inImage(stage, stage.workdir), { recursive: true });
      return;
    case 'ENV':
      Object.assign(stage.env, envPairs(ins));
      return;
    case 'USER':
      stage.user = ins.args;
      return;
    case 'EXPOSE':
      stage.exposed.push(...ins.args.split(/\s+/).map((p) => Number.parseInt(p, 10)));
      return;
    case 'ENTRYPOINT':
      stage.entrypoint = execForm(ins);
      stage.cmd = []; // Docker: a new ENTRYPOINT drops the CMD inherited from the base image
      return;
    case 'CMD':
      stage.cmd = execForm(ins);
      return;
    case 'COPY':
      copy(stage, ins, ctx);
      return;
    case 'RUN':
      await run(stage, ins, ctx.at);
      return;
    default:
      throw new Error(`${ctx.at}: ${ins.keyword} is not emulated`);
  }
}

function copy(stage: ImageLayout, ins: Instruction, ctx: Ctx): void {
  const { flags, words } = flagsAndWords(ins);
  const unknown = Object.keys(flags).filter((f) => !['from', 'chown', 'chmod', 'link'].includes(f));
  if (unknown.length > 0) throw new Error(`${ctx.at}: COPY --${unknown[0]} is not emulated`);
  if (words.length < 2) throw new Error(`${ctx.at}: COPY needs a source and a destination`);
  const dest = words.at(-1)!;
  const sources = words.slice(0, -1);
  const intoDir = dest.endsWith('/') || sources.length > 1;
  const from = flags.from ? ctx.stages.get(flags.from) : undefined;
  if (flags.from && !from) throw new Error(`${ctx.at}: COPY --from=${flags.from} names no earlier stage`);
  for (const src of sources) {
    if (/[*?[]/.test(src)) throw new Error(`${ctx.at}: COPY wildcards are not emulated (${src})`);
    const path = from ? inImage(from, src, '/') : join(ctx.context, src);
    const rel = relative(ctx.context, path);
    if (!existsSync(path) || (!from && ctx.ignored(rel))) {
      throw new Error(`${ctx.at}: COPY source ${src} does not exist in the ${from ? `stage ${flags.from}` : 'build context'}${!from && existsSync(path) ? ' (excluded by .dockerignore)' : ''}`);
    }
    const isDir = statSync(path).isDirectory();
    const target = inImage(stage, dest);
    // Docker copies a directory's contents, not the directory itself.
    const to = isDir || !intoDir ? target : join(target, basename(src));
    mkdirSync(isDir ? to : dirname(to), { recursive: true });
    cpSync(path, to, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (p) => from !== undefined || !ctx.ignored(relative(ctx.context, p)),
    });
  }
}

/** RUN: `&&`-chains of the few commands our Dockerfiles use. */
async function run(stage: ImageLayout, ins: Instruction, at: string): Promise<void> {
  if (/[|;<>`$"']|\|\|/.test(ins.args)) throw new Error(`${at}: RUN uses shell syntax that is not emulated: ${ins.args}`);
  let cwd = stage.workdir;
  for (const command of ins.args.split('&&').map((c) => c.trim().split(/\s+/))) {
    const [name, ...rest] = command as [string, ...string[]];
    const paths = rest.filter((a) => !a.startsWith('-'));
    if (name === 'cd') cwd = posix.resolve(cwd, rest[0] ?? '/');
    else if (name === 'mkdir') for (const p of paths) mkdirSync(inImage(stage, p, cwd), { recursive: true });
    else if (name === 'rm') for (const p of paths) rmSync(inImage(stage, p, cwd), { recursive: true, force: true });
    else if (name === 'chown') continue; // ownership cannot be emulated; the tests check USER instead
    else if (name === 'ln' && rest[0] === '-s' && rest.length === 3) {
      const link = inImage(stage, rest[2]!, cwd);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(rest[1]!.startsWith('/') ? inImage(stage, rest[1]!) : rest[1]!, link);
    } else if (name === 'npm' && rest[0] === 'ci') await npmCi(rest.slice(1), inImage(stage, cwd));
    else throw new Error(`${at}: RUN ${name} is not emulated`);
  }
}

/** The real `npm ci`, from the local cache when it can (the repository's install filled it). */
async function npmCi(args: string[], cwd: string): Promise<void> {
  try {
    await exec('npm', ['ci', ...args], { cwd, env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' }, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`npm ci ${args.join(' ')} failed in ${cwd}: ${err.stderr ?? err.message}`, { cause: e });
  }
}

/** The process the image runs: ENTRYPOINT + CMD, with `node` and absolute paths mapped into the layout. */
export function processOf(image: ImageLayout, cmd: string[] = image.cmd): { command: string; args: string[]; cwd: string; env: Record<string, string> } {
  const argv = [...image.entrypoint, ...cmd];
  if (argv.length === 0) throw new Error('the image has neither ENTRYPOINT nor CMD');
  const mapped = argv.map((a, i) => {
    if (i === 0 && a === 'node') return process.execPath;
    return a.startsWith('/') && existsSync(inImage(image, a)) ? inImage(image, a) : a;
  });
  return { command: mapped[0]!, args: mapped.slice(1), cwd: inImage(image, image.workdir), env: image.env };
}

/** Every file path in the layout below `dir` (relative to the image's `/`), for assertions. */
export function filesIn(image: ImageLayout, dir: string): string[] {
  const base = inImage(image, dir);
  if (!existsSync(base)) return [];
  return readdirSync(base, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory())
    .map((d) => posix.join(dir, relative(base, join(d.parentPath, d.name))));
}
