import { describe, expect, it } from 'vitest';
import type { QueueSummary } from '../state/model.ts';
import { overviewPage } from './overview.ts';

const q: QueueSummary = { namespace: 'shop', name: 'billing', queue: 'billing', ready: 'True', backlog: 0, pending: 0, inFlight: 0, deadLetters: 0, workers: { ready: 2, replicas: 2 }, paused: false, liveWorkers: 2, pods: [0, 2, 2] };

describe('the overview', () => {
  it('draws each queue\'s pods over two minutes as a sparkline the live script can redraw', () => {
    const page = overviewPage({ user: 'alice', csrf: 'tok' }, [q], []).text;
    expect(page).toContain('<th scope="col">Pods, 2 min</th>');
    // Three samples on a 60 x 16 box: 0 at the bottom, then 2 (the maximum) at the top.
    expect(page).toContain('<polyline data-spark="pods" points="0,16 30,0 60,0">');
  });
});
