import { RegistryError } from '../errors/registry-errors';
import { JsonBodyPipe } from './body.pipe';
import { IsIntegerIn, IsNonEmptyText } from './bounded';
import { DeviceIdList } from './ids';
import { Optional } from './optional';

class ComposedDto {
  @Optional()
  @DeviceIdList()
  via?: string[];

  @Optional()
  @IsNonEmptyText(8)
  label?: string;

  @Optional()
  @IsIntegerIn(-1, 10)
  limit?: number;
}

const pipe = new JsonBodyPipe({ required: false });

/** The message of the 400 the body gets, or 'ok'. */
function answer(body: unknown): string {
  try {
    pipe.transform(body, { type: 'body', metatype: ComposedDto });
    return 'ok';
  } catch (error) {
    if (error instanceof RegistryError && error.getStatus() === 400) return error.message;
    throw error;
  }
}

/** The shared decorators that stand for a stack of checks: what passes, and which message a failure gets. */
describe('composed validation decorators', () => {
  it('DeviceIdList: up to 1000 device ids of up to 256 characters', () => {
    expect(answer({ via: ['gw-1', 'a:b=c.d_e', 'g'.repeat(256)] })).toBe('ok');
    expect(answer({ via: Array.from({ length: 1000 }, (_, i) => `gw-${i}`) })).toBe('ok');
    expect(answer({ via: Array.from({ length: 1001 }, (_, i) => `gw-${i}`) })).toBe('via must contain no more than 1000 elements');
    expect(answer({ via: ['gw/1'] })).toBe('via: each entry must be a device id');
    expect(answer({ via: ['g'.repeat(257)] })).toBe('via: each value in via must be shorter than or equal to 256 characters');
    expect(answer({ via: [1] })).not.toBe('ok');
    expect(answer({ via: null })).not.toBe('ok');
  });

  it('IsNonEmptyText: a string of 1 to n characters', () => {
    expect(answer({ label: 'x' })).toBe('ok');
    expect(answer({ label: '12345678' })).toBe('ok');
    expect(answer({ label: '123456789' })).toBe('label must be shorter than or equal to 8 characters');
    expect(answer({ label: '' })).toBe('label should not be empty');
    expect(answer({ label: 5 })).not.toBe('ok');
  });

  it('IsIntegerIn: an integer within the bounds', () => {
    for (const limit of [-1, 0, 10]) expect(answer({ limit })).toBe('ok');
    expect(answer({ limit: 11 })).toBe('limit must not be greater than 10');
    expect(answer({ limit: -2 })).toBe('limit must not be less than -1');
    expect(answer({ limit: 1.5 })).toBe('limit must be an integer number');
    expect(answer({ limit: '1' })).not.toBe('ok');
  });
});
