import { Worker } from 'node:worker_threads';
import type { Limits } from '../limits.js';
import { applyVerdict, needsVerdict } from './arbiter.js';
import { ArbiterThread } from './arbiter-thread.js';
import type { FileAnalysis } from './file.js';
import { nodeSourceKinds } from './source.js';
import { threadResourceLimits, threadUrl } from './threads.js';
import type { WorkerItem } from './worker.js';

/** Small files travel in batches: a message per 400-byte file would cost more than its parse. */
const BATCH_BYTES = 256 * 1024;
const BATCH_FILES = 64;

/** A file to analyse. */
export interface PoolTask {
  path: string;
  data: Uint8Array;
}

interface Job {
  id: number;
  task: PoolTask;
  resolve: (result: FileAnalysis | Promise<FileAnalysis>) => void;
}

interface Slot {
  worker: Worker;
  running: Job[];
  timer: NodeJS.Timeout | undefined;
  /** When the current batch was handed over (undefined: idle). */
  busySince?: number;
  /** The worker has loaded its modules; until then its start-up does not count against a file's budget. */
  ready: boolean;
}

/** Time a new worker gets to load the parser, on top of the first file's budget (a loaded machine is slow to start threads). */
const STARTUP_GRACE_MS = 30_000;

/** How busy the pool was: for benchmarks (worker utilisation while there was work). */
export interface PoolStats {
  workers: number;
  /** Files and bytes handed to the workers. */
  files: number;
  bytes: number;
  /** Summed time workers held a batch. */
  busyMs: number;
  /** Wall time during which at least one worker held a batch. */
  activeMs: number;
}

/**
 * Runs the lexical fallback for a file whose worker died, so its result is never empty. The engine
 * modules it needs load here, on first use: a pool that never parses (a warm audit) never loads them.
 */
async function fallback(task: PoolTask, reason: string, message: string): Promise<FileAnalysis> {
  const [{ defaultCatalogIndex }, { lexicalScan }, { FindingCollector }, { decodeSource }] = await Promise.all([
    import('./catalog-index.js'),
    import('./lexical.js'),
    import('./match.js'),
    import('./parse.js'),
  ]);
  const decoded = decodeSource(task.data);
  const out = new FindingCollector(task.path, decoded.text);
  if (!decoded.binary) lexicalScan(decoded.text, defaultCatalogIndex(), out);
  return {
    findings: out.findings,
    errors: [{ file: task.path, reason, message: `${task.path}: ${message}; lexical scan only` }],
    anomalies: [],
    imports: [],
  };
}

/**
 * A worker_threads pool for parsing and analysis: a large stack for deep nesting, a heap limit, a
 * per-file timeout. A hostile file can kill its worker, never the process: the file gets an error and
 * a lexical scan, the worker is replaced, and the rest of its batch is re-queued.
 */
export class AnalysisPool {
  private readonly size: number;
  private readonly limits: Limits;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly counters = { files: 0, bytes: 0, busyMs: 0, activeMs: 0 };
  private busySlots = 0;
  private activeSince = 0;
  /** Started the first time a file needs V8's verdict. */
  private arbiter: ArbiterThread | undefined;

  constructor(limits: Limits, size = limits.workers) {
    this.limits = limits;
    this.size = Math.max(1, size);
  }

  /** Analyses files; results come back in the order of `tasks`. */
  analyze(tasks: readonly PoolTask[]): Promise<FileAnalysis[]> {
    if (this.closed) return Promise.reject(new Error('analysis pool is closed'));
    const promises = tasks.map(
      (task) => new Promise<FileAnalysis>((resolve) => this.queue.push({ id: this.nextId++, task, resolve })),
    );
    this.pump();
    return Promise.all(promises);
  }

  /** Utilisation so far. */
  stats(): PoolStats {
    const now = performance.now();
    const open = this.slots.reduce((sum, s) => sum + (s.busySince === undefined ? 0 : now - s.busySince), 0);
    return {
      workers: this.size,
      files: this.counters.files,
      bytes: this.counters.bytes,
      busyMs: this.counters.busyMs + open,
      activeMs: this.counters.activeMs + (this.busySlots > 0 ? now - this.activeSince : 0),
    };
  }

