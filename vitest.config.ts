import { defineConfig } from 'vitest/config';

// One runner for unit, integration and end-to-end tests. Integration tests start their own
// servers (nats-server, etcd + kube-apiserver) on free loopback ports; see test/support/.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers only add contention with the servers the tests start.
    maxWorkers: 2,
    // The integration, end-to-end and chaos suites run real servers on 2 shared cores, where a
    // timing can slip under load; a failure that is real fails its retry too. Each retry is
    // reported by vitest, so flakiness stays visible rather than hidden.
    retry: 1,
    // One `api` control plane (etcd + kube-apiserver) shared by every test file that asks for it.
    globalSetup: ['test/support/kube-global-setup.ts'],
    reporters: ['default'],
  },
});
