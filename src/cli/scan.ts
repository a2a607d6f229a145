import type { Command } from 'commander';
import { DepcapsError } from '../errors.js';
import { parseByteSize, type Limits } from '../limits.js';
import { addCommonOptions, commonScanOptions, type CommonFlags } from './common.js';
import { type Io, wantsColor, warn, writeReport } from './output.js';

interface ScanFlags extends CommonFlags {
  json?: boolean;
  maxBytes?: string;
  maxFileBytes?: string;
  all?: boolean;
}

function byteFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseByteSize(value);
  if (n === undefined || n <= 0) throw new DepcapsError('E_USAGE', `${name} takes a size such as 512MiB or 1048576, not "${value}"`);
  return n;
}

/** `depcaps scan <target>`. */
export function registerScan(program: Command, io: Io, setExit: (code: number) => void): void {
  addCommonOptions(
    program
    .command('scan')
    .description('what one package version can do: npm spec, package directory, .tgz, or a single .js file')
    .argument('<target>', 'name@version, ./dir, ./pkg.tgz or ./file.js')
    .option('--json', 'print the JSON report of CONTRACT.md')
    .option('--max-bytes <size>', 'total unpacked size limit per package (default 512MiB)')
    .option('--max-file-bytes <size>', 'largest file read and parsed (default 64MiB)')
    .option('--all', 'text output: show every finding, not the first 10 per capability')
  ).action(async (target: string, flags: ScanFlags) => {
      // What the action needs is loaded when it runs: `--help` and the other commands never pay for it.
      const [{ scanPackage }, { formatScanJson }, { formatScanText, packageLabel }] = await Promise.all([
        import('../commands/scan.js'),
        import('../report/formatters/json.js'),
        import('../report/formatters/text.js'),
      ]);
      const limits: Partial<Limits> = {};
      const maxBytes = byteFlag('--max-bytes', flags.maxBytes);
      const maxFileBytes = byteFlag('--max-file-bytes', flags.maxFileBytes);
      if (maxBytes !== undefined) limits.maxBytes = maxBytes;
      if (maxFileBytes !== undefined) limits.maxFileBytes = maxFileBytes;
      const report = await scanPackage(target, {
        ...commonScanOptions(flags, io),
        limits,
      });
      for (const e of report.errors) warn(io, `${packageLabel(report)}: ${e.message.startsWith(e.file) ? e.message : `${e.file}: ${e.message}`}`);
      const text = flags.json
        ? formatScanJson(report)
        : formatScanText(report, { color: wantsColor(io, false, flags.color) && !flags.output, perCapability: flags.all ? Infinity : 10 });
      await writeReport(io, text, flags.output);
      setExit(0);
    });
}
