/** The depcaps library API: the product. The CLI is one client of it. */
export { scanPackage, scanFetched, type ScanOptions } from './scan.js';
export { analyzeSource, analyzeFileBytes, type FileAnalysis } from './analyze/file.js';
export { packageHistory, type HistoryOptions, type HistoryProgress } from './history.js';
export { AnalysisPool } from './analyze/pool.js';
export { DepcapsError, isDepcapsError, type ErrorCode } from './errors.js';
export { resolveLimits, DEFAULT_LIMITS, type Limits } from './limits.js';
export type { ScanReport, Finding, FileError, Anomaly, Confidence, ScanStatus, HistoryReport, HistoryVersion } from './report/types.js';
