import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';
import { INITIAL_SCALING_STATE, type DecisionInput, type ScalingState } from './decision.ts';
import { POD_START_GRACE_MS, resolvePolicy, type ScalingPolicy } from './policy.ts';

const policyArb: fc.Arbitrary<ScalingPolicy> = fc
  .record({
    minReplicas: fc.integer({ min: 0, max: 5 }),
    spread: fc.integer({ min: 0, max: 40 }),
    targetBacklogPerReplica: fc.double({ min: 0.5, max: 200, noNaN: true }),
    activationBacklog: fc.integer({ min: 0, max: 20 }),
    upWindow: fc.constantFrom(0, 5_000, 30_000),
    upPods: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    upPercent: fc.option(fc.integer({ min: 10, max: 300 }), { nil: undefined }),
    downWindow: fc.constantFrom(0, 10_000, 90_000, 300_000),
    downPods: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    downPercent: fc.option(fc.integer({ min: 10, max: 100 }), { nil: undefined }),
    scaleToZeroCooldownMs: fc.constantFrom(0, 10_000, 120_000),
    targetDrainTimeMs: fc.option(fc.constantFrom(5_000, 30_000, 60_000, 600_000), { nil: undefined }),
    pollIntervalMs: fc.constantFrom(500, 1_000, 5_000),
  })
  .map((p) =>
    resolvePolicy({
      minReplicas: p.minReplicas,
      maxReplicas: Math.max(1, p.minReplicas + p.spread),
      targetBacklogPerReplica: p.targetBacklogPerReplica,
      activationBacklog: p.activationBacklog,
      scaleUp: { stabilizationMs: p.upWindow, maxStepPods: p.upPods, maxStepPercent: p.upPercent },
      scaleDown: { stabilizationMs: p.downWindow, maxStepPods: p.downPods, maxStepPercent: p.downPercent },
      scaleToZeroCooldownMs: p.scaleToZeroCooldownMs,
      targetDrainTimeMs: p.targetDrainTimeMs,
      pollIntervalMs: p.pollIntervalMs,
    }),
  );

/** One poll's worth of load, without the time, replicas or history it is decided in. */
interface Load {
  readonly backlog: number;
  readonly inFlight: number;
  readonly concurrencyPerReplica: number;
  readonly arrivalRate: number | undefined;
  readonly throughputPerReplica: number | undefined;
}

const loadArb: fc.Arbitrary<Load> = fc
  .record({
    backlog: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 100_000 })),
    inFlightShare: fc.double({ min: 0, max: 1, noNaN: true }),
    concurrencyPerReplica: fc.integer({ min: 1, max: 64 }),
    arrivalRate: fc.option(fc.double({ min: 0, max: 5_000, noNaN: true }), { nil: undefined }),
    throughputPerReplica: fc.option(fc.double({ min: 0.01, max: 1_000, noNaN: true }), { nil: undefined }),
  })
  .map(({ inFlightShare, ...l }) => ({ ...l, inFlight: Math.floor(l.backlog * inFlightShare) }));

/** A poll: the load, how long since the last poll, and whether someone else moved the replicas. */
const pollArb = fc.record({
  load: loadArb,
  elapsedMs: fc.integer({ min: 1, max: 20_000 }),
  readyShare: fc.double({ min: 0, max: 1, noNaN: true }),
  externalReplicas: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined, freq: 10 }),
});

type Poll = typeof pollArb extends fc.Arbitrary<infer T> ? T : never;

interface Run {
  readonly inputs: DecisionInput[];
  readonly replicas: number[];
  readonly state: ScalingState;
  readonly current: number;
  readonly now: number;
}

/** Feeds polls to decide in order, the way the operator does, and records what it saw and said. */
function run(policy: ScalingPolicy, polls: readonly Poll[], start = 0): Run {
  let now = 1_000_000;
  let current = start;
  let state: ScalingState = INITIAL_SCALING_STATE;
  const inputs: DecisionInput[] = [];
  const replicas: number[] = [];
  for (const poll of polls) {
    now += poll.elapsedMs;
    current = poll.externalReplicas ?? current;
    const input: DecisionInput = {
      now,
      ...poll.load,
      currentReplicas: current,
      readyReplicas: Math.floor(current * poll.readyShare),
      history: state,
    };
    const decision = decide(input, policy);
    inputs.push(input);
    replicas.push(decision.replicas);
    state = decision.nextState;
    current = decision.replicas;
  }
  return { inputs, replicas, state, current, now };
}


