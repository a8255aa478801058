import passport from 'passport';
import { BasicStrategy } from './basic.strategy';
import { BearerStrategy } from './bearer.strategy';
import { CookieStrategy } from './cookie.strategy';
import { UrlStrategy } from './url.strategy';

export { OVMS_WAYS, WaysOptions } from './ways';

const STRATEGIES = [new CookieStrategy(), new UrlStrategy(), new BasicStrategy(), new BearerStrategy()];

/** Registers the four ways with passport. They are stateless, so registering again (a second application) changes nothing. */
export function useOvmsWays(): void {
  for (const strategy of STRATEGIES) passport.use(strategy.name, strategy);
}
