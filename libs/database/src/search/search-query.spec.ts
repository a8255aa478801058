import fc from 'fast-check';
import { stringLeavesLike, wildcardToLike } from './search-query';

/** SQL LIKE (escape `\`) as a regular expression over the whole text. */
function like(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') source += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

describe('stringLeavesLike', () => {
  it('anchors at the quotes of the JSON string and keeps literal runs, LIKE characters escaped', () => {
    expect(stringLeavesLike('acme-*')).toBe('%"acme-%"%');
    expect(stringLeavesLike('*-99')).toBe('%"%-99"%');
    expect(stringLeavesLike('*mid*')).toBe('%"%mid%"%');
    expect(stringLeavesLike('a?b')).toBe('%"a%b"%');
    expect(stringLeavesLike('50%_off*')).toBe('%"50\\%\\_off%"%');
    // characters JSON escapes are not themselves in the text: they widen to %
    expect(stringLeavesLike('say "hi"*')).toBe('%"say %hi%"%');
    expect(stringLeavesLike('C:\\dir\\*')).toBe('%"C:%dir%"%');
  });

  it('gives nothing to narrow with when a trigram index could not use it', () => {
    expect(stringLeavesLike('*')).toBeUndefined();
    expect(stringLeavesLike('-*-')).toBeUndefined();
    expect(stringLeavesLike('?-??')).toBeUndefined();
    expect(stringLeavesLike('*ab*')).toBeUndefined(); // two letters inside a string: no trigram
    expect(stringLeavesLike('*a"bc*')).toBeUndefined(); // the quote is escaped in the text: no run of three
    // next to the quote that opens or closes the string, one letter or digit is enough
    expect(stringLeavesLike('ü*')).toBe('%"ü%"%');
    expect(stringLeavesLike('*9')).toBe('%"%9"%');
    expect(stringLeavesLike('*abc*')).toBe('%"%abc%"%');
  });

  it('holds for every string the pattern matches, among the JSON text of other strings', () => {
    // a value, a pattern cut from it (runs replaced by * or ?), and the device's other strings
    const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('"', '\\', '\n', '%', '_', '\u0001', 'é', '😀'));
    fc.assert(
      fc.property(fc.array(fc.tuple(piece, fc.constantFrom('keep', '*', '?', 'drop')), { minLength: 1, maxLength: 6 }), fc.array(fc.string()), (parts, others) => {
        let value = '';
        let pattern = '';
        for (const [text, how] of parts) {
          if (how === 'drop') continue;
          value += text;
          if (how === 'keep') pattern += text.replace(/[*?]/g, '');
          else if (how === '*') pattern += '*';
          else if (how === '?' && [...text].length === 1) pattern += '?';
          else pattern += '*';
        }
        value = value.replace(/[*?]/g, '');
        fc.pre(like(wildcardToLike(pattern)).test(value));
        const narrowing = stringLeavesLike(pattern);
        if (narrowing === undefined) return;
        expect(like(narrowing).test(JSON.stringify([...others, value, ...others]))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