describe('decide, for any policy and any sequence of observations', () => {
  it('stays within [minReplicas, maxReplicas] and returns whole replicas', () => {
    fc.assert(
      fc.property(policyArb, fc.array(pollArb, { minLength: 1, maxLength: 40 }), (policy, polls) => {
        for (const r of run(policy, polls).replicas) {
          expect(Number.isInteger(r)).toBe(true);
          expect(r).toBeGreaterThanOrEqual(policy.minReplicas);
          expect(r).toBeLessThanOrEqual(policy.maxReplicas);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never goes below what in-flight tasks need (capped by maxReplicas)', () => {
    fc.assert(
      fc.property(policyArb, fc.array(pollArb, { minLength: 1, maxLength: 40 }), (policy, polls) => {
        const { inputs, replicas } = run(policy, polls);
        inputs.forEach((input, i) => {
          const need = Math.min(policy.maxReplicas, Math.ceil(input.inFlight / input.concurrencyPerReplica));
          expect(replicas[i]).toBeGreaterThanOrEqual(need);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never gives fewer replicas for more backlog, all else equal', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.array(pollArb, { maxLength: 30 }),
        loadArb,
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        (policy, history, load, extra, current, ready) => {
          const before = run(policy, history);
          const input: DecisionInput = {
            now: before.now + policy.pollIntervalMs,
            ...load,
            currentReplicas: current,
            readyReplicas: Math.min(ready, current),
            history: before.state,
          };
          const less = decide(input, policy).replicas;
          const more = decide({ ...input, backlog: load.backlog + extra }, policy).replicas;
          expect(more).toBeGreaterThanOrEqual(less);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws, whatever the numbers, and still keeps within bounds', () => {
    const anyNumber = fc.oneof(
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, -0, 0, 1e12),
      fc.integer({ min: -5, max: 100 }),
    );
    fc.assert(
      fc.property(
        policyArb,
        fc.array(fc.tuple(anyNumber, anyNumber, anyNumber, anyNumber, anyNumber, anyNumber, anyNumber), { maxLength: 20 }),
        (policy, rows) => {
          let state = INITIAL_SCALING_STATE;
          let now = 0;
          for (const [backlog, inFlight, current, ready, concurrency, arrival, throughput] of rows) {
            now += 1_000;
            const d = decide(
              {
                now,
                backlog,
                inFlight,
                currentReplicas: current,
                readyReplicas: ready,
                concurrencyPerReplica: concurrency,
                arrivalRate: arrival,
                throughputPerReplica: throughput,
                history: state,
              },
              policy,
            );
            expect(Number.isInteger(d.replicas)).toBe(true);
            expect(d.replicas).toBeGreaterThanOrEqual(policy.minReplicas);
            expect(d.replicas).toBeLessThanOrEqual(policy.maxReplicas);
            state = d.nextState;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decide under a constant load', () => {
  it('moves in one direction only, then holds one count for good', () => {
    fc.assert(
      fc.property(policyArb, loadArb, fc.integer({ min: 0, max: 50 }), (policy, load, start) => {
        // Long enough for both windows, the cooldown, a ramp of single steps (each possibly
        // waiting a poll for its pods) and the pods-starting grace.
        const settleMs =
          Math.max(policy.scaleUp.stabilizationMs, policy.scaleDown.stabilizationMs) +
          policy.scaleToZeroCooldownMs +
          POD_START_GRACE_MS +
          2 * (Math.max(start, policy.maxReplicas) + 2) * policy.pollIntervalMs;
        const steps = 2 * Math.ceil(settleMs / policy.pollIntervalMs);
        // Pods of one decision are ready by the next poll.
        let now = 0;
        let current = start;
        let ready = start;
        let state = INITIAL_SCALING_STATE;
        const seen: number[] = [];
        for (let i = 0; i < steps; i++) {
          now += policy.pollIntervalMs;
          const d = decide({ now, ...load, currentReplicas: current, readyReplicas: ready, history: state }, policy);
          ready = current;
          current = d.replicas;
          state = d.nextState;
          seen.push(current);
        }
        const changes = seen.map((r, i) => Math.sign(r - (i === 0 ? start : (seen[i - 1] ?? start)))).filter((s) => s !== 0);
        expect(new Set(changes).size).toBeLessThanOrEqual(1);
        const settled = seen.slice(Math.floor(steps / 2));
        expect(new Set(settled).size).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
