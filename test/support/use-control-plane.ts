import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { connectControlPlane, startControlPlane, type ControlPlane, type StartOptions } from './kube.ts';
import './kube-global-setup.ts'; // for the type of inject('celeriacKube')

const START_TIMEOUT_MS = 180_000;

/**
 * A control plane for the test file: the run's shared `api` one when the kube globalSetup is
 * wired (and `profile` is `api`), else one started for this file and stopped after it, keeping
 * its logs when a test failed. Call at the top of a describe block; use the getter in tests.
 */
export function useControlPlane(opts: StartOptions = {}): () => ControlPlane {
  let cp: ControlPlane | undefined;
  let anyFailed = false;
  beforeEach(({ onTestFailed }) =>
    onTestFailed(() => {
      anyFailed = true;
    }),
  );
  beforeAll(async () => {
    let shared: ReturnType<typeof inject<'celeriacKube'>> | undefined;
    try {
      shared = inject('celeriacKube');
    } catch {
      shared = undefined; // globalSetup not wired
    }
    cp = shared && (opts.profile ?? 'api') === 'api' ? connectControlPlane(shared) : await startControlPlane(opts);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await cp?.stop({ keepLogs: anyFailed });
  });
  return () => {
    if (!cp) throw new Error('control plane not started: call useControlPlane() in a describe block and use it inside tests');
    return cp;
  };
}
