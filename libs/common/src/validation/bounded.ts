import { applyDecorators } from '@nestjs/common';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';

// The composed decorators below list their checks in the order their messages are reported in: the body
// pipe answers with the first that fails.

/** A non-empty string of at most `maxLength` characters. */
export const IsNonEmptyText = (maxLength: number) => applyDecorators(MaxLength(maxLength), IsNotEmpty(), IsString());

/** An integer from `min` to `max`. */
export const IsIntegerIn = (min: number, max: number) => applyDecorators(Max(max), Min(min), IsInt());
