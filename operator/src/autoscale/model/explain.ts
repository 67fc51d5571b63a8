/**
 * Why a decision came out as it did: the reason code and the sentence for status and logs,
 * read off the intermediate values of one decision.
 */
import type { RuleReplicas, ScalingReason } from './decision.ts';
import type { ScalingPolicy } from './policy.ts';

/** The intermediate values of one decision, in the order `decide` computes them. */
export interface Trace {
  readonly policy: ScalingPolicy;
  readonly now: number;
  readonly current: number;
  readonly ready: number;
  readonly backlog: number;
  readonly inFlight: number;
  readonly concurrency: number;
  readonly arrivalRate: number | undefined;
  readonly throughputPerReplica: number | undefined;
  readonly idleSince: number | undefined;
  readonly rules: RuleReplicas;
  /** The larger of the backlog and drain-time rules, before any bound. */
  readonly demand: number;
  /** After the stabilization windows. */
  readonly windowed: number;
  /** After the step limits (or the pods-starting hold). */
  readonly stepped: number;
  readonly podsStarting: boolean;
  readonly replicas: number;
}

export function reasonFor(t: Trace): ScalingReason {
  const { current, replicas, rules, demand, policy } = t;
  const { recommendation } = rules;
  if (replicas > current) {
    if (current === 0 && t.backlog > policy.activationBacklog) return 'Activation';
    if (demand > policy.maxReplicas && replicas === policy.maxReplicas) return 'AtMax';
    if (t.stepped < t.windowed) return 'ScaleUpStepLimited';
    if (rules.inFlight >= replicas && rules.inFlight > demand) return 'ScaleUpInFlight';
    if (policy.minReplicas >= replicas && policy.minReplicas > demand) return 'ScaleUpToMin';
    return drainTimeLeads(rules) ? 'ScaleUpDrainTime' : 'ScaleUpBacklog';
  }
  if (replicas < current) {
    if (current > policy.maxReplicas && replicas === policy.maxReplicas) return 'AtMax';
    return t.stepped > t.windowed ? 'ScaleDownStepLimited' : 'ScaleDown';
  }
  if (recommendation > current) return t.podsStarting ? 'HoldPodsStarting' : 'HoldStabilization';
  if (recommendation < current) return 'HoldStabilization';
  if (demand > current) return 'AtMax';
  if (demand < current) {
    if (rules.inFlight >= current) return 'HoldInFlight';
    if (policy.minReplicas >= current) return 'AtMin';
    return 'HoldZeroCooldown';
  }
  return 'Steady';
}

export function describe(reason: ScalingReason, t: Trace): string {
  const { policy: p, rules } = t;
  const load = `backlog ${t.backlog}, ${t.inFlight} in flight`;
  switch (reason) {
    case 'Activation':
      return `backlog ${t.backlog} is above the activation threshold ${p.activationBacklog}: starting ${t.replicas} replicas`;
    case 'BelowActivation':
      return `backlog ${t.backlog} is not above the activation threshold ${p.activationBacklog}: staying at zero`;
    case 'ScaleUpBacklog':
      return `${load}: ${t.replicas} replicas at ${p.targetBacklogPerReplica} tasks each`;
    case 'ScaleUpDrainTime':
      return `${load}, ${perSecond(t.arrivalRate)} arriving, ${perSecond(t.throughputPerReplica)} per replica: ${t.replicas} replicas clear the backlog within ${seconds(p.targetDrainTimeMs ?? 0)}`;
    case 'ScaleUpInFlight':
    case 'HoldInFlight':
      return `${t.inFlight} tasks in flight need ${rules.inFlight} replicas at concurrency ${t.concurrency}`;
    case 'ScaleUpToMin':
    case 'AtMin':
      return `${load}: ${t.demand} replicas wanted, minReplicas is ${p.minReplicas}`;
    case 'AtMax':
      return `${load}: ${t.demand} replicas wanted, maxReplicas is ${p.maxReplicas}`;
    case 'ScaleUpStepLimited':
    case 'ScaleDownStepLimited':
      return `${load}: ${t.windowed} replicas wanted, one step goes to ${t.replicas}`;
    case 'ScaleDown':
      return `${load}: ${t.replicas} replicas, the highest recommendation of the last ${seconds(p.scaleDown.stabilizationMs)}`;
    case 'ScaleToZeroAfterCooldown':
      return `no backlog, nothing in flight and nothing arriving for ${seconds(p.scaleToZeroCooldownMs)}: scaling to zero`;
    case 'HoldZeroCooldown':
      return t.idleSince === undefined
        ? `no backlog, but ${perSecond(t.arrivalRate)} arriving: one replica stays`
        : `no work for ${seconds(t.now - t.idleSince)}: scaling to zero after ${seconds(p.scaleToZeroCooldownMs)}`;
    case 'HoldStabilization': {
      const window = rules.recommendation > t.current ? p.scaleUp : p.scaleDown;
      return `${load}: ${rules.recommendation} replicas recommended, not yet for the whole ${seconds(window.stabilizationMs)} window`;
    }
    case 'HoldPodsStarting':
      return `${t.ready} of ${t.current} replicas ready: the next step waits for the last step's pods`;
    case 'Steady':
      return `${load}: ${t.current} replicas fit`;
    case 'HoldPaused':
      return `queue paused: ${t.current} replicas hold, ${t.inFlight} tasks in flight, no scale-up until it resumes`;
    case 'HoldObservationsUnavailable':
    case 'HoldInvalidObservation':
      return `${load}: holding`;
  }
}

/** Whether the drain-time rule asked for more than the backlog rule. */
export function drainTimeLeads(rules: RuleReplicas): boolean {
  return rules.drainTime !== undefined && rules.drainTime > rules.backlog;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

function perSecond(rate: number | undefined): string {
  return rate === undefined ? 'unknown/s' : `${Math.round(rate * 10) / 10}/s`;
}
