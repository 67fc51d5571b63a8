/** Labels on everything a pool owns; `celeriac.dev/pool` is the Deployment's selector. */
export const POOL_LABEL = 'celeriac.dev/pool';
export const QUEUE_LABEL = 'celeriac.dev/queue';

export function poolLabels(pool: string, queue: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'celeriac-worker',
    'app.kubernetes.io/instance': pool,
    'app.kubernetes.io/managed-by': 'celeriac-operator',
    [POOL_LABEL]: pool,
    [QUEUE_LABEL]: queue,
  };
}

export function poolSelector(pool: string): Record<string, string> {
  return { [POOL_LABEL]: pool };
}

/** The selector as a string, as the scale subresource wants it in status.selector. */
export function selectorString(pool: string): string {
  return `${POOL_LABEL}=${pool}`;
}
