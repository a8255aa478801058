import { describeValidationErrors, IsHttpUrl, IsIntegerIn, isJsonObject, NestedObject, NestedObjectList, OCPI_ROLES, Optional } from '@app/common';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsString, Length, Matches, validateSync } from 'class-validator';
import { OcpiVersion } from '../ocpi-versions';

/** OCPI's credentials token: string(64) of printable non-whitespace ASCII (U+0021 to U+007E). */
export const OCPI_TOKEN_PATTERN = /^[\x21-\x7e]{1,64}$/;
export const IMAGE_CATEGORIES = ['CHARGER', 'ENTRANCE', 'LOCATION', 'NETWORK', 'OPERATOR', 'OTHER', 'OWNER'] as const;
/** CiString(3) and CiString(2): ISO 15118 party ids and ISO 3166 alpha-2 country codes. */
const PARTY_ID = /^[A-Za-z0-9]{3}$/;
const COUNTRY_CODE = /^[A-Za-z]{2}$/;
/** Business names are UTF-8 in 2.2.1 (ASCII before); control characters are refused in every version. */
const NO_CONTROL_CHARACTERS = /^[^\x00-\x1f\x7f]*$/;

// checks in the order their messages are reported in (the first that fails is the answer)

/** A credentials token (ours, a peer's TOKEN_A). */
export const IsOcpiToken = () =>
  applyDecorators(Matches(OCPI_TOKEN_PATTERN, { message: 'token must be 1 to 64 printable non-whitespace ASCII characters' }), IsString());
/** A `name` of 1 to `maxLength` characters, none of them a control character. */
export const IsDisplayName = (maxLength: number) =>
  applyDecorators(Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' }), Length(1, maxLength), IsString());
const IsPartyId = () => applyDecorators(Matches(PARTY_ID, { message: 'party_id must be 3 letters or digits' }), IsString());
const IsCountryCode = () => applyDecorators(Matches(COUNTRY_CODE, { message: 'country_code must be 2 letters' }), IsString());

export class ImageDto {
  @ApiProperty()
  @IsHttpUrl()
  url: string;

  @ApiPropertyOptional()
  @Optional()
  @IsHttpUrl()
  thumbnail?: string;

  @ApiProperty({ enum: IMAGE_CATEGORIES })
  @IsIn(IMAGE_CATEGORIES)
  category: string;

  @ApiProperty({ example: 'png' })
  @IsString()
  @Length(1, 4)
  type: string;

  @ApiPropertyOptional()
  @Optional()
  @IsIntegerIn(0, 99999)
  width?: number;

  @ApiPropertyOptional()
  @Optional()
  @IsIntegerIn(0, 99999)
  height?: number;
}

export class BusinessDetailsDto {
  @ApiProperty({ maxLength: 100 })
  @IsDisplayName(100)
  name: string;

  @ApiPropertyOptional()
  @Optional()
  @IsHttpUrl()
  website?: string;

  @ApiPropertyOptional({ type: ImageDto })
  @Optional()
  @NestedObject(() => ImageDto)
  logo?: ImageDto;
}

abstract class TokenAndUrl {
  @ApiProperty({ maxLength: 64, description: 'printable non-whitespace ASCII' })
  @IsOcpiToken()
  token: string;

  @ApiProperty({ description: "the party's versions URL" })
  @IsHttpUrl()
  url: string;
}

/** The credentials object of OCPI 2.0 and 2.1.1. */
export class Credentials211Dto extends TokenAndUrl {
  @ApiProperty({ type: BusinessDetailsDto })
  @NestedObject(() => BusinessDetailsDto)
  business_details: BusinessDetailsDto;

  @ApiProperty({ example: 'EXA' })
  @IsPartyId()
  party_id: string;

  @ApiProperty({ example: 'NL' })
  @IsCountryCode()
  country_code: string;
}

export class CredentialsRoleDto {
  @ApiProperty({ enum: OCPI_ROLES })
  @IsIn(OCPI_ROLES)
  role: string;

  @ApiProperty({ type: BusinessDetailsDto })
  @NestedObject(() => BusinessDetailsDto)
  business_details: BusinessDetailsDto;

  @ApiProperty({ example: 'EXA' })
  @IsPartyId()
  party_id: string;

  @ApiProperty({ example: 'NL' })
  @IsCountryCode()
  country_code: string;
}

/** The credentials object of OCPI 2.2.1. */
export class Credentials221Dto extends TokenAndUrl {
  @ApiProperty({ type: [CredentialsRoleDto] })
  @NestedObjectList(() => CredentialsRoleDto, 'each role must be a JSON object')
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  roles: CredentialsRoleDto[];
}

/** A peer's credentials, validated and reduced to what we keep. */
export interface PeerCredentials {
  token: string;
  url: string;
  /** 2.2.1: `{roles}`; 2.0/2.1.1: `{party_id, country_code, business_details}`. */
  party: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** Only the properties OCPI defines (unknown ones are ignored, as OCPI asks of receivers). */
function pick(value: unknown, keys: string[]): unknown {
  if (!isJsonObject(value)) return value;
  const picked: Json = {};
  for (const key of keys) if (Object.prototype.hasOwnProperty.call(value, key) && value[key] !== null) picked[key] = value[key];
  return picked;
}

const IMAGE_KEYS = ['url', 'thumbnail', 'category', 'type', 'width', 'height'];

function pickBusinessDetails(value: unknown): unknown {
  const picked = pick(value, ['name', 'website', 'logo']);
  if (isJsonObject(picked) && picked.logo !== undefined) picked.logo = pick(picked.logo, IMAGE_KEYS);
  return picked;
}

function pickCredentials(version: OcpiVersion, body: Json): Json {
  if (version === '2.2.1') {
    const picked = pick(body, ['token', 'url', 'roles']) as Json;
    if (Array.isArray(picked.roles)) {
      picked.roles = picked.roles.map((role) => {
        const r = pick(role, ['role', 'business_details', 'party_id', 'country_code']);
        if (isJsonObject(r) && r.business_details !== undefined) r.business_details = pickBusinessDetails(r.business_details);
        return r;
      });
    }
    return picked;
  }
  const picked = pick(body, ['token', 'url', 'business_details', 'party_id', 'country_code']) as Json;
  if (picked.business_details !== undefined) picked.business_details = pickBusinessDetails(picked.business_details);
  return picked;
}

/**
 * Checks a credentials object as OCPI `version` types it. Returns the reason it is not one, or the
 * credentials. Used for the bodies peers send us and for the answers to our own POST and PUT.
 */
export function checkCredentials(version: OcpiVersion, body: unknown): PeerCredentials | { invalid: string } {
  if (!isJsonObject(body)) return { invalid: 'the credentials must be a JSON object' };
  const picked = pickCredentials(version, body);
  const shape: new () => object = version === '2.2.1' ? Credentials221Dto : Credentials211Dto;
  const dto = plainToInstance(shape, picked) as object;
  const reason = describeValidationErrors(validateSync(dto, { forbidUnknownValues: false }));
  if (reason) return { invalid: reason };
  if (version === '2.2.1') {
    const roles = picked.roles as Json[];
    const keys = roles.map((role) => `${role.role}/${String(role.country_code).toUpperCase()}/${String(role.party_id).toUpperCase()}`);
    if (new Set(keys).size !== keys.length) return { invalid: 'roles: every role needs a unique combination of role, party_id and country_code' };
    return { token: picked.token as string, url: picked.url as string, party: { roles } };
  }
  const { token, url, ...party } = picked;
  return { token: token as string, url: url as string, party };
}
