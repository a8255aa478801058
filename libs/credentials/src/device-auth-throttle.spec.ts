import { DeviceAuthThrottle } from './device-auth-throttle';

describe('DeviceAuthThrottle', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('5 failures are free, then each further one doubles the block up to 30 s', () => {
    const throttle = new DeviceAuthThrottle();
    for (let i = 0; i < 5; i++) throttle.failure('t', 'a');
    expect(throttle.retryAfter('t', 'a')).toBe(0);
    const blocks: number[] = [];
    for (let i = 0; i < 7; i++) {
      throttle.failure('t', 'a');
      blocks.push(throttle.retryAfter('t', 'a'));
    }
    expect(blocks).toEqual([1, 2, 4, 8, 16, 30, 30]);
    expect(throttle.retryAfter('t', 'b')).toBe(0);
    expect(throttle.retryAfter('other', 'a')).toBe(0);
  });

  it('a block runs out, a success clears the count, and the window is 15 minutes', () => {
    const throttle = new DeviceAuthThrottle();
    for (let i = 0; i < 6; i++) throttle.failure('t', 'a');
    expect(throttle.retryAfter('t', 'a')).toBe(1);
    jest.advanceTimersByTime(1001);
    expect(throttle.retryAfter('t', 'a')).toBe(0);
    throttle.success('t', 'a');
    throttle.failure('t', 'a');
    expect(throttle.retryAfter('t', 'a')).toBe(0);
    for (let i = 0; i < 4; i++) throttle.failure('t', 'a');
    jest.advanceTimersByTime(15 * 60_000 + 1);
    throttle.failure('t', 'a');
    expect(throttle.retryAfter('t', 'a')).toBe(0);
  });
});
