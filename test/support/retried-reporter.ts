import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Reporter, TestCase, Vitest } from 'vitest/node';

/** Where the list goes unless the config says otherwise; CI keeps `test-results/`. */
export const RETRIED_FILE = 'test-results/retried.json';

/** What the reporter keeps of a finished test: enough to decide whether it passed only on retry. */
export interface FinishedTest {
  /** Test file, relative to the project root. */
  file: string;
  /** Full name: describe blocks and the test, joined with ` > `. */
  name: string;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  /** Attempts after the first (0: it ran once). */
  retryCount: number;
}

/** One test that failed, was retried, and passed: a timing that slipped, or a flaw to look at. */
export interface RetriedTest {
  file: string;
  name: string;
  retries: number;
}

/** The tests that passed only on a retry, sorted by file then name (a failure after retries is a failure, not listed). */
export function passedOnRetry(tests: Iterable<FinishedTest>): RetriedTest[] {
  return [...tests]
    .filter((t) => t.state === 'passed' && t.retryCount > 0)
    .map((t) => ({ file: t.file, name: t.name, retries: t.retryCount }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.name.localeCompare(b.name));
}

/** The lines printed at the end of the run: a count, the list file, then one line per test. */
export function retrySummary(retried: readonly RetriedTest[], file: string): string[] {
  if (retried.length === 0) return [`[retried] no test passed only on retry (list: ${file})`];
  return [
    `[retried] ${retried.length} test(s) passed only on retry (list: ${file}):`,
    ...retried.map((t) => `  ${t.file} > ${t.name} (${t.retries} ${t.retries === 1 ? 'retry' : 'retries'})`),
  ];
}

/**
 * A vitest reporter, next to 'default': at the end of every run it writes the tests that passed
 * only on retry to a JSON file (an empty list when none did, so a stale list never survives) and
 * prints them. Only timing tests opt in to a retry (see docs/testing-cluster.md); this keeps
 * each one that needed it visible.
 */
export default class RetriedReporter implements Reporter {
  private readonly finished = new Map<string, FinishedTest>();
  private readonly outputFile: string;
  private root = process.cwd();
  private print: (line: string) => void = (line) => console.log(line);

  constructor(options: { outputFile?: string | undefined } = {}) {
    this.outputFile = options.outputFile ?? RETRIED_FILE;
  }

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.print = (line) => vitest.logger.log(line);
  }

  onTestCaseResult(test: TestCase): void {
    const file = relative(this.root, test.module.moduleId);
    // Keyed by file and name: a re-run (watch mode) replaces the earlier result.
    this.finished.set(`${file}\0${test.fullName}`, {
      file,
      name: test.fullName,
      state: test.result().state,
      retryCount: test.diagnostic()?.retryCount ?? 0,
    });
  }

  onTestRunEnd(): void {
    const retried = passedOnRetry(this.finished.values());
    const path = resolve(this.root, this.outputFile);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(retried, null, 2)}\n`);
    for (const line of retrySummary(retried, relative(this.root, path))) this.print(line);
    this.finished.clear();
  }
}
