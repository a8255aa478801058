import { Transform } from 'class-transformer';
import { IsString } from 'class-validator';
import { IsJsonObject } from './json-validators';
import { JsonBodyPipe } from './body.pipe';
import { NestedObject, NestedObjectList, Optional } from './optional';

class InnerDto {
  @IsString()
  name: string;

  @Optional()
  @IsString()
  comment?: string;
}

const asList = ({ value }: { value: unknown }) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? [value] : value);

class OuterDto {
  @Optional()
  @IsString()
  label?: string;

  @Optional()
  @IsJsonObject()
  ext?: Record<string, unknown>;

  @Optional()
  @NestedObject(() => InnerDto)
  inner?: InnerDto;

  @Optional()
  @NestedObjectList(() => InnerDto)
  @Transform(asList)
  list?: InnerDto[];
}

const pipe = new JsonBodyPipe({ required: false });
const run = (body: unknown) => pipe.transform(body, { type: 'body', metatype: OuterDto });

describe('JsonBodyPipe', () => {
  it('hands on the DTO instance with its transforms applied', () => {
    const result = run({ list: { name: 'one' } });
    expect(result).toBeInstanceOf(OuterDto);
    expect(result.list).toEqual([{ name: 'one' }]);
    expect((result.list as unknown[])[0]).toBeInstanceOf(InnerDto);
  });

  it('adds nothing the client did not send: declared but absent properties stay absent', () => {
    const result = run({ inner: { name: 'a' } });
    expect(Object.keys(result)).toEqual(['inner']);
    expect(Object.keys(result.inner as object)).toEqual(['name']);
    expect(JSON.parse(JSON.stringify(result))).toEqual({ inner: { name: 'a' } });
  });

  it('keeps free-form objects as sent, nested nulls and lists included', () => {
    const ext = { a: null, b: [1, { c: 'd' }], e: { f: {} }, label: 5 };
    expect(JSON.parse(JSON.stringify(run({ ext })))).toEqual({ ext });
  });

  it('creates from nothing when the body is optional', () => {
    expect(JSON.parse(JSON.stringify(run(undefined)))).toEqual({});
  });

  it('still refuses unknown properties, nulls and wrong types', () => {
    expect(() => run({ other: 1 })).toThrow('unknown property "other"');
    expect(() => run({ label: null })).toThrow(/label/);
    expect(() => run({ list: [{ name: 5 }] })).toThrow(/list\[0\]\.name/);
  });
});
