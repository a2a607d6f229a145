import { defineCapability } from './define.js';

export default defineCapability({
  id: 'shell',
  title: 'Shell / child processes',
  description: 'Starts other programs or shell commands.',
  severity: 'critical',
  docs: 'A child process runs with the full rights of the user: it can do anything the shell can, beyond what static analysis of JavaScript can see.',
  modules: [{ name: 'child_process' }],
  // The bindings child_process is built on, and `process.execve` (replaces the process with a program).
  bindings: [{ name: 'spawn_sync' }, { name: 'process_wrap' }, { name: 'process_methods', members: ['execve'] }],
  examples: {
    flags: "const { exec: run } = require('node:child_process'); run('ls')",
    ok: "const re = /a/; re.exec('abc')",
  },
});
