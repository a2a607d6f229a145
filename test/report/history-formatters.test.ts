import { describe, expect, it } from 'vitest';
import { formatHistoryJson } from '../../src/report/formatters/history-json.js';
import { formatHistoryText } from '../../src/report/formatters/history-text.js';
import type { HistoryReport } from '../../src/contract/index.js';

const ALL = ['crypto-mining', 'dynamic-require', 'env', 'eval', 'filesystem', 'install-script', 'native', 'network', 'shell'];
const at = (day: string) => `${day}T12:00:00.000Z`;

/** One canonical history: a folded run, a long prerelease, an error, a partial version, deprecations, every capability. */
const CANONICAL_HISTORY: HistoryReport = {
  schemaVersion: 1,
  name: 'evil-pkg',
  versions: [
    { version: '0.1.0', published: at('2019-01-01'), capabilities: [], added: [], removed: [], status: 'ok' },
    { version: '0.2.0', published: at('2019-02-01'), capabilities: ['env'], added: ['env'], removed: [], status: 'ok' },
    { version: '0.2.1', published: at('2019-03-01'), capabilities: ['env'], added: [], removed: [], status: 'ok' },
    { version: '0.2.2', published: at('2019-04-01'), capabilities: ['env'], added: [], removed: [], deprecated: 'security fix in 0.2.3', status: 'ok' },
    { version: '0.2.3', published: at('2019-05-01'), capabilities: ['env'], added: [], removed: [], status: 'ok' },
    { version: '1.0.0-beta.20200101.abcdef123', published: at('2020-01-01'), capabilities: ['env', 'filesystem', 'network'], added: ['filesystem', 'network'], removed: [], status: 'ok' },
    { version: '1.0.0', published: at('2020-02-01'), capabilities: ['env', 'eval', 'filesystem', 'network', 'shell'], added: ['eval', 'shell'], removed: [], status: 'ok' },
    { version: '1.0.1', capabilities: [], added: [], removed: [], error: 'evil-pkg@1.0.1 was not found (HTTP 404 from https://registry.example/evil-pkg/-/evil-pkg-1.0.1.tgz).', status: 'error' },
    { version: '1.1.0', published: at('2020-04-01'), capabilities: ALL, added: ['crypto-mining', 'dynamic-require', 'install-script', 'native'], removed: [], status: 'partial' },
    { version: '1.1.1', published: at('2020-05-01'), capabilities: ALL, added: [], removed: [], deprecated: 'broken', status: 'ok' },
    { version: '2.0.0', published: at('2021-01-01'), capabilities: ['env', 'filesystem'], added: [], removed: ['crypto-mining', 'dynamic-require', 'eval', 'install-script', 'native', 'network', 'shell'], status: 'ok' },
  ],
  firstSeen: {
    'crypto-mining': '1.1.0',
    'dynamic-require': '1.1.0',
    env: '0.2.0',
    eval: '1.0.0',
    filesystem: '1.0.0-beta.20200101.abcdef123',
    'install-script': '1.1.0',
    native: '1.1.0',
    network: '1.0.0-beta.20200101.abcdef123',
    shell: '1.0.0',
  },
  unpublished: ['0.3.0'],
};

const ANSI = /\u001b\[\d+m/g;

describe('history formatters render the canonical history', () => {
  it('json', async () => {
    const out = formatHistoryJson(CANONICAL_HISTORY);
    expect(out.endsWith('}\n')).toBe(true);
    expect(JSON.parse(out)).toEqual(CANONICAL_HISTORY);
    await expect(out).toMatchFileSnapshot('__snapshots__/history.json');
  });

  it('text', async () => {
    const out = formatHistoryText(CANONICAL_HISTORY);
    await expect(out).toMatchFileSnapshot('__snapshots__/history.txt');
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    for (const line of out.split('\n')) expect(line, 'no trailing spaces').toBe(line.trimEnd());
  });

  it('text, coloured: the same text with ANSI styles', () => {
    const out = formatHistoryText(CANONICAL_HISTORY, { color: true });
    expect(out).toContain('\u001b[31m\u001b[1m+'); // shell is critical: a red, bold "+"
    expect(out.replace(ANSI, '')).toBe(formatHistoryText(CANONICAL_HISTORY));
  });

  it('text: a one-version run is its own row; two or more fold; no versions says so', () => {
    const two = { ...CANONICAL_HISTORY, versions: CANONICAL_HISTORY.versions.slice(0, 4), unpublished: [] };
    expect(formatHistoryText(two)).toMatch(/^0\.2\.1 … 0\.2\.2 +2019-03-01 +● +\(2 versions, no change; 1 deprecated\)$/m);
    const one = { ...CANONICAL_HISTORY, versions: CANONICAL_HISTORY.versions.slice(0, 3), unpublished: [] };
    expect(formatHistoryText(one)).toMatch(/^0\.2\.1 +2019-03-01 +●$/m);
    expect(formatHistoryText({ schemaVersion: 1, name: 'x', versions: [], firstSeen: {} })).toBe('x: 0 versions\nno published versions match\n');
  });
});
