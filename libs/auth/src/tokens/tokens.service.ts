import { badRequest, describeValidationErrors, forbidden } from '@app/common';
import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Authenticator } from '../authenticator';
import { NEW_TOKEN_DEFAULTS, NewTokenBodyDto } from '../dto/token.dto';
import { ovmsTime } from '../ovms-json';
import { Permit } from '../permit';
import { ADMIN_RIGHTS } from '../rights';
import { Principal } from '../principal';
import { newApiToken, sha256 } from '../secrets';
import { TokensRepository } from './tokens.repository';

type TokenField = keyof typeof NEW_TOKEN_DEFAULTS;

/**
 * The three fields as NewTokenBodyDto checks them: a repeated form or URL field counts by its first
 * value, and an empty (null) one is absent, as in OVMS; other fields are ignored.
 */
function validatedFields(fields: Record<string, unknown>): NewTokenBodyDto {
  const given: Record<string, unknown> = {};
  for (const name of Object.keys(NEW_TOKEN_DEFAULTS) as TokenField[]) {
    const value = Array.isArray(fields[name]) ? (fields[name] as unknown[])[0] : fields[name];
    if (value !== undefined && value !== null) given[name] = value;
  }
  const dto = plainToInstance(NewTokenBodyDto, given);
  const problem = describeValidationErrors(validateSync(dto));
  if (problem) throw badRequest(problem);
  return dto;
}

export interface TokenFields {
  application: string;
  purpose: string;
  permit: Permit;
}

/** Checks the fields of a new token as OVMS clients send them (absent → OVMS defaults). */
export function tokenFields(fields: Record<string, unknown>): TokenFields {
  const given = validatedFields(fields);
  const application = given.application ?? NEW_TOKEN_DEFAULTS.application;
  const purpose = given.purpose ?? NEW_TOKEN_DEFAULTS.purpose;
  const permitText = (given.permit ?? NEW_TOKEN_DEFAULTS.permit).trim();
  const permit = Permit.parse(permitText);
  if (permitText === '' || permit.authenticatesNothing) throw badRequest('permit must be * or a comma list of rights');
  const unknown = permit.unknownRights();
  if (unknown.length > 0) throw badRequest(`unknown right in permit: ${unknown.join(', ')}`);
  return { application, purpose, permit };
}

/**
 * Stores a new token for the user (hashed) and returns it: the only time it is seen. A permit may name
 * only rights its owner has: a non-admin's token cannot carry users.admin or peering.admin (400), not
 * even as rights that would wake up on a promotion.
 */
export async function issueToken(tokens: TokensRepository, owner: { id: string; admin: boolean }, fields: TokenFields): Promise<string> {
  const adminOnly = owner.admin ? [] : fields.permit.names(ADMIN_RIGHTS);
  if (adminOnly.length > 0) throw badRequest(`permit names rights only administrators have: ${adminOnly.join(', ')}`);
  const token = newApiToken();
  await tokens.create(owner.id, sha256(token), token.slice(0, 8), { application: fields.application, purpose: fields.purpose, permit: fields.permit.text });
  return token;
}

/** OVMS API token maintenance (/api/token) for the caller's own tokens. */
@Injectable()
export class TokensService {
  constructor(
    private readonly tokens: TokensRepository,
    private readonly authenticator: Authenticator,
  ) {}

  async list(principal: Principal) {
    const tokens = await this.tokens.listByUser(principal.userId);
    return tokens.map((token) => ({
      application: token.application,
      created: ovmsTime(token.created),
      id: token.id,
      lastused: ovmsTime(token.last_used),
      owner: principal.username,
      permit: token.permit,
      purpose: token.purpose,
      refreshed: ovmsTime(token.refreshed),
      token: `${token.token_prefix}…`,
    }));
  }

  async create(principal: Principal, body: Record<string, unknown>) {
    const fields = tokenFields(body);
    if (!principal.permit.covers(fields.permit)) throw forbidden('a token cannot carry rights its creator does not hold');
    const token = await issueToken(this.tokens, { id: principal.userId, admin: principal.admin }, fields);
    return { application: fields.application, owner: principal.username, permit: fields.permit.text, purpose: fields.purpose, token };
  }

  /** Deletes by full token or by id; answers the same whether or not anything matched. */
  async delete(principal: Principal, tokenOrId: string) {
    const deleted = await this.tokens.delete(principal.userId, sha256(tokenOrId), tokenOrId);
    for (const id of deleted) this.authenticator.forgetToken(id);
    return { owner: principal.username, token: tokenOrId };
  }
}
