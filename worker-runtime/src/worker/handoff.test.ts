import { headers } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { readHandoff } from './handoff.ts';

const now = 1_800_000_000_000;
const with_ = (h: Record<string, string>) => {
  const out = headers();
  for (const [k, v] of Object.entries(h)) out.set(k, v);
  return out;
};

describe('readHandoff', () => {
  it.each<[string, Record<string, string> | undefined, { handoffs: number; unknownSince: number | undefined }]>([
    ['no headers: never handed back', undefined, { handoffs: 0, unknownSince: undefined }],
    ['a handed-back task', { 'Celeriac-Handoffs': '3', 'Celeriac-Unknown-Since': String(now - 5000) }, { handoffs: 3, unknownSince: now - 5000 }],
    ['garbage from a foreign publisher counts as absent', { 'Celeriac-Handoffs': 'many', 'Celeriac-Unknown-Since': 'yesterday' }, { handoffs: 0, unknownSince: undefined }],
    ['negative and fractional values count as absent', { 'Celeriac-Handoffs': '-2', 'Celeriac-Unknown-Since': '1.5' }, { handoffs: 0, unknownSince: undefined }],
    ['a time in the future (clock skew) is now', { 'Celeriac-Unknown-Since': String(now + 60_000) }, { handoffs: 0, unknownSince: now }],
  ])('%s', (_, h, want) => {
    expect(readHandoff(h ? with_(h) : undefined, now)).toEqual(want);
  });
});
