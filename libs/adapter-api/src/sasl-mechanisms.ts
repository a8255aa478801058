import type { TLSSocket } from 'node:tls';
import { AdapterConnection } from './adapter-connection';
import type { Principal } from '@app/auth';
import type { Login } from './connection-rights';

/** A verified login: who, and what to remember to look its rights up again. */
export interface Verified {
  principal: Principal;
  login: Login;
}

/** What rhea's SASL server asks of a mechanism: start() resolves once `outcome` is decided. */
interface ServerMechanism {
  outcome: boolean | undefined;
  username: string | undefined;
  start(response: Buffer | undefined, hostname?: string): Promise<void>;
}

/** `\0username\0password` (RFC 4616), or undefined when malformed. */
function plainFields(response: Buffer | undefined): { username: string; password: string } | undefined {
  if (!response) return undefined;
  const fields = response.toString('utf8').split('\u0000');
  if (fields.length !== 3 || fields[1] === '' || fields[2] === '') return undefined;
  return { username: fields[1], password: fields[2] };
}

function mechanism(state: AdapterConnection, verify: (response: Buffer | undefined) => Promise<Verified | undefined>): ServerMechanism {
  const self: ServerMechanism = {
    outcome: undefined,
    username: undefined,
    async start(response) {
      // a failure to check (throttled, database down) refuses the login like wrong credentials
      const verified = await verify(response).catch(() => undefined);
      state.principal = verified?.principal;
      state.login = verified?.login;
      self.outcome = verified !== undefined;
      self.username = verified?.principal.username;
    },
  };
  return self;
}

/**
 * The SASL mechanisms of one connection. PLAIN checks an operator's password or API token; EXTERNAL
 * (over TLS, with a client certificate the TLS layer verified) takes the username from the
 * certificate's subject CN. No ANONYMOUS: without valid credentials the connection is refused.
 */
export function saslMechanisms(
  state: AdapterConnection,
  socket: { encrypted?: boolean; authorized?: boolean },
  plain: (username: string, password: string, address: string) => Promise<Verified | undefined>,
  external: (username: string) => Promise<Verified | undefined>,
): Record<string, () => ServerMechanism> {
  const mechanisms: Record<string, () => ServerMechanism> = {
    PLAIN: () =>
      mechanism(state, async (response) => {
        const fields = plainFields(response);
        return fields && plain(fields.username, fields.password, state.address);
      }),
  };
  if (socket.encrypted && socket.authorized) {
    mechanisms.EXTERNAL = () =>
      mechanism(state, async () => {
        const subject = (socket as TLSSocket).getPeerCertificate().subject as { CN?: string | string[] } | undefined;
        const cn = Array.isArray(subject?.CN) ? subject.CN[0] : subject?.CN;
        return cn ? external(cn) : undefined;
      });
  }
  return mechanisms;
}
