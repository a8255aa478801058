import { expectedVersions, formatEtag, parseIfMatch } from './etag';

describe('parseIfMatch', () => {
  it('absent, empty or * is unconditional', () => {
    expect(parseIfMatch(undefined)).toEqual({ kind: 'any' });
    expect(parseIfMatch('')).toEqual({ kind: 'any' });
    expect(parseIfMatch('   ')).toEqual({ kind: 'any' });
    expect(parseIfMatch('*')).toEqual({ kind: 'any' });
    expect(parseIfMatch(' * ')).toEqual({ kind: 'any' });
    expect(parseIfMatch(',')).toEqual({ kind: 'any' });
    expect(parseIfMatch('""')).toEqual({ kind: 'any' });
  });

  it('one tag, quoted or not, weak prefix ignored', () => {
    expect(parseIfMatch('"v1"')).toEqual({ kind: 'one-of', versions: ['v1'] });
    expect(parseIfMatch('v1')).toEqual({ kind: 'one-of', versions: ['v1'] });
    expect(parseIfMatch('W/"v1"')).toEqual({ kind: 'one-of', versions: ['v1'] });
    expect(parseIfMatch(' "v1" ')).toEqual({ kind: 'one-of', versions: ['v1'] });
  });

  it('a list, in one header or several, in order, empty members dropped', () => {
    expect(parseIfMatch('"a", W/"b",c,,')).toEqual({ kind: 'one-of', versions: ['a', 'b', 'c'] });
    expect(parseIfMatch(['"a"', '"b", "c"'])).toEqual({ kind: 'one-of', versions: ['a', 'b', 'c'] });
    expect(parseIfMatch([])).toEqual({ kind: 'any' });
  });

  it('* inside a list is a tag like any other, and only the outer quotes go', () => {
    expect(parseIfMatch('"a", *')).toEqual({ kind: 'one-of', versions: ['a', '*'] });
    expect(parseIfMatch('"a"b"')).toEqual({ kind: 'one-of', versions: ['a"b'] });
    expect(parseIfMatch('"a')).toEqual({ kind: 'one-of', versions: ['"a'] });
  });
});

describe('expectedVersions and formatEtag', () => {
  it('any → null, a list → its versions; an ETag is the version quoted', () => {
    expect(expectedVersions({ kind: 'any' })).toBeNull();
    expect(expectedVersions(parseIfMatch('"a", "b"'))).toEqual(['a', 'b']);
    expect(formatEtag('5d41402abc4b2a76')).toBe('"5d41402abc4b2a76"');
    expect(parseIfMatch(formatEtag('v9'))).toEqual({ kind: 'one-of', versions: ['v9'] });
  });
});
