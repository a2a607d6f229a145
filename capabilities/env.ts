import { defineCapability } from './define.js';

export default defineCapability({
  id: 'env',
  title: 'Environment variables',
  description: 'Reads or writes environment variables.',
  severity: 'medium',
  docs: 'CI environments hold tokens (NPM_TOKEN, GITHUB_TOKEN, AWS keys) in environment variables; reading them all is a classic exfiltration step.',
  modules: [{ name: 'process', members: ['env'] }],
  globals: [{ path: 'process.env' }],
  // A diagnostic report carries the whole environment.
  bindings: [
    { name: 'credentials', members: ['safeGetenv'] },
    { name: 'report', members: ['getReport'] },
  ],
  examples: {
    flags: 'const token = process.env.NPM_TOKEN',
    ok: 'const process = { env: {} }; process.env.X',
  },
});
