import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './args.ts';

describe('bench arguments', () => {
  it('defaults to three runs of everything on all systems', () => {
    expect(parseBenchArgs([])).toMatchObject({ quick: false, only: [], jsonOnly: false, runs: 3, systems: ['celeriac', 'raw-jetstream', 'bullmq'], variants: true });
    expect(parseBenchArgs(['--no-variants']).variants).toBe(false);
  });

  it('takes --quick, repeated and comma-separated --only, and a system subset', () => {
    const a = parseBenchArgs(['--quick', '--only', 'drain,latency', '--only', 'idle-pickup', '--systems', 'celeriac,bullmq', '--json-only']);
    expect(a).toMatchObject({ quick: true, runs: 1, only: ['drain', 'latency', 'idle-pickup'], systems: ['celeriac', 'bullmq'], jsonOnly: true });
  });

  it('rejects an unknown system and a bad run count', () => {
    expect(() => parseBenchArgs(['--systems', 'kafka'])).toThrow(/unknown system kafka/);
    expect(() => parseBenchArgs(['--runs', '0'])).toThrow(/--runs/);
  });
});
