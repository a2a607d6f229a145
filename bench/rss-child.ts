/**
 * Runs the depcaps CLI in this process and prints its peak RSS on stderr when it exits
 * (`maxrss-kib <n>`): how the streaming benchmark measures a whole CLI run.
 */
process.on('exit', () => {
  process.stderr.write(`\nmaxrss-kib ${process.resourceUsage().maxRSS}\n`);
});
const { run } = await import('../src/cli/index.js');
process.exitCode = await run(process.argv);
