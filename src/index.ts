/** The depcaps library API: the product. The CLI is one client of it. */
export { scanPackage, scanFetched, type ScanOptions } from './commands/scan.js';
export { diffPackages, diffVersions, type DiffOptions } from './commands/diff.js';
export { packageHistory, type HistoryOptions, type HistoryProgress } from './commands/history.js';
export { auditLockfile, type AuditOptions, type AuditProgress } from './commands/audit.js';
export { runGate, type GateOptions } from './commands/gate.js';
export { scriptsInventory, approvalWrite, managerFor, type ScriptsOptions, type ScriptsInventory, type ScriptPolicy } from './commands/scripts.js';
export { queryCache, type CacheQueryOptions } from './commands/cache-query.js';
export { analyzeSource, analyzeFileBytes, type FileAnalysis } from './analyze/file.js';
export { AnalysisPool } from './analyze/pool.js';
export { DepcapsError, isDepcapsError, type ErrorCode } from './errors.js';
export { resolveLimits, DEFAULT_LIMITS, type Limits } from './limits.js';
export type * from './contract/index.js';
