import { describe, expect, it } from 'vitest';
import { decide, holdOnError } from './decide.ts';
import { INITIAL_SCALING_STATE, type DecisionInput, type ScalingReason, type ScalingState } from './decision.ts';
import { resolvePolicy, type ScalingPolicyInput } from './policy.ts';

const NOW = 10_000_000;

/** A pool that has decided before, so a first-decision hold does not apply. */
const WARM: ScalingState = {
  recommendations: [],
  last: { at: NOW - 1_000, replicas: 1, reason: 'Steady', message: '' },
};

function warm(extra: Partial<ScalingState>): ScalingState {
  return { ...WARM, ...extra };
}

function input(over: Partial<DecisionInput>): DecisionInput {
  const currentReplicas = over.currentReplicas ?? 1;
  return {
    now: NOW,
    backlog: 0,
    inFlight: 0,
    currentReplicas,
    readyReplicas: currentReplicas,
    concurrencyPerReplica: 16,
    history: WARM,
    ...over,
  };
}

const noDownWindow = { scaleDown: { stabilizationMs: 0 } };

type Row = [name: string, policy: ScalingPolicyInput, observed: Partial<DecisionInput>, replicas: number, reason: ScalingReason];

const rows: Row[] = [
  // The backlog rule: ceil(backlog / target), with a 10 % band below the current count only.
  ['scales up to ceil(backlog / target)', {}, { currentReplicas: 2, backlog: 70 }, 7, 'ScaleUpBacklog'],
  ['rounds a partial replica up', {}, { currentReplicas: 2, backlog: 71 }, 8, 'ScaleUpBacklog'],
  ['scales up on any demand above the current count', { maxReplicas: 20 }, { currentReplicas: 10, backlog: 101 }, 11, 'ScaleUpBacklog'],
  ['keeps the count while demand is within 10 % below it', noDownWindow, { currentReplicas: 10, backlog: 91 }, 10, 'Steady'],
  ['scales down once demand is more than 10 % below', noDownWindow, { currentReplicas: 10, backlog: 89 }, 9, 'ScaleDown'],
  ['keeps a steady load at its count', {}, { currentReplicas: 5, backlog: 50 }, 5, 'Steady'],

  // Bounds.
  ['caps a scale-up at maxReplicas', {}, { currentReplicas: 2, backlog: 1_000 }, 10, 'AtMax'],
  ['stays at maxReplicas while demand exceeds it', {}, { currentReplicas: 10, backlog: 1_000 }, 10, 'AtMax'],
  ['comes down to a lowered maxReplicas at once', { maxReplicas: 5 }, { currentReplicas: 8, backlog: 1_000 }, 5, 'AtMax'],
  ['holds minReplicas without work', { minReplicas: 3, ...noDownWindow }, { currentReplicas: 3 }, 3, 'AtMin'],
  ['raises a pool below minReplicas', { minReplicas: 2 }, { currentReplicas: 0 }, 2, 'ScaleUpToMin'],

  // Zero: activation and cooldown.
  ['starts from zero when the backlog exceeds the activation threshold', { minReplicas: 0, activationBacklog: 5 }, { currentReplicas: 0, backlog: 6 }, 1, 'Activation'],
  ['stays at zero with the backlog at the activation threshold', { minReplicas: 0, activationBacklog: 5 }, { currentReplicas: 0, backlog: 5 }, 0, 'BelowActivation'],
  ['stays at zero without work', { minReplicas: 0 }, { currentReplicas: 0 }, 0, 'BelowActivation'],
  ['jumps from zero straight to what a burst needs', { minReplicas: 0, maxReplicas: 200, targetBacklogPerReplica: 100 }, { currentReplicas: 0, backlog: 10_000 }, 100, 'Activation'],
  ['activates without waiting for the up window', { minReplicas: 0, scaleUp: { stabilizationMs: 30_000 } }, { currentReplicas: 0, backlog: 30, history: warm({ recommendations: [{ at: NOW - 1_000, replicas: 0 }] }) }, 1, 'Activation'],
  ['holds one replica during the cooldown to zero', { minReplicas: 0, ...noDownWindow }, { currentReplicas: 1, history: warm({ idleSince: NOW - 60_000 }) }, 1, 'HoldZeroCooldown'],
  ['scales to zero once the cooldown has passed', { minReplicas: 0 }, { currentReplicas: 1, history: warm({ idleSince: NOW - 120_000 }) }, 0, 'ScaleToZeroAfterCooldown'],
  ['goes to zero from several replicas once the cooldown has passed', { minReplicas: 0 }, { currentReplicas: 5, history: warm({ idleSince: NOW - 120_000 }) }, 0, 'ScaleToZeroAfterCooldown'],
  ['does not scale to zero with tasks in flight', { minReplicas: 0, activationBacklog: 100 }, { currentReplicas: 1, backlog: 3, inFlight: 3, history: warm({ idleSince: NOW - 600_000 }) }, 1, 'Steady'],
  ['does not strand tasks below the activation threshold', { minReplicas: 0, activationBacklog: 10 }, { currentReplicas: 1, backlog: 4, history: warm({ idleSince: NOW - 600_000 }) }, 1, 'Steady'],
  ['does not scale to zero while tasks keep arriving', { minReplicas: 0, ...noDownWindow }, { currentReplicas: 1, arrivalRate: 0.5, history: warm({ idleSince: NOW - 600_000 }) }, 1, 'HoldZeroCooldown'],
  ['does not scale to zero when minReplicas is above zero', { minReplicas: 1, ...noDownWindow }, { currentReplicas: 1, history: warm({ idleSince: NOW - 600_000 }) }, 1, 'AtMin'],

  // The in-flight floor.
  ['never scales below what in-flight tasks need', { targetBacklogPerReplica: 1_000, ...noDownWindow }, { currentReplicas: 10, backlog: 100, inFlight: 100, concurrencyPerReplica: 10 }, 10, 'HoldInFlight'],
  ['scales down only to what in-flight tasks need', { targetBacklogPerReplica: 1_000, ...noDownWindow }, { currentReplicas: 10, backlog: 60, inFlight: 60, concurrencyPerReplica: 10 }, 6, 'ScaleDown'],
  ['scales up to what in-flight tasks need', { targetBacklogPerReplica: 1_000 }, { currentReplicas: 2, backlog: 50, inFlight: 50, concurrencyPerReplica: 10 }, 5, 'ScaleUpInFlight'],
  ['caps the in-flight floor at maxReplicas', { targetBacklogPerReplica: 1_000, maxReplicas: 4 }, { currentReplicas: 2, backlog: 50, inFlight: 50, concurrencyPerReplica: 10 }, 4, 'ScaleUpInFlight'],

  // Stabilization windows: up follows the lowest recommendation in its window, down the highest.
  ['holds a scale-down until the down window agrees', {}, { currentReplicas: 8, backlog: 20, history: warm({ recommendations: [{ at: NOW - 30_000, replicas: 8 }] }) }, 8, 'HoldStabilization'],
  ['scales down to the highest recommendation in the down window', {}, { currentReplicas: 8, backlog: 20, history: warm({ recommendations: [{ at: NOW - 100_000, replicas: 8 }, { at: NOW - 60_000, replicas: 5 }, { at: NOW - 10_000, replicas: 3 }] }) }, 5, 'ScaleDown'],
  ['holds a scale-up until the up window agrees', { scaleUp: { stabilizationMs: 30_000 } }, { currentReplicas: 2, backlog: 80, history: warm({ recommendations: [{ at: NOW - 10_000, replicas: 2 }] }) }, 2, 'HoldStabilization'],
  ['scales up to the lowest recommendation in the up window', { scaleUp: { stabilizationMs: 30_000 } }, { currentReplicas: 2, backlog: 80, history: warm({ recommendations: [{ at: NOW - 40_000, replicas: 2 }, { at: NOW - 20_000, replicas: 5 }, { at: NOW - 5_000, replicas: 6 }] }) }, 5, 'ScaleUpBacklog'],
  ['holds a scale-down on the first decision (no history after a restart)', {}, { currentReplicas: 8, history: INITIAL_SCALING_STATE }, 8, 'HoldStabilization'],
  ['scales up on the first decision', {}, { currentReplicas: 1, backlog: 50, history: INITIAL_SCALING_STATE }, 5, 'ScaleUpBacklog'],

  // Step limits.
  ['limits a scale-up step in pods', { scaleUp: { stabilizationMs: 0, maxStepPods: 4 } }, { currentReplicas: 2, backlog: 200 }, 6, 'ScaleUpStepLimited'],
  ['limits a scale-up step in percent', { maxReplicas: 50, scaleUp: { stabilizationMs: 0, maxStepPercent: 100 } }, { currentReplicas: 10, backlog: 1_000 }, 20, 'ScaleUpStepLimited'],
  ['takes the larger step with both limits (pods at a small count)', { maxReplicas: 50, scaleUp: { stabilizationMs: 0, maxStepPods: 4, maxStepPercent: 100 } }, { currentReplicas: 2, backlog: 1_000 }, 6, 'ScaleUpStepLimited'],
  ['takes the larger step with both limits (percent at a large count)', { maxReplicas: 50, scaleUp: { stabilizationMs: 0, maxStepPods: 4, maxStepPercent: 100 } }, { currentReplicas: 10, backlog: 1_000 }, 20, 'ScaleUpStepLimited'],
  ['starts a pool at zero under a percent limit', { minReplicas: 0, scaleUp: { stabilizationMs: 0, maxStepPercent: 50 } }, { currentReplicas: 0, backlog: 100 }, 1, 'Activation'],
  ['limits a scale-down step', { scaleDown: { stabilizationMs: 0, maxStepPercent: 50 } }, { currentReplicas: 10 }, 5, 'ScaleDownStepLimited'],
  ['never removes more than the percentage allows', { scaleDown: { stabilizationMs: 0, maxStepPercent: 50 } }, { currentReplicas: 5 }, 3, 'ScaleDownStepLimited'],
  ['adds at least the percentage allows, rounded up', { scaleUp: { stabilizationMs: 0, maxStepPercent: 50 } }, { currentReplicas: 5, backlog: 100 }, 8, 'ScaleUpStepLimited'],
  ['waits for the last step to be ready before the next limited step', { maxReplicas: 50, scaleUp: { stabilizationMs: 0, maxStepPods: 4 } }, { currentReplicas: 6, readyReplicas: 2, backlog: 200, history: warm({ lastScaleUpAt: NOW - 5_000 }) }, 6, 'HoldPodsStarting'],
  ['stops waiting for pods that never become ready', { maxReplicas: 50, scaleUp: { stabilizationMs: 0, maxStepPods: 4 } }, { currentReplicas: 6, readyReplicas: 2, backlog: 200, history: warm({ lastScaleUpAt: NOW - 61_000 }) }, 10, 'ScaleUpStepLimited'],
  ['does not wait for starting pods without a step limit', { maxReplicas: 50 }, { currentReplicas: 6, readyReplicas: 2, backlog: 200, history: warm({ lastScaleUpAt: NOW - 5_000 }) }, 20, 'ScaleUpBacklog'],

  // The drain-time rule: backlog / drain time + arrivals <= replicas x throughput per replica.
  ['sizes the pool to clear the backlog within the drain time', { targetBacklogPerReplica: 1_000, targetDrainTimeMs: 60_000 }, { currentReplicas: 1, backlog: 600, arrivalRate: 50, throughputPerReplica: 10 }, 6, 'ScaleUpDrainTime'],
  ['keeps up with a steady stream before a backlog builds', { targetBacklogPerReplica: 1_000, targetDrainTimeMs: 60_000 }, { currentReplicas: 1, arrivalRate: 50, throughputPerReplica: 10 }, 5, 'ScaleUpDrainTime'],
  ['falls back to the backlog target while throughput is unknown', { targetBacklogPerReplica: 100, targetDrainTimeMs: 60_000 }, { currentReplicas: 1, backlog: 600, arrivalRate: 50 }, 6, 'ScaleUpBacklog'],
  ['follows the backlog rule when it asks for more than the drain rule', { maxReplicas: 100, targetDrainTimeMs: 60_000 }, { currentReplicas: 1, backlog: 600, arrivalRate: 0, throughputPerReplica: 100 }, 60, 'ScaleUpBacklog'],
  ['ignores the drain rule when it is off', { targetBacklogPerReplica: 1_000 }, { currentReplicas: 1, backlog: 600, arrivalRate: 50, throughputPerReplica: 10 }, 1, 'Steady'],
  ['distrusts negative or non-numeric rates and concurrency', { maxReplicas: 50, targetBacklogPerReplica: 1_000, targetDrainTimeMs: 60_000 }, { currentReplicas: 1, backlog: 600, inFlight: 20, arrivalRate: -5, throughputPerReplica: Number.NaN, concurrencyPerReplica: 0 }, 20, 'ScaleUpInFlight'],

  // Observations that make no sense hold the last decision, within the policy's bounds.
  ['holds on a backlog that is not a number', {}, { currentReplicas: 4, backlog: Number.NaN, history: warm({ last: { at: NOW - 1_000, replicas: 3, reason: 'Steady', message: '' } }) }, 3, 'HoldInvalidObservation'],
  ['holds on a negative in-flight count', {}, { currentReplicas: 4, inFlight: -1, history: INITIAL_SCALING_STATE }, 4, 'HoldInvalidObservation'],
  ['keeps a held count within the bounds', { maxReplicas: 5 }, { currentReplicas: 9, backlog: Number.POSITIVE_INFINITY, history: INITIAL_SCALING_STATE }, 5, 'HoldInvalidObservation'],
  // A paused queue: its waiting tasks and arrivals are no demand; never a scale-up past min.
  ['starts no replica from zero for a paused backlog', { minReplicas: 0, activationBacklog: 5 }, { currentReplicas: 0, backlog: 1_000, arrivalRate: 50, paused: true }, 0, 'BelowActivation'],
  ['does not scale a paused queue up for its backlog', noDownWindow, { currentReplicas: 2, backlog: 1_000, paused: true }, 1, 'ScaleDown'],
  ['holds a paused queue whose running tasks alone would ask for more', { targetBacklogPerReplica: 5 }, { currentReplicas: 1, backlog: 1_000, inFlight: 16, paused: true }, 1, 'HoldPaused'],
  ['scales a paused idle pool to zero after the cooldown', { minReplicas: 0 }, { currentReplicas: 1, backlog: 500, paused: true, history: warm({ idleSince: NOW - 120_000 }) }, 0, 'ScaleToZeroAfterCooldown'],
  ['still raises a paused pool to minReplicas', { minReplicas: 2 }, { currentReplicas: 0, backlog: 100, paused: true }, 2, 'ScaleUpToMin'],
];

