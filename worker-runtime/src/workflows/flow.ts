import type { DeclaredTask } from '../task.ts';
import type { GroupOutcome, OnError, Stage, TaskStage } from './plan.ts';

/**
 * A piece of a workflow taking an input of type `I` and producing `O`. Only the `stages` exist at
 * run time; the function type is a phantom for the type checker (contravariant in `I`).
 */
export interface Flow<I, O> {
  readonly stages: readonly Stage[];
  readonly __flow?: (input: I) => O;
}

/** A task with its payload: runs on its own, whatever came before it. */
export interface Signature<O> extends Flow<unknown, O> {
  readonly signature: true;
}

/** Tasks run in parallel; the output is their results in order. */
export interface Group<Rs> extends Flow<unknown, Rs> {
  readonly group: true;
}

/** A chain link: a flow, or a bare task whose payload is the previous link's result. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- DeclaredTask is invariant in its payload; `Fits` checks each link
export type Link = Flow<never, unknown> | DeclaredTask<any, unknown>;
type InputOf<L> = L extends Flow<infer I, unknown> ? I : L extends DeclaredTask<infer P, unknown> ? P : never;
type OutputOf<L> = L extends Flow<never, infer O> ? O : L extends DeclaredTask<infer _P, infer R> ? Awaited<R> : never;
/** True when every link accepts the output of the one before. */
type Fits<Prev, Links extends readonly unknown[]> = Links extends readonly [infer H, ...infer T]
  ? [Prev] extends [InputOf<H>]
    ? Fits<OutputOf<H>, T>
    : false
  : true;
type LastOutput<First, Links extends readonly unknown[]> = Links extends readonly [...unknown[], infer L] ? OutputOf<L> : OutputOf<First>;

const frozen = <T extends object>(x: T): T => Object.freeze(x);

/** A task with a fixed payload: a chain's first link, a group's member. */
export function sig<P, R>(task: DeclaredTask<P, R>, payload: NoInfer<P>): Signature<Awaited<R>> {
  const stage: TaskStage = { kind: 'task', task: task.name, payload };
  return frozen({ stages: [stage], signature: true as const });
}

/**
 * Links run one after the other, each link's result the next one's payload:
 *
 *   chain(sig(fetchPage, { url }), parse, store)   // parse: (p: Page) => Doc, store: (d: Doc) => ...
 *
 * A link whose payload type does not accept the previous result does not type-check.
 */
export function chain<F extends Flow<unknown, unknown>, L extends readonly Link[]>(
  first: F,
  ...links: L & (Fits<OutputOf<F>, L> extends true ? unknown : ['a link does not accept the result of the link before it'])
): Flow<unknown, LastOutput<F, L>> {
  const stages: Stage[] = [...first.stages];
  for (const link of links as readonly Link[]) {
    if ('stages' in link) stages.push(...link.stages);
    else stages.push({ kind: 'task', task: link.name, input: 'previous' });
  }
  return frozen({ stages });
}

/** Tasks run in parallel; the output is their results in member order. */
export function group<const M extends readonly Signature<unknown>[]>(members: M): Group<{ -readonly [K in keyof M]: OutputOf<M[K]> }> {
  if (members.length === 0) throw new TypeError('a group needs at least one member');
  const tasks = members.map((m) => {
    const s = m.stages[0];
    if (m.stages.length !== 1 || s?.kind !== 'task' || s.input === 'previous') throw new TypeError('group members are signatures: sig(task, payload)');
    return s.payload === undefined ? { task: s.task } : { task: s.task, payload: s.payload };
  });
  return frozen({ stages: [{ kind: 'group', members: tasks, onError: 'fail' }], group: true as const });
}

export interface ChordOptions<E extends OnError> {
  /**
   * `fail` (default): a failed member fails the workflow and the callback never runs.
   * `continue`: the callback runs once every member has finished, with `{ results, errors }`.
   */
  onError?: E;
}

/** Runs the group, then the callback once with every member's result (in member order). */
export function chord<Rs, C>(members: Group<Rs>, callback: DeclaredTask<Rs, C>, options?: ChordOptions<'fail'>): Flow<unknown, Awaited<C>>;
export function chord<Rs, C>(members: Group<Rs>, callback: DeclaredTask<GroupOutcome<Rs>, C>, options: ChordOptions<'continue'>): Flow<unknown, Awaited<C>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the overloads above type the callback
export function chord<Rs, C>(members: Group<Rs>, callback: DeclaredTask<any, C>, options: ChordOptions<OnError> = {}): Flow<unknown, Awaited<C>> {
  const onError = options.onError ?? 'fail';
  if (onError !== 'fail' && onError !== 'continue') throw new TypeError(`onError must be 'fail' or 'continue', not ${JSON.stringify(onError)}`);
  const [g] = members.stages;
  if (members.stages.length !== 1 || g?.kind !== 'group') throw new TypeError('a chord takes a group: chord(group([...]), callback)');
  return frozen({ stages: [{ ...g, onError }, { kind: 'task', task: callback.name, input: 'previous' }] });
}
