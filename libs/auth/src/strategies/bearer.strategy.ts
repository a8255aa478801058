import type { FastifyRequest } from 'fastify';
import { authorizationOf, VerifyingStrategy, WaysOptions } from './ways';

/** `Authorization: Bearer <API token>`, from the header only (never an `access_token` parameter). */
export class BearerStrategy extends VerifyingStrategy {
  readonly name = 'bearer';

  override authenticate(request: unknown, options: WaysOptions): void {
    const req = request as FastifyRequest;
    const authorization = authorizationOf(req);
    if (!authorization || !/^bearer$/i.test(authorization.scheme)) return this.fail(401);
    this.settle(options.authenticator.byBearer(authorization.value, req.ip));
  }
}
