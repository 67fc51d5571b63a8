/**
 * The autoscaler's pure decision logic: policy, rate estimates, the decision and a simulator.
 * Reading JetStream and patching Deployments belong to the adapters that call this.
 */
export {
  DEFAULT_RATE_ESTIMATOR_OPTIONS,
  DEFAULT_SCALING_POLICY,
  InvalidScalingPolicy,
  MIN_POLL_INTERVAL_MS,
  POD_START_GRACE_MS,
  SCALING_TOLERANCE,
  resolvePolicy,
  type RateEstimatorOptions,
  type ScaleDirection,
  type ScalingPolicy,
  type ScalingPolicyInput,
} from './policy.ts';
export {
  INITIAL_SCALING_STATE,
  type Decision,
  type DecisionInput,
  type LastDecision,
  type Recommendation,
  type RuleReplicas,
  type ScalingReason,
  type ScalingState,
} from './decision.ts';
export { decide, holdOnError } from './decide.ts';
export {
  INITIAL_RATE_ESTIMATES,
  estimateRates,
  updateRates,
  type QueueObservation,
  type RateEstimates,
  type ArrivalPoint,
} from './rates.ts';
export { simulate, type SimulationConfig, type SimulationStep } from './simulate.ts';
