import type { Command } from 'commander';
import type { Limits } from '../limits.js';
import { addCommonOptions, byteSize, commonScanOptions, type CommonFlags } from './common.js';
import { type Io, wantsColor, warn, writeReport } from './output.js';

interface ScanFlags extends CommonFlags {
  json?: boolean;
  maxBytes?: string;
  all?: boolean;
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
    .option('--all', 'text output: show every finding, not the first 10 per capability')
  ).action(async (target: string, flags: ScanFlags) => {
      // What the action needs is loaded when it runs: `--help` and the other commands never pay for it.
      const [{ scanPackage }, { formatScanJson }, { formatScanText, packageLabel }] = await Promise.all([
        import('../commands/scan.js'),
        import('../report/formatters/json.js'),
        import('../report/formatters/text.js'),
      ]);
      const common = commonScanOptions(flags, io);
      const limits: Partial<Limits> = { ...common.limits };
      const maxBytes = byteSize('--max-bytes', flags.maxBytes);
      if (maxBytes !== undefined) limits.maxBytes = maxBytes;
      const report = await scanPackage(target, { ...common, limits });
      for (const e of report.errors) warn(io, `${packageLabel(report)}: ${e.message.startsWith(e.file) ? e.message : `${e.file}: ${e.message}`}`);
      const text = flags.json
        ? formatScanJson(report)
        : formatScanText(report, { color: wantsColor(io, false, flags.color) && !flags.output, perCapability: flags.all ? Infinity : 10 });
      await writeReport(io, text, flags.output);
      setExit(0);
    });
}
