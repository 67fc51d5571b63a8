/**
 * What each dashboard operation asks Kubernetes RBAC, on `taskqueues.celeriac.dev`. Viewing is
 * kubectl's own verbs; actions are custom verbs (RBAC accepts any verb string), so an operator
 * role can allow replaying dead letters without allowing a purge. The chart's ClusterRoles
 * `<release>-viewer` and `<release>-operator` grant these; docs/cockpit.md has the table.
 */
export const OPERATIONS = {
  /** See a namespace's queues on the overview. */
  list: 'list',
  /** Open a queue: its page, tasks, dead letters, schedules and live updates. */
  view: 'get',
  pause: 'pause',
  resume: 'pause',
  replay: 'replay',
  purge: 'purge',
  cancel: 'cancel',
  enqueue: 'enqueue',
} as const;

export type Operation = keyof typeof OPERATIONS;
export type Action = Exclude<Operation, 'list' | 'view'>;
export const ACTIONS: readonly Action[] = ['pause', 'resume', 'replay', 'purge', 'cancel', 'enqueue'];

export function isAction(s: string): s is Action {
  return (ACTIONS as readonly string[]).includes(s);
}

/** The resource attributes of a SubjectAccessReview for one operation on one queue (or a namespace's). */
export function resourceAttributes(op: Operation, namespace: string, name?: string) {
  return { group: 'celeriac.dev', resource: 'taskqueues', verb: OPERATIONS[op], namespace, ...(name && op !== 'list' ? { name } : {}) };
}

/** Who the request is: from a TokenReview, an auth proxy's headers, or the kubeconfig (local mode). */
export interface Identity {
  user: string;
  groups: string[];
  /** Local mode: the server's own kubeconfig user; its questions are SelfSubjectAccessReviews. */
  self?: boolean;
}
