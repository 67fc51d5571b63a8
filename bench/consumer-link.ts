import { fork, type ChildProcess } from 'node:child_process';
import type { ConsumeRequest, ConsumeResult, FromConsumer, ToConsumer } from './consumer-messages.ts';

export interface ConsumeRun {
  /** Resolves once the consumer is pulling (so a producer may start). */
  consuming: Promise<void>;
  finished: Promise<ConsumeResult>;
}

/** The parent's handle on a consumer process: one consume request at a time. */
export class ConsumerLink {
  private readonly child: ChildProcess;
  private listener: ((m: FromConsumer) => void) | undefined;
  private readonly exited: Promise<void>;

  constructor(execArgv: string[]) {
    this.child = fork(new URL('./consumer-process.ts', import.meta.url), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FromConsumer) => this.listener?.(m));
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
    void this.exited.then(() => this.listener?.({ type: 'failed', error: 'consumer process exited' }));
  }

  consume(req: Omit<ConsumeRequest, 'type'>): ConsumeRun {
    let onConsuming!: () => void;
    let fail!: (e: Error) => void;
    const consuming = new Promise<void>((resolve, reject) => {
      onConsuming = resolve;
      fail = reject;
    });
    const finished = new Promise<ConsumeResult>((resolve, reject) => {
      this.listener = (m) => {
        if (m.type === 'consuming') return onConsuming();
        this.listener = undefined;
        if (m.type === 'finished') return resolve(m);
        const err = new Error(`consumer failed: ${m.error}`);
        fail(err);
        reject(err);
      };
    });
    // A failure before 'consuming' rejects both; keep the second rejection from going unhandled.
    finished.catch(() => undefined);
    this.send({ type: 'consume', ...req });
    return { consuming, finished };
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) this.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private send(m: ToConsumer): void {
    this.child.send(m);
  }
}
