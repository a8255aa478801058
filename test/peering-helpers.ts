import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { http } from './setup/http';
import { TestApp, TEST_SECRET_KEY } from './setup/test-app';
import { SecretCipher } from '@app/common';
import { createHash } from 'node:crypto';

/** One request the in-test peer received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** The token of `Authorization: Token …` as sent (raw or Base64), and decoded. */
  sentToken?: string;
  encoding?: 'raw' | 'base64';
}

/** What the in-test peer answers: an object is sent as JSON, `raw` as is; `delayMs` holds the answer back. */
export interface PeerReply {
  status?: number;
  body?: unknown;
  raw?: string;
  delayMs?: number;
  /** Drop the connection without an answer. */
  destroy?: boolean;
  /** Send the status line, headers and the start of the body, then hold the rest back this long. */
  stallBodyMs?: number;
}

export type Override = (request: RecordedRequest) => PeerReply | undefined | Promise<PeerReply | undefined>;

export const OCPI_VERSIONS = ['2.0', '2.1.1', '2.2.1'] as const;
export type Version = (typeof OCPI_VERSIONS)[number];

export function envelope(data?: unknown, statusCode = 1000, message = 'Success') {
  return { ...(data === undefined ? {} : { data }), status_code: statusCode, status_message: message, timestamp: new Date().toISOString() };
}

export const newToken = (): string => randomBytes(24).toString('hex');
export const base64 = (token: string): string => Buffer.from(token, 'utf8').toString('base64');
export const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/** Opens a token we present to a peer, as stored in peers.outbound_token (the test knows SECRET_KEY). */
export function openOutboundToken(peerId: string, sealed: string): string {
  return new SecretCipher(TEST_SECRET_KEY, 'device-registry peer tokens v1').open(sealed, `peer-token\u0000${peerId}`).toString('utf8');
}

function credentialsOf(version: Version, token: string, url: string, partyId = 'PEE', name = 'Test Peer') {
  if (version === '2.2.1') {
    return { token, url, roles: [{ role: 'EMSP', business_details: { name }, party_id: partyId, country_code: 'DE' }] };
  }
  return { token, url, business_details: { name }, party_id: partyId, country_code: 'DE' };
}

/**
 * An OCPI platform on 127.0.0.1 (node:http, port 0) that answers the versions and credentials modules
 * like a well-behaved peer, records every request, and lets a test override any answer to drive failures.
 */
export class OcpiPeer {
  requests: RecordedRequest[] = [];
  /** Tokens the peer accepts (its TOKEN_A and the tokens it issued, plus tokens the test adds). */
  accepted = new Set<string>();
  /** Which encodings of `Authorization: Token` the peer understands. */
  encoding: 'raw' | 'base64' | 'any' = 'any';
  versions: string[] = [...OCPI_VERSIONS];
  credentialsEndpoint = true;
  /** Call back the versions URL of a POST/PUT body with its token before answering (as OCPI requires of a server). */
  callBack = true;
  /** The token we (the service) handed the peer in the last POST/PUT, and what the peer issued in return. */
  tokenFromService?: string;
  issuedTokens: string[] = [];
  /** Outcome of the last call back: HTTP status of our service's versions answer. */
  callBackStatuses: number[] = [];
  override?: Override;
  partyId = 'PEE';
  private server!: Server;
  baseUrl!: string;

