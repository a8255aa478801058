import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { OCPI_VERSIONS } from '../ocpi-versions';
import { Credentials211Dto, Credentials221Dto } from './credentials.dto';

const EXAMPLE_PEER_ID = '0b6cf1a4-3c1e-4d4e-9a57-2f8f3c7d9e10';

export class InvitationDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_PEER_ID })
  id: string;

  @ApiProperty({ description: 'TOKEN_A for the peer: shown only here', example: 'Vx0iS9o3yKq2mS5d4E8bq0cL7mN2pR4tU6wY8zA1bC3' })
  token_a: string;

  @ApiProperty({ example: 'http://localhost:8080/ocpi/versions' })
  versions_url: string;
}

export class EndpointDto {
  @ApiProperty({ example: 'credentials' })
  identifier: string;

  @ApiPropertyOptional({ example: 'RECEIVER', description: '2.2.1 only' })
  role?: string;

  @ApiProperty({ example: 'https://peer.example.com/ocpi/2.2.1/credentials' })
  url: string;
}

/** A peer as /api/peers shows it (libs/peering/src/dto/peer-view.ts): never a token. */
export class PeerViewDto {
  @ApiProperty({ format: 'uuid', example: EXAMPLE_PEER_ID })
  id: string;

  @ApiProperty({ nullable: true, example: 'Example eMSP' })
  name: string | null;

  @ApiProperty({ enum: ['invited', 'registered', 'unregistered', 'failed'] })
  status: string;

  @ApiProperty({ enum: ['server', 'client'], description: 'server: the peer registered with us; client: we registered with the peer' })
  side: string;

  @ApiProperty({ nullable: true, enum: OCPI_VERSIONS })
  version: string | null;

  @ApiProperty({ nullable: true, example: 'https://peer.example.com/ocpi/versions' })
  versions_url: string | null;

  @ApiProperty({ type: [EndpointDto] })
  endpoints: EndpointDto[];

  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, description: "the peer's roles (2.2.1) or party_id, country_code, business_details" })
  party: Record<string, unknown> | null;

  @ApiProperty({ format: 'date-time' })
  created: string;

  @ApiProperty({ format: 'date-time' })
  updated: string;

  @ApiProperty({ nullable: true, description: 'what the last failed exchange with the peer said' })
  last_error: string | null;
}

/** OCPI's answer envelope around `data`. */
export function ocpiEnvelope(data: Record<string, unknown> | undefined) {
  return {
    type: 'object',
    required: ['status_code', 'status_message', 'timestamp'],
    properties: {
      ...(data ? { data } : {}),
      status_code: { type: 'integer', example: 1000 },
      status_message: { type: 'string', example: 'Success' },
      timestamp: { type: 'string', format: 'date-time' },
    },
  };
}

export const OCPI_SCHEMAS = {
  versions: ocpiEnvelope({
    type: 'array',
    items: { type: 'object', properties: { version: { type: 'string', enum: OCPI_VERSIONS }, url: { type: 'string', example: 'http://localhost:8080/ocpi/2.2.1' } } },
  }),
  details: ocpiEnvelope({
    type: 'object',
    properties: { version: { type: 'string', enum: OCPI_VERSIONS }, endpoints: { type: 'array', items: { $ref: getSchemaPath(EndpointDto) } } },
  }),
  credentials: ocpiEnvelope({ oneOf: [{ $ref: getSchemaPath(Credentials221Dto) }, { $ref: getSchemaPath(Credentials211Dto) }] }),
  empty: ocpiEnvelope(undefined),
};

export const CREDENTIALS_EXAMPLES = {
  '2.2.1': {
    summary: "the peer's credentials (2.2.1 shape)",
    value: {
      token: 'ebf3b399-779f-4497-9b9d-ac6ad3cc44d2',
      url: 'https://peer.example.com/ocpi/versions',
      roles: [{ role: 'EMSP', party_id: 'EXA', country_code: 'NL', business_details: { name: 'Example eMSP' } }],
    },
  },
};

export const PEER_EXAMPLES = {
  invite: { partner: { summary: 'an invitation for a partner platform', value: { name: 'Example eMSP' } } },
  register: {
    partner: {
      summary: "the peer's versions URL and the TOKEN_A it gave us",
      value: { versions_url: 'https://peer.example.com/ocpi/versions', token: 'ebf3b399-779f-4497-9b9d-ac6ad3cc44d2', name: 'Example CPO' },
    },
  },
  update: { sameVersion: { summary: 'new tokens, same version', value: {} }, switchVersion: { summary: 'new tokens and OCPI 2.1.1', value: { version: '2.1.1' } } },
};
