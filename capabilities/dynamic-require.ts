import { defineCapability } from './define.js';

export default defineCapability({
  id: 'dynamic-require',
  title: 'Unresolved dynamic access',
  description: 'Loads a module or reads a global whose name cannot be resolved statically.',
  severity: 'medium',
  docs: 'require(variable), import(expr) and globalThis[expr] can reach any capability; we report them instead of guessing, so that hiding a require from static analysis is itself visible.',
  unresolved: ['require', 'import', 'global-member'],
  examples: {
    flags: 'require(name)',
    ok: "require('./local')",
  },
});
