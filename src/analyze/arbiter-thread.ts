import { Worker } from 'node:worker_threads';
import type { Limits } from '../limits.js';
import type { CompileVerdict } from './arbiter.js';
import type { ArbiterItem } from './arbiter-worker.js';
import { threadResourceLimits, threadUrl } from './threads.js';

interface Request {
  item: ArbiterItem;
  resolve: (verdict: CompileVerdict) => void;
}

/** Time the thread gets to start, on top of the first file's budget. */
const STARTUP_GRACE_MS = 30_000;

/**
 * Flags of the arbiter's thread: ES module compilation (`vm.SourceTextModule`), without its
 * experimental-feature warning on our stderr. A Node that no longer knows a flag does not get it
 * (a module verdict is then undecided, and the file stays unread code).
 */
function arbiterFlags(): string[] {
  return ['--experimental-vm-modules', '--no-warnings'].filter((f) => process.allowedNodeEnvironmentFlags.has(f));
}

/**
 * One thread, started on first use, that asks V8 whether files Babel could not parse compile the way
 * Node would load them. The analysis workers' limits apply (heap, stack, per-file time): a file that
 * exhausts them gets an undecided verdict, the thread is replaced, and the next file goes on.
 */
export class ArbiterThread {
  private readonly limits: Limits;
  private worker: Worker | undefined;
  private ready = false;
  private readonly queue: Request[] = [];
  private current: Request | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private closed = false;

  constructor(limits: Limits) {
    this.limits = limits;
  }

  /** V8's verdict on one file. Never rejects: trouble is an undecided verdict. */
  judge(path: string, data: Uint8Array): Promise<CompileVerdict> {
    if (this.closed) return Promise.resolve({ kind: 'undecided', why: 'the analysis pool is closed' });
    return new Promise((resolve) => {
      this.queue.push({ item: { id: this.nextId++, path, data }, resolve });
      this.pump();
    });
  }

  /** Stops the thread; files still waiting get an undecided verdict. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    for (const r of this.queue.splice(0)) r.resolve({ kind: 'undecided', why: 'the analysis pool is closed' });
    this.finish({ kind: 'undecided', why: 'the analysis pool is closed' });
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private pump(): void {
    if (this.current || this.closed) return;
    const next = this.queue.shift();
    if (!next) {
      this.worker?.unref();
      return;
    }
    let worker: Worker;
    try {
      worker = this.worker ?? this.spawn();
    } catch (err) {
      // No thread can be started (a Node that rejects its flags, no resources): nothing is decided.
      next.resolve({ kind: 'undecided', why: `the V8 check thread could not start: ${(err as Error).message}` });
      this.pump();
      return;
    }
    worker.ref();
    this.current = next;
    this.arm();
    worker.postMessage(next.item);
  }

  private spawn(): Worker {
    const worker = new Worker(threadUrl('arbiter-worker.js'), {
      execArgv: arbiterFlags(),
      resourceLimits: threadResourceLimits(this.limits),
      stdout: false,
      stderr: false,
    });
    this.ready = false;
    worker.on('message', (msg: { ready: true } | { id: number; verdict: CompileVerdict }) => {
      if ('ready' in msg) {
        this.ready = true;
        if (this.current) this.arm();
      } else if (this.current?.item.id === msg.id) {
        this.finish(msg.verdict);
        this.pump();
      }
    });
    worker.on('error', (err) => this.onDeath(worker, err.message));
    worker.on('exit', (code) => this.onDeath(worker, `exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private arm(): void {
    clearTimeout(this.timer);
    const worker = this.worker;
    this.timer = setTimeout(() => {
      this.finish({ kind: 'undecided', why: `the V8 check timed out after ${this.limits.fileTimeoutMs} ms` });
      this.replace(worker);
    }, this.limits.fileTimeoutMs + (this.ready ? 0 : STARTUP_GRACE_MS));
  }

  private finish(verdict: CompileVerdict): void {
    clearTimeout(this.timer);
    const done = this.current;
    this.current = undefined;
    done?.resolve(verdict);
  }

  private onDeath(worker: Worker, why: string): void {
    if (worker !== this.worker) return;
    this.finish({ kind: 'undecided', why: `the V8 check thread ${why}` });
    this.replace(worker);
  }

  /** Drops a thread that timed out or died; the next file starts a new one. */
  private replace(worker: Worker | undefined): void {
    if (worker && worker === this.worker) {
      this.worker = undefined;
      void worker.terminate();
    }
    this.pump();
  }
}
