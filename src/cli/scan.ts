import type { Command } from 'commander';
import { DepcapsError } from '../errors.js';
import { parseByteSize, type Limits } from '../limits.js';
import { formatScanJson } from '../report/formatters/json.js';
import { formatScanText, packageLabel } from '../report/formatters/text.js';
import { scanPackage } from '../scan.js';
import { type Io, wantsColor, warn, writeReport } from './output.js';

interface ScanFlags {
  json?: boolean;
  registry?: string;
  cacheDir?: string;
  maxBytes?: string;
  maxFileBytes?: string;
  all?: boolean;
  offline?: boolean;
  refresh?: boolean;
  cache?: boolean;
  output?: string;
  color?: boolean;
}

function byteFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseByteSize(value);
  if (n === undefined || n <= 0) throw new DepcapsError('E_USAGE', `${name} takes a size such as 512MiB or 1048576, not "${value}"`);
  return n;
}

/** `depcaps scan <target>`. */
export function registerScan(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('scan')
    .description('what one package version can do: npm spec, package directory, .tgz, or a single .js file')
    .argument('<target>', 'name@version, ./dir, ./pkg.tgz or ./file.js')
    .option('--json', 'print the JSON report of CONTRACT.md')
    .option('--registry <url>', 'registry URL (overrides .npmrc and npm_config_registry)')
    .option('--cache-dir <dir>', 'cache directory (default: DEPCAPS_CACHE_DIR, $XDG_CACHE_HOME/depcaps, ~/.cache/depcaps)')
    .option('--max-bytes <size>', 'total unpacked size limit per package (default 512MiB)')
    .option('--max-file-bytes <size>', 'largest file read and parsed (default 64MiB)')
    .option('--offline', 'use only cached registry data (no request)')
    .option('--refresh', 'revalidate cached registry data even when fresh')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--all', 'text output: show every finding, not the first 10 per capability')
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--no-color', 'no colours in text output')
    .action(async (target: string, flags: ScanFlags) => {
      const limits: Partial<Limits> = {};
      const maxBytes = byteFlag('--max-bytes', flags.maxBytes);
      const maxFileBytes = byteFlag('--max-file-bytes', flags.maxFileBytes);
      if (maxBytes !== undefined) limits.maxBytes = maxBytes;
      if (maxFileBytes !== undefined) limits.maxFileBytes = maxFileBytes;
      const report = await scanPackage(target, {
        env: io.env,
        limits,
        ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
        ...(flags.registry ? { registry: flags.registry } : {}),
        ...(flags.offline ? { offline: true } : {}),
        ...(flags.refresh ? { refresh: true } : {}),
        ...(flags.cache === false ? { noCache: true } : {}),
        onWarning: (message) => warn(io, message),
      });
      for (const e of report.errors) warn(io, `${packageLabel(report)}: ${e.message.startsWith(e.file) ? e.message : `${e.file}: ${e.message}`}`);
      const text = flags.json
        ? formatScanJson(report)
        : formatScanText(report, { color: wantsColor(io, false, flags.color) && !flags.output, perCapability: flags.all ? Infinity : 10 });
      await writeReport(io, text, flags.output);
      setExit(0);
    });
}
