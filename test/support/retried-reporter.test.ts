import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { passedOnRetry, retrySummary, type FinishedTest } from './retried-reporter.ts';

const root = join(import.meta.dirname, '..', '..');

describe('passedOnRetry', () => {
  const t = (name: string, state: FinishedTest['state'], retryCount: number, file = 'test/a.test.ts'): FinishedTest => ({ file, name, state, retryCount });

  it('lists a test that passed after a retry, and not one that passed at once, failed, or was skipped', () => {
    expect(
      passedOnRetry([t('once', 'passed', 0), t('retried', 'passed', 1), t('failed twice', 'failed', 1), t('skipped', 'skipped', 0)]),
    ).toEqual([{ file: 'test/a.test.ts', name: 'retried', retries: 1 }]);
  });

  it('sorts by file, then name', () => {
    const list = passedOnRetry([t('b', 'passed', 1, 'z.test.ts'), t('b', 'passed', 2), t('a', 'passed', 1)]);
    expect(list.map((r) => `${r.file}:${r.name}`)).toEqual(['test/a.test.ts:a', 'test/a.test.ts:b', 'z.test.ts:b']);
  });
});

describe('retrySummary', () => {
  it('says when no test needed a retry, naming the list file', () => {
    expect(retrySummary([], 'test-results/retried.json')).toEqual(['[retried] no test passed only on retry (list: test-results/retried.json)']);
  });

  it('names each retried test with its file and retry count', () => {
    const lines = retrySummary([{ file: 'test/e2e/x.test.ts', name: 'd > t', retries: 1 }], 'r.json');
    expect(lines).toEqual(['[retried] 1 test(s) passed only on retry (list: r.json):', '  test/e2e/x.test.ts > d > t (1 retry)']);
  });
});

describe('the reporter in a vitest run', () => {
  it('lists the tests that failed once and passed on their retry, and fails a correctness assertion that a timing retry must not hide', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'retried-')), 'retried.json');
    const vitest = spawn(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/support/fixtures/retried/vitest.config.ts'], {
      cwd: root,
      env: { ...process.env, CELERIAC_RETRIED_FILE: out, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    vitest.stdout.on('data', (b: Buffer) => (output += b.toString()));
    vitest.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const [code] = await once(vitest, 'exit');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([
      { file: 'correctness.fixture.ts', name: 'misses a timing once, then passes on its retry', retries: 1 },
      { file: 'flaky.fixture.ts', name: 'fixture > fails once, then passes on its retry', retries: 1 },
    ]);
    expect(output).toContain('[retried] 2 test(s) passed only on retry');
    expect(output).toContain('flaky.fixture.ts > fixture > fails once, then passes on its retry (1 retry)');
    // RETRY_TIMING_ONLY: the untagged failure was not retried, so the run fails.
    expect(output).toMatch(/FAIL\s+correctness\.fixture\.ts > fails a correctness assertion once/);
    expect(output).toMatch(/Tests\s+1 failed \| 3 passed/);
    expect(code).toBe(1);
  });
});
