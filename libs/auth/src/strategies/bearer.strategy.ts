import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-strategy';
import { authorizationOf, WaysOptions } from './ways';

/** `Authorization: Bearer <API token>`, from the header only (never an `access_token` parameter). */
export class BearerStrategy extends Strategy {
  readonly name = 'bearer';

  override authenticate(request: unknown, options: WaysOptions): void {
    const req = request as FastifyRequest;
    const authorization = authorizationOf(req);
    if (!authorization || !/^bearer$/i.test(authorization.scheme)) return this.fail(401);
    options.authenticator.byBearer(authorization.value, req.ip).then(
      (principal) => (principal ? this.success(principal) : this.fail(401)),
      (error: unknown) => this.error(error as Error),
    );
  }
}
