// Vitest globalSetup: one `api` control plane for the whole run, shared by every test file that
// calls useControlPlane() (each file works in its own namespaces). Wire it in vitest.config.ts as
// `globalSetup: ['test/support/kube-global-setup.ts']`. CELERIAC_SHARED_KUBE=0 turns it off, and
// then each file starts its own.
import type { TestProject } from 'vitest/node';
import { startControlPlane, type ControlPlaneInfo } from './kube.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    celeriacKube: ControlPlaneInfo | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.CELERIAC_SHARED_KUBE === '0') {
    project.provide('celeriacKube', null);
    return async () => {};
  }
  const cp = await startControlPlane({ profile: 'api' });
  project.provide('celeriacKube', {
    profile: cp.profile,
    dir: cp.dir,
    server: cp.server,
    token: cp.token,
    kubeconfigPath: cp.kubeconfigPath,
    caPath: cp.caPath,
    binDir: cp.binDir,
    kubectlPath: cp.kubectlPath,
    helmPath: cp.helmPath,
    version: cp.version,
  });
  return async () => {
    // Keep the API server's logs when anything failed: they often explain a failed test.
    await cp.stop({ keepLogs: project.vitest.state.getCountOfFailedTests() > 0 });
  };
}