describe('decide', () => {
  it.each(rows)('%s', (_name, policyInput, observed, replicas, reason) => {
    const decision = decide(input(observed), resolvePolicy(policyInput));
    expect({ replicas: decision.replicas, reason: decision.reason }).toEqual({ replicas, reason });
    expect(decision.message.length).toBeGreaterThan(0);
  });

  it('reports what each rule asked for', () => {
    const decision = decide(
      input({ currentReplicas: 2, backlog: 600, inFlight: 30, arrivalRate: 50, throughputPerReplica: 10 }),
      resolvePolicy({ maxReplicas: 100, targetDrainTimeMs: 60_000 }),
    );
    expect(decision.rules).toEqual({ backlog: 60, drainTime: 6, inFlight: 2, recommendation: 60 });
  });

  it('says the numbers behind the reason', () => {
    const decision = decide(input({ currentReplicas: 2, backlog: 70, inFlight: 32 }), resolvePolicy());
    expect(decision.message).toBe('backlog 70, 32 in flight: 7 replicas at 10 tasks each');
  });

  it('remembers the decision, the recommendation and when it scaled', () => {
    const { nextState } = decide(input({ currentReplicas: 2, backlog: 70 }), resolvePolicy());
    expect(nextState).toMatchObject({
      recommendations: [{ at: NOW, replicas: 7 }],
      lastScaleUpAt: NOW,
      last: { at: NOW, replicas: 7, reason: 'ScaleUpBacklog' },
    });
    expect(nextState.idleSince).toBeUndefined();
  });

  it('starts the idle clock at the first poll without work and keeps it', () => {
    const policy = resolvePolicy({ minReplicas: 0 });
    const first = decide(input({ currentReplicas: 1 }), policy);
    expect(first.nextState.idleSince).toBe(NOW);
    const later = decide(input({ now: NOW + 5_000, currentReplicas: 1, history: first.nextState }), policy);
    expect(later.nextState.idleSince).toBe(NOW);
    const busy = decide(input({ now: NOW + 6_000, currentReplicas: 1, backlog: 1, history: later.nextState }), policy);
    expect(busy.nextState.idleSince).toBeUndefined();
  });

  it('keeps the history one entry long under a steady load', () => {
    const policy = resolvePolicy();
    let history = WARM;
    for (let i = 0; i < 500; i++) {
      history = decide(input({ now: NOW + i * 1_000, currentReplicas: 5, backlog: 50, history }), policy).nextState;
    }
    expect(history.recommendations).toEqual([{ at: NOW + 499_000, replicas: 5 }]);
  });

  it('forgets recommendations older than the longest window', () => {
    const policy = resolvePolicy({ scaleDown: { stabilizationMs: 10_000 } });
    let history = WARM;
    for (let i = 0; i < 30; i++) {
      history = decide(input({ now: NOW + i * 1_000, currentReplicas: 5, backlog: i * 10, history }), policy).nextState;
    }
    expect(history.recommendations.every((r) => r.at > NOW + 29_000 - 10_000)).toBe(true);
    expect(history.recommendations.length).toBeLessThanOrEqual(10);
  });
});

