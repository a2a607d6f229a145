/**
 * Analysis worker: parses and analyses the files it is sent, one result message per file, so the pool
 * knows which file was running if this thread dies (out of memory, stack, timeout).
 */
import { parentPort } from 'node:worker_threads';
import { defaultCatalogIndex } from './catalog-index.js';
import { analyzeFileBytes } from './file.js';

export interface WorkerItem {
  id: number;
  path: string;
  data: Uint8Array;
}

const index = defaultCatalogIndex();

parentPort?.on('message', (items: WorkerItem[]) => {
  for (const item of items) {
    let result;
    try {
      result = analyzeFileBytes(item.data, item.path, index);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result = {
        findings: [],
        errors: [{ file: item.path, reason: 'analysis-error', message: `${item.path}: analysis failed: ${message}` }],
        anomalies: [],
        imports: [],
      };
    }
    parentPort!.postMessage({ id: item.id, result });
  }
});

// Loaded (the parser and the catalog): from now on a file's time budget is its own.
parentPort?.postMessage({ ready: true });
