import { describe, expect, it } from 'vitest';
import { ACTIONS, OPERATIONS, isAction, resourceAttributes } from './rbac.ts';

describe('RBAC mapping', () => {
  it('views with kubectl verbs and acts with custom verbs on the TaskQueue', () => {
    expect(resourceAttributes('view', 'shop', 'billing')).toEqual({ group: 'celeriac.dev', resource: 'taskqueues', verb: 'get', namespace: 'shop', name: 'billing' });
    expect(resourceAttributes('list', 'shop', 'ignored')).toEqual({ group: 'celeriac.dev', resource: 'taskqueues', verb: 'list', namespace: 'shop' });
    expect(resourceAttributes('resume', 'shop', 'billing').verb).toBe('pause');
  });
  it('gives no action a read verb, so a viewer role can never act', () => {
    for (const a of ACTIONS) expect(['get', 'list', 'watch']).not.toContain(OPERATIONS[a]);
  });
  it('knows its actions and nothing else', () => {
    expect(isAction('replay')).toBe(true);
    expect(isAction('view')).toBe(false);
    expect(isAction('delete')).toBe(false);
  });
});
