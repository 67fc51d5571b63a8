import { defineConfig } from 'vitest/config';
import RetriedReporter from './test/support/retried-reporter.ts';

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
    // No global retry: a loss, duplicate, exactly-once or chaos assertion that fails once has
    // found a bug, and a retry would hide it. A test that measures a timing on the shared machine
    // opts in with RETRY_TIMING_ONLY (test/support/timing-retry.ts), which retries only its
    // assertions tagged TIMING, and a comment saying why; docs/testing.md lists them.
    retry: 0,
    // One `api` control plane (etcd + kube-apiserver) shared by every test file that asks for it.
    globalSetup: ['test/support/kube-global-setup.ts'],
    // 'default', then the list of tests that passed only on retry (test-results/retried.json).
    reporters: ['default', new RetriedReporter()],
  },
});
