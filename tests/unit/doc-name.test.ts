import { describe, expect, it } from 'vitest';
import { docNameFromRequestUrl, validateDocName } from '../../sync-server/doc-name.js';

describe('document names', () => {
  it.each([
    ['/plain', 'plain'],
    ['/with%20space', 'with space'],
    ['/with space', 'with space'],
    ['/R%C3%A9sum%C3%A9', 'Résumé'],
    ['/a%2Fb', 'a/b'],
    ['/a/b', 'a/b'],
    ['/q?token=abc', 'q'],
    ['/%3Fnot-a-query', '?not-a-query'],
    ['/' + 'é'.repeat(256), 'é'.repeat(256)],
  ])('maps %s to %j', (url, name) => {
    expect(docNameFromRequestUrl(url)).toEqual({ ok: true, name });
  });

  it.each([
    ['/'],
    ['/?x=1'],
    ['/%'],
    ['/%E0%A4%A'],
    ['/%FF'],
    ['/a%00b'],
    ['/a%0Ab'],
    ['/a%7Fb'],
    ['/a%C2%85b'],
    ['/' + 'x'.repeat(513)],
    ['/' + 'é'.repeat(257)],
    ['no-slash'],
  ])('refuses %s', (url) => {
    expect(docNameFromRequestUrl(url).ok).toBe(false);
  });

  it('refuses lone surrogates given directly', () => {
    expect(validateDocName('a\ud800b').ok).toBe(false);
  });
});
