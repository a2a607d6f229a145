import { defineCapability } from './define.js';

export default defineCapability({
  id: 'dynamic-require',
  title: 'Unresolved dynamic access',
  description: 'Loads a module, reads a global or loads an internal binding whose name cannot be resolved statically.',
  severity: 'medium',
  docs: 'require(variable), import(expr), globalThis[expr] and process.binding(expr) can reach any capability; we report them instead of guessing, so that hiding a require from static analysis is itself visible. An internal binding the catalog does not classify (an embedder\'s, a newer Node\'s) is reported the same way.',
  unresolved: ['require', 'import', 'global-member', 'binding'],
  examples: {
    flags: 'require(name)',
    ok: "require('./local')",
  },
});
