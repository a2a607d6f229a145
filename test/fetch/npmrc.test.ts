import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DepcapsError } from '../../src/errors.js';
import { DEFAULT_REGISTRY, loadRegistryOptions, nerfDart, parseNpmrc, registryFor, secretsOf, splitNetworkOptions } from '../../src/fetch/npmrc.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

let env: TmpEnv;
beforeEach(() => {
  env = makeTmpEnv();
});
afterEach(() => env.cleanup());

const load = (extraEnv: NodeJS.ProcessEnv = {}, registry?: string) =>
  loadRegistryOptions({ cwd: env.project, env: { ...env.env, ...extraEnv }, ...(registry ? { registry } : {}) });
const userNpmrc = (text: string): void => writeFileSync(join(env.home, '.npmrc'), text);
const projectNpmrc = (text: string): void => writeFileSync(join(env.project, '.npmrc'), text);

describe('parseNpmrc', () => {
  test('ini as npm writes it', () => {
    const text = [
      '; comment',
      '# another',
      'registry = https://r.example/npm/ ; trailing comment',
      '@acme:registry="https://acme.example/"',
      "//acme.example/:_authToken='tok#en'",
      'escaped=a\\;b',
      'flag',
      'list[]=x',
      '[section]',
      'ignored=1',
    ].join('\r\n');
    expect(parseNpmrc(text, {}, 'x')).toEqual({
      registry: 'https://r.example/npm/',
      '@acme:registry': 'https://acme.example/',
      '//acme.example/:_authToken': 'tok#en',
      escaped: 'a;b',
      flag: 'true',
    });
  });

  test('${VAR} expansion in keys and values; ${VAR?} may be empty; \\${VAR} stays literal', () => {
    const text = '//${HOST}/:_authToken=${TOKEN}\nopt=${MISSING?}x\nlit=\\${TOKEN}';
    expect(parseNpmrc(text, { HOST: 'h.example', TOKEN: 's3cret' }, 'f')).toEqual({
      '//h.example/:_authToken': 's3cret',
      opt: 'x',
      lit: '${TOKEN}',
    });
  });

  test('an undefined ${VAR} is E_USAGE naming the variable and the file', () => {
    let err: unknown;
    try {
      parseNpmrc('//h/:_authToken=${NOPE}', {}, '/home/u/.npmrc');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DepcapsError);
    expect((err as DepcapsError).code).toBe('E_USAGE');
    expect((err as DepcapsError).message).toContain('${NOPE}');
    expect((err as DepcapsError).message).toContain('/home/u/.npmrc');
  });

  test('prototype keys are ignored', () => {
    const out = parseNpmrc('__proto__=x\nconstructor=y', {}, 'f');
    expect(Object.keys(out)).toEqual([]);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

describe('loadRegistryOptions', () => {
  test('defaults to the public registry', () => {
    expect(load()).toEqual({ registry: DEFAULT_REGISTRY });
  });

  test('precedence: user < project < npm_config_registry < --registry', () => {
    userNpmrc('registry=https://user.example/\n@a:registry=https://user-a.example\n');
    expect(load().registry).toBe('https://user.example/');
    projectNpmrc('registry=https://project.example/');
    expect(load()).toEqual({ registry: 'https://project.example/', '@a:registry': 'https://user-a.example/' });
    expect(load({ npm_config_registry: 'https://env.example/' }).registry).toBe('https://env.example/');
    expect(load({ NPM_CONFIG_REGISTRY: 'https://ENV.example/' }).registry).toBe('https://ENV.example/');
    expect(load({ npm_config_registry: 'https://env.example/' }, 'https://flag.example').registry).toBe('https://flag.example/');
  });

  test('HOME comes from the given environment; npm_config_userconfig points elsewhere', () => {
    userNpmrc('registry=https://home.example/');
    expect(load().registry).toBe('https://home.example/');
    const other = join(env.root, 'other.npmrc');
    writeFileSync(other, 'registry=https://other.example/');
    expect(load({ npm_config_userconfig: other }).registry).toBe('https://other.example/');
    expect(load({ HOME: join(env.root, 'nowhere'), USERPROFILE: undefined }).registry).toBe(DEFAULT_REGISTRY);
  });

  test('keeps scoped registries and nerf-darted credentials, drops the rest', () => {
    projectNpmrc([
      '@acme:registry=https://acme.example/npm',
      '//acme.example/npm/:_authToken=t0ken',
      '//basic.example/:username=bob',
      '//basic.example/:_password=cGFzcw==',
      'fund=false',
      'some-other=1',
    ].join('\n'));
    expect(load()).toEqual({
      registry: DEFAULT_REGISTRY,
      '@acme:registry': 'https://acme.example/npm/',
      '//acme.example/npm/:_authToken': 't0ken',
      '//basic.example/:username': 'bob',
      '//basic.example/:_password': 'cGFzcw==',
    });
  });

  test('legacy top-level credentials belong to the default registry only', () => {
    projectNpmrc('registry=https://private.example/npm/\n_authToken=legacy\n@x:registry=https://x.example/');
    const opts = load();
    expect(opts['//private.example/npm/:_authToken']).toBe('legacy');
    expect(Object.keys(opts).filter((k) => k.includes('_authToken'))).toEqual(['//private.example/npm/:_authToken']);
  });

  test('legacy credentials in one file do not follow a registry named by another file', () => {
    userNpmrc('_authToken=user-legacy');
    projectNpmrc('registry=https://project-chosen.example/');
    const opts = load();
    expect(opts.registry).toBe('https://project-chosen.example/');
    expect(opts['//project-chosen.example/:_authToken']).toBeUndefined();
    expect(opts['//registry.npmjs.org/:_authToken']).toBe('user-legacy');
  });

  test('legacy credentials do not follow --registry or npm_config_registry elsewhere', () => {
    projectNpmrc('registry=https://private.example/\n_authToken=legacy');
    for (const opts of [load({}, 'https://elsewhere.example/'), load({ npm_config_registry: 'https://elsewhere.example/' })]) {
      expect(opts.registry).toBe('https://elsewhere.example/');
      expect(opts['//elsewhere.example/:_authToken']).toBeUndefined();
      expect(opts['//private.example/:_authToken']).toBe('legacy');
    }
  });

  test.each(['ftp://r.example/', 'not a url', 'file:///etc/passwd'])('refuses registry %s', (value) => {
    projectNpmrc(`registry=${value}`);
    expect(() => load()).toThrowError(DepcapsError);
  });

  test('an unreadable .npmrc is E_USAGE', () => {
    mkdirSync(join(env.project, '.npmrc'));
    expect(() => load()).toThrowError(/Could not read npm config/);
  });
});

describe('helpers', () => {
  test('registryFor picks the scope registry', () => {
    const opts = { registry: 'https://d.example/', '@acme:registry': 'https://a.example/' };
    expect(registryFor('@acme/x', opts)).toBe('https://a.example/');
    expect(registryFor('@other/x', opts)).toBe('https://d.example/');
    expect(registryFor('plain', opts)).toBe('https://d.example/');
  });

  test('nerfDart', () => {
    expect(nerfDart('https://r.example:8443/npm')).toBe('//r.example:8443/npm/');
    expect(nerfDart('http://127.0.0.1:4873/')).toBe('//127.0.0.1:4873/');
  });

  test('secretsOf lists tokens, passwords (decoded too) and URL passwords', () => {
    const secrets = secretsOf({
      registry: 'https://u:urlpass@r.example/',
      '//a/:_authToken': 'tok',
      '//b/:_auth': Buffer.from('bob:hunter2').toString('base64'),
      '//c/:_password': Buffer.from('pw123').toString('base64'),
      '//c/:username': 'carol',
    });
    expect(secrets).toEqual(expect.arrayContaining(['urlpass', 'tok', 'bob:hunter2', 'hunter2', 'pw123']));
    expect(secrets).not.toContain('carol');
  });
});

describe('connection settings (corporate proxies and CAs)', () => {
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----';

  test('cafile, strict-ssl and https-proxy from .npmrc become typed pacote options, not registry keys', () => {
    const cafile = join(env.root, 'corp-ca.pem');
    writeFileSync(cafile, `${CERT}\n${CERT.replace('UQ', 'UR')}\n`);
    userNpmrc(`cafile=${cafile}\nstrict-ssl=false\nhttps-proxy=http://proxy.corp:3128/\nnoproxy=localhost,127.0.0.1\n`);
    const { registryOptions, network } = splitNetworkOptions(load());
    expect(network).toEqual({ ca: [CERT, CERT.replace('UQ', 'UR')], strictSSL: false, proxy: 'http://proxy.corp:3128/', noProxy: 'localhost,127.0.0.1' });
    expect(Object.keys(registryOptions)).toEqual(['registry']);
  });

  test('npm_config_* names with underscores (npm_config_strict_ssl) and an inline ca', () => {
    projectNpmrc(`ca="${CERT.replace(/\n/g, '\\n')}"\n`);
    const { network } = splitNetworkOptions(load({ npm_config_strict_ssl: 'true', npm_config_proxy: 'http://p:1/' }));
    expect(network).toEqual({ ca: [CERT], strictSSL: true, proxy: 'http://p:1/' });
  });

  test('an unreadable cafile is a usage error naming the file', () => {
    userNpmrc('cafile=/nonexistent/ca.pem\n');
    expect(() => splitNetworkOptions(load())).toThrow(DepcapsError);
    expect(() => splitNetworkOptions(load())).toThrow(/cafile .*\/nonexistent\/ca\.pem/);
  });
});
