import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TaskDefinition } from '../task.ts';
import { ConfigError } from './config.ts';

/** A task definition, from any copy of the package (shared with isolated runners, which look one up by name). */
export function isTask(v: unknown): v is TaskDefinition {
  const t = v as Partial<TaskDefinition> | undefined;
  return typeof t === 'object' && t !== null && typeof t.name === 'string' && typeof t.handler === 'function' && typeof t.options === 'object';
}

/**
 * Imports the user's task modules and collects every exported task definition (named exports,
 * or a default export that is a task or an array of tasks).
 */
export async function loadTasks(paths: readonly string[], cwd = process.cwd()): Promise<TaskDefinition[]> {
  const found = new Map<string, TaskDefinition>();
  for (const p of paths) {
    const url = p.startsWith('file:') ? p : pathToFileURL(resolve(cwd, p)).href;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`cannot load task module ${p}: ${(e as Error).message}`);
    }
    const values = Object.values(mod).flatMap((v) => (Array.isArray(v) ? v : [v]));
    for (const v of values) {
      if (!isTask(v)) continue;
      const prior = found.get(v.name);
      if (prior && prior !== v) throw new ConfigError(`task ${v.name} is defined twice (in ${p})`);
      found.set(v.name, v);
    }
  }
  if (found.size === 0) throw new ConfigError(`no tasks exported by ${paths.join(', ')}: export the results of defineTask()`);
  return [...found.values()];
}
