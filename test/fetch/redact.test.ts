import { describe, expect, test } from 'vitest';
import { redact, redactUrl, scrubSecrets } from '../../src/redact.js';

const npmToken = `npm_${'a1B2c3D4e5'.repeat(4)}`;
const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

describe('redact', () => {
  test.each([
    ['https://user:pass@registry.example/pkg?token=abc#frag', 'https://registry.example/pkg'],
    ['fetch http://u@h.example:8080/a/b?x=1 failed.', 'fetch http://h.example:8080/a/b failed.'],
    [`token ${npmToken} leaked`, 'token npm_*** leaked'],
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer ***'],
    ['authorization: basic dXNlcjpwYXNz', 'authorization: basic ***'],
    [`jwt ${jwt} here`, 'jwt *** here'],
    ['id 123e4567-e89b-12d3-a456-426614174000 end', 'id *** end'],
    ['//r.example/:_authToken=s3cr3t-value', '//r.example/:_authToken=***'],
    ['"_password": "cGFzcw=="', '"_password": "***"'],
    ['nothing to see at https://registry.npmjs.org/left-pad', 'nothing to see at https://registry.npmjs.org/left-pad'],
    ['version 1.2.3 of a.b.c', 'version 1.2.3 of a.b.c'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  test('redactUrl keeps scheme, host, port and path only', () => {
    expect(redactUrl('https://u:p@h.example:8443/a/b.tgz?sig=x')).toBe('https://h.example:8443/a/b.tgz');
    expect(redactUrl('git+ssh://git@github.com/u/r.git')).toBe('git+ssh://github.com/u/r.git');
    expect(redactUrl('not a url Bearer xyz')).toBe('not a url Bearer ***');
  });

  test('stays linear on long hostile input', () => {
    const hostile = `${'a'.repeat(200_000)}.${'b'.repeat(200_000)}`;
    const started = performance.now();
    redact(hostile);
    redact(`http://${'x'.repeat(300_000)}`);
    redact('a-'.repeat(200_000));
    redact('eyJ-'.repeat(50_000));
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('scrubSecrets', () => {
  test('removes known secret values of any shape, URL-encoded too', () => {
    expect(scrubSecrets('bad token tok+en/1 and tok%2Ben%2F1', ['tok+en/1'])).toBe('bad token *** and ***');
  });

  test('ignores trivially short values', () => {
    expect(scrubSecrets('a b c', ['a'])).toBe('a b c');
  });
});
