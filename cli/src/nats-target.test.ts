import { describe, expect, it } from 'vitest';
import type { TaskQueue } from '@celeriac/crds';
import { CliError } from './errors.ts';
import { natsTargetOf } from './nats-target.ts';

const tq = (nats?: TaskQueue['spec']['nats']): TaskQueue =>
  ({ apiVersion: 'celeriac.dev/v1alpha1', kind: 'TaskQueue', metadata: { name: 'billing', namespace: 'shop' }, spec: { ...(nats ? { nats } : {}) } }) as TaskQueue;
const secret = (data: Record<string, string>) => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)]));

describe('natsTargetOf', () => {
  it('prefers --nats-url over the queue\'s in-cluster URL, which the user\'s machine cannot resolve', () => {
    const t = natsTargetOf(tq({ url: 'nats://nats.nats.svc:4222' }), undefined, { natsUrl: 'nats://127.0.0.1:14222' }, {});
    expect(t.settings.servers).toEqual(['nats://127.0.0.1:14222']);
  });

  it('uses spec.nats.url, then the Secret\'s url, then NATS_URL', () => {
    expect(natsTargetOf(tq({ url: 'nats://a:1' }), secret({ url: 'nats://b:2' }), {}, { NATS_URL: 'nats://c:3' }).settings.servers).toEqual(['nats://a:1']);
    expect(natsTargetOf(tq({ secretRef: { name: 's' } }), secret({ url: 'nats://b:2\n' }), {}, { NATS_URL: 'nats://c:3' }).settings.servers).toEqual(['nats://b:2']);
    expect(natsTargetOf(tq(), undefined, {}, { NATS_URL: 'nats://c:3,nats://d:4' }).settings.servers).toEqual(['nats://c:3', 'nats://d:4']);
  });

  it('takes credentials from the Secret and keeps them out of what it shows', () => {
    const t = natsTargetOf(tq({ url: 'nats://n:4222', secretRef: { name: 's' } }), secret({ user: 'app', password: 'hunter2\n', 'ca.crt': 'CA' }), {}, {});
    expect(t.settings).toMatchObject({ user: 'app', password: 'hunter2' });
    expect(t.extra.tls).toEqual({ ca: 'CA' });
    expect(t.where).toBe('nats://n:4222');
    expect(t.key).not.toContain('hunter2');
  });

  it('names the queue and says what to do when no URL is known', () => {
    expect(() => natsTargetOf(tq(), undefined, {}, {})).toThrow(CliError);
    expect(() => natsTargetOf(tq(), undefined, {}, {})).toThrow(/taskqueue billing in namespace shop .* no NATS URL/);
  });
});