describe('holdOnError', () => {
  it('keeps the last decision and says why', () => {
    const state = warm({ last: { at: NOW - 1_000, replicas: 7, reason: 'ScaleUpBacklog', message: '' } });
    const held = holdOnError(state, NOW, 3, 'NATS unreachable');
    expect(held).toMatchObject({ replicas: 7, reason: 'HoldObservationsUnavailable', message: 'NATS unreachable: holding 7 replicas' });
    expect(held.nextState.last).toMatchObject({ at: NOW, replicas: 7 });
  });

  it('keeps the current count before any decision', () => {
    expect(holdOnError(INITIAL_SCALING_STATE, NOW, 3).replicas).toBe(3);
  });

  it('restarts the idle clock, so an outage never counts as quiet time', () => {
    const policy = resolvePolicy({ minReplicas: 0 });
    const idle = warm({ idleSince: NOW - 115_000 });
    const held = holdOnError(idle, NOW, 1);
    expect(held.nextState.idleSince).toBeUndefined();
    const after = decide(input({ now: NOW + 10_000, currentReplicas: 1, history: held.nextState }), policy);
    expect(after).toMatchObject({ replicas: 1, reason: 'HoldZeroCooldown' });
    expect(after.nextState.idleSince).toBe(NOW + 10_000);
  });

  it('keeps the stabilization history across the outage', () => {
    const state = warm({ recommendations: [{ at: NOW - 10_000, replicas: 8 }] });
    const held = holdOnError(state, NOW, 8);
    const after = decide(input({ now: NOW + 1_000, currentReplicas: 8, history: held.nextState }), resolvePolicy());
    expect(after).toMatchObject({ replicas: 8, reason: 'HoldStabilization' });
  });
});