  static async start(): Promise<OcpiPeer> {
    const peer = new OcpiPeer();
    peer.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        void peer.handle(request.method!, request.url!, request.headers, Buffer.concat(chunks).toString('utf8')).then(async (reply) => {
          if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
          if (reply.destroy) return request.socket.destroy();
          if (response.destroyed) return;
          const text = reply.raw ?? JSON.stringify(reply.body ?? {});
          response.writeHead(reply.status ?? 200, { 'content-type': reply.raw !== undefined ? 'text/html' : 'application/json' });
          if (reply.stallBodyMs) {
            response.write(text.slice(0, 5));
            await new Promise((resolve) => setTimeout(resolve, reply.stallBodyMs));
            if (!response.destroyed) response.end(text.slice(5));
            return;
          }
          response.end(text);
        });
      });
    });
    await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
    peer.baseUrl = `http://127.0.0.1:${(peer.server.address() as AddressInfo).port}`;
    return peer;
  }

  get versionsUrl(): string {
    return `${this.baseUrl}/ocpi/versions`;
  }

  /** A TOKEN_A this peer accepts. */
  invite(): string {
    const token = newToken();
    this.accepted.add(token);
    return token;
  }

  credentialsFor(version: Version, token: string) {
    return credentialsOf(version, token, this.versionsUrl, this.partyId);
  }

  /** Requests to one path (and method). */
  calls(path: string, method?: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path && (method === undefined || request.method === method));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private authenticate(headers: IncomingHttpHeaders): { token?: string; encoding?: 'raw' | 'base64' } {
    const match = /^Token (\S+)$/.exec(headers.authorization ?? '');
    if (!match) return {};
    const sent = match[1];
    if (this.encoding !== 'base64' && this.accepted.has(sent)) return { token: sent, encoding: 'raw' };
    const decoded = Buffer.from(sent, 'base64').toString('utf8');
    if (this.encoding !== 'raw' && base64(decoded) === sent && this.accepted.has(decoded)) return { token: decoded, encoding: 'base64' };
    return {};
  }

  private async handle(method: string, url: string, headers: IncomingHttpHeaders, text: string): Promise<PeerReply> {
    let body: any;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const path = url.split('?')[0];
    const auth = this.authenticate(headers);
    const match = /^Token (\S+)$/.exec(headers.authorization ?? '');
    const recorded: RecordedRequest = { method, path, headers, body, sentToken: match?.[1], encoding: auth.encoding };
    this.requests.push(recorded);
    const overridden = await this.override?.(recorded);
    if (overridden) return overridden;
    if (!auth.token) return { status: 401, body: envelope(undefined, 2000, 'Unauthorized') };

    if (path === '/ocpi/versions' && method === 'GET') {
      return { body: envelope(this.versions.map((version) => ({ version, url: `${this.baseUrl}/ocpi/${version}` }))) };
    }
    const details = /^\/ocpi\/([^/]+)$/.exec(path);
    if (details && method === 'GET' && this.versions.includes(details[1])) {
      const version = details[1];
      const endpoints = [{ identifier: 'locations', ...(version === '2.2.1' ? { role: 'RECEIVER' } : {}), url: `${this.baseUrl}/ocpi/${version}/locations` }];
      if (this.credentialsEndpoint) endpoints.unshift({ identifier: 'credentials', ...(version === '2.2.1' ? { role: 'SENDER' } : {}), url: `${this.baseUrl}/ocpi/${version}/credentials` });
      return { body: envelope({ version, endpoints }) };
    }
    const credentials = /^\/ocpi\/([^/]+)\/credentials$/.exec(path);
    if (credentials && this.versions.includes(credentials[1])) {
      const version = credentials[1] as Version;
      if (method === 'DELETE') {
        this.accepted.delete(auth.token);
        return { body: envelope() };
      }
      if (method === 'GET') return { body: envelope(this.credentialsFor(version, auth.token)) };
      if (method === 'POST' || method === 'PUT') {
        this.tokenFromService = body?.token;
        if (this.callBack) {
          const versions = await fetch(body.url, { headers: { authorization: `Token ${version === '2.2.1' ? base64(body.token) : body.token}` } });
          this.callBackStatuses.push(versions.status);
          if (versions.status !== 200) return { body: envelope(undefined, 3001, 'could not use your versions endpoint') };
          const list = ((await versions.json()) as { data: Array<{ version: string; url: string }> }).data;
          const entry = list.find((candidate) => candidate.version === version);
          if (!entry) return { body: envelope(undefined, 3002, 'unsupported version') };
          const detailsAnswer = await fetch(entry.url, { headers: { authorization: `Token ${body.token}` } });
          this.callBackStatuses.push(detailsAnswer.status);
          if (detailsAnswer.status !== 200) return { body: envelope(undefined, 3001, 'could not use your details') };
        }
        const issued = newToken();
        this.issuedTokens.push(issued);
        this.accepted.add(issued);
        if (method === 'PUT' || method === 'POST') this.accepted.delete(auth.token);
        return { body: envelope(this.credentialsFor(version, issued)) };
      }
    }
    return { status: 404, body: envelope(undefined, 2000, 'not found') };
  }
}

/** An admin API client of one test app. */
export const peersApi = (t: TestApp) => http(t.baseUrl, t.admin);

/** The peer rows of a test app's database. */
export async function peerRow(t: TestApp, id: string) {
  const { rows } = await t.db.query('SELECT * FROM peers WHERE id = $1', [id]);
  return rows[0];
}

export const ISO_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
