/**
 * The real obfuscation tools, run at test time to build fixtures (no generated code is checked in):
 * javascript-obfuscator at a preset or with options, and the JSFuck encoder.
 */
import { createRequire } from 'node:module';
import JavaScriptObfuscator from 'javascript-obfuscator';

const require = createRequire(import.meta.url);

/** javascript-obfuscator's presets, from the lightest to the heaviest. */
export const OBFUSCATOR_PRESETS = ['default', 'low-obfuscation', 'medium-obfuscation', 'high-obfuscation'] as const;

/** javascript-obfuscator output for `code` (a fixed seed, so a failure reproduces). */
export function obfuscate(code: string, options: Record<string, unknown>): string {
  return JavaScriptObfuscator.obfuscate(code, { seed: 7, ...options }).getObfuscatedCode();
}

/** `code` encoded by JSFuck; with `wrapWithEval`, as `[]["flat"]["constructor"](code)()` in `[]()!+` only. */
export function jsfuck(code: string, wrapWithEval = true): string {
  const { JSFuck } = require('jsfuck') as { JSFuck: { encode(input: string, wrapWithEval: boolean): string } };
  return JSFuck.encode(code, wrapWithEval);
}
