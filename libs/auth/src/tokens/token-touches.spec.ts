import { TokenTouches } from './token-touches';

describe('TokenTouches', () => {
  it('lets a token be written once per interval', () => {
    const touches = new TokenTouches(60_000, 10);
    expect(touches.due('a', 0)).toBe(true);
    expect(touches.due('a', 1_000)).toBe(false);
    expect(touches.due('a', 60_000)).toBe(false);
    expect(touches.due('a', 60_001)).toBe(true);
    expect(touches.due('a', 61_000)).toBe(false);
  });

  it('never holds more than its capacity, however many tokens are used', () => {
    const touches = new TokenTouches(60_000, 3);
    for (let i = 0; i < 1_000; i++) {
      touches.due(`token-${i}`, i);
      expect(touches.size).toBeLessThanOrEqual(3);
    }
    expect(touches.size).toBe(3);
  });

  it('forgets the token written longest ago: it is written again, the others are not', () => {
    const touches = new TokenTouches(60_000, 2);
    touches.due('a', 0);
    touches.due('b', 1);
    expect(touches.due('a', 2)).toBe(false);
    touches.due('c', 3); // a was written first, so it goes
    expect(touches.due('b', 4)).toBe(false);
    expect(touches.due('c', 5)).toBe(false);
    expect(touches.due('a', 6)).toBe(true);
  });
});