  private setBusy(slot: Slot, busy: boolean): void {
    const now = performance.now();
    if (busy && slot.busySince === undefined) {
      slot.busySince = now;
      if (this.busySlots++ === 0) this.activeSince = now;
    } else if (!busy && slot.busySince !== undefined) {
      this.counters.busyMs += now - slot.busySince;
      slot.busySince = undefined;
      if (--this.busySlots === 0) this.counters.activeMs += now - this.activeSince;
    }
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const s of slots) this.setBusy(s, false);
    await Promise.all([...slots.map((s) => { clearTimeout(s.timer); return s.worker.terminate(); }), this.arbiter?.close()]);
  }

  private pump(): void {
    for (const slot of this.slots) if (slot.running.length === 0) this.dispatch(slot);
    while (this.queue.length > 0 && this.slots.length < this.size) this.dispatch(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(threadUrl('worker.js'), {
      resourceLimits: threadResourceLimits(this.limits),
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, running: [], timer: undefined, ready: false };
    worker.on('message', (msg: { id: number; result: FileAnalysis } | { ready: true }) => {
      if ('ready' in msg) {
        slot.ready = true;
        if (slot.running.length > 0) this.arm(slot);
      } else this.onResult(slot, msg);
    });
    worker.on('error', (err) => this.onDeath(slot, err));
    worker.on('exit', (code) => this.onDeath(slot, new Error(`worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private dispatch(slot: Slot): void {
    if (this.queue.length === 0) {
      this.setBusy(slot, false);
      slot.worker.unref();
      return;
    }
    slot.worker.ref();
    const batch: Job[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < BATCH_FILES) {
      const next = this.queue[0]!;
      if (batch.length > 0 && bytes + next.task.data.length > BATCH_BYTES) break;
      batch.push(this.queue.shift()!);
      bytes += next.task.data.length;
    }
    slot.running = batch;
    this.setBusy(slot, true);
    this.counters.files += batch.length;
    this.counters.bytes += bytes;
    const items: WorkerItem[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const job of batch) {
      // A copy we own, transferred (not cloned) to the worker; tar's buffers may share a pool.
      const copy = new Uint8Array(job.task.data);
      items.push({ id: job.id, path: job.task.path, data: copy });
      transfer.push(copy.buffer);
    }
    this.arm(slot);
    slot.worker.postMessage(items, transfer);
  }

  private arm(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      const job = slot.running[0];
      if (job) this.fail(slot, job, 'timeout', `analysis timed out after ${this.limits.fileTimeoutMs} ms`);
    }, this.limits.fileTimeoutMs + (slot.ready ? 0 : STARTUP_GRACE_MS));
  }

  private onResult(slot: Slot, msg: { id: number; result: FileAnalysis }): void {
    const i = slot.running.findIndex((j) => j.id === msg.id);
    if (i === -1) return;
    const [job] = slot.running.splice(i, 1);
    job!.resolve(this.judged(job!.task, msg.result));
    if (slot.running.length > 0) this.arm(slot);
    else {
      clearTimeout(slot.timer);
      this.dispatch(slot);
    }
  }

  /**
   * A file Babel could not parse goes to V8 (arbiter.ts): when Node could not run it either it is data,
   * not unread code. The worker moves on meanwhile; only this file's result waits.
   */
  private judged(task: PoolTask, result: FileAnalysis): FileAnalysis | Promise<FileAnalysis> {
    if (!needsVerdict(result) || nodeSourceKinds(task.path).length === 0) return result;
    this.arbiter ??= new ArbiterThread(this.limits);
    return this.arbiter.judge(task.path, task.data).then((verdict) => applyVerdict(result, task.path, verdict));
  }

  private onDeath(slot: Slot, err: Error): void {
    const at = this.slots.indexOf(slot);
    if (at === -1) return;
    const job = slot.running[0];
    if (!job) {
      this.slots.splice(at, 1);
      this.setBusy(slot, false);
      clearTimeout(slot.timer);
      if (!this.closed) this.pump();
      return;
    }
    const oom = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
    this.fail(slot, job, oom ? 'out-of-memory' : 'worker-crash', oom ? `analysis ran out of memory (limit ${this.limits.workerHeapMb} MiB)` : `analysis worker crashed: ${err.message}`);
  }

  /** The running file is blamed; the worker is replaced and the rest of its batch goes back to the queue. */
  private fail(slot: Slot, job: Job, reason: string, message: string): void {
    const at = this.slots.indexOf(slot);
    if (at !== -1) this.slots.splice(at, 1);
    clearTimeout(slot.timer);
    this.setBusy(slot, false);
    const rest = slot.running.filter((j) => j !== job);
    slot.running = [];
    void slot.worker.terminate();
    job.resolve(fallback(job.task, reason, message));
    this.queue.unshift(...rest);
    if (!this.closed) this.pump();
  }
}
