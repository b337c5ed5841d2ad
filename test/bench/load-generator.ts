import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stopOnCleanup, type Cleanup } from './harness';
import type { LoadPlan, LoadReply, LoadRequest, LoadResult } from './load-protocol';

/** How long the child may take to start (tsx compiles it first). */
const START_TIMEOUT_MS = 60_000;
/** A run that takes this much longer than its plan is a hung child. */
const RUN_SLACK_MS = 60_000;

/** The load generator (load-child.ts) in its own process, one run at a time. */
export class LoadGenerator {
  private nextId = 1;

  private constructor(private readonly child: ChildProcess) {}

  static async start(cleanup: Cleanup): Promise<LoadGenerator> {
    const child = fork(path.join(__dirname, 'load-child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    stopOnCleanup(cleanup, `load generator ${child.pid}`, child, { type: 'close', id: 0 } satisfies LoadRequest);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the load generator did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      child.on('message', (raw: unknown) => {
        if ((raw as LoadReply).type !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the load generator exited while starting (code ${code}, signal ${signal})`));
      });
    });
    return new LoadGenerator(child);
  }

  /** Runs the plan; `onMeasuring` is called as the measured phase begins (after the warm-up). */
  run(plan: LoadPlan, onMeasuring: () => void): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise<LoadResult>((resolve, reject) => {
      const done = (action: () => void) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        action();
      };
      const onMessage = (raw: unknown) => {
        const reply = raw as LoadReply;
        if (reply.type === 'ready' || reply.id !== id) return;
        if (reply.type === 'measuring') onMeasuring();
        else if (reply.type === 'result') done(() => resolve(reply.result));
        else done(() => reject(new Error(`load generator: ${reply.message}`)));
      };
      const onExit = (code: number | null, signal: string | null) => done(() => reject(new Error(`the load generator exited (code ${code}, signal ${signal})`)));
      const timer = setTimeout(() => done(() => reject(new Error('the load generator did not finish its run'))), plan.warmupMs + plan.durationMs + RUN_SLACK_MS);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ type: 'run', id, ...plan } satisfies LoadRequest);
    });
  }
}
