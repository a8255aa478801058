import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OCPI peers (docs/peering.md): one row per partner platform, on either side of the credentials handshake.
 * Tokens the peer presents to us are stored as SHA-256 hashes, the token we present to the peer is
 * encrypted with SECRET_KEY (AES-256-GCM). See docs/peering.md.
 */
export class Peering1767225900000 implements MigrationInterface {
  name = 'Peering1767225900000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE peers (
        id uuid PRIMARY KEY,
        name text,
        -- server: the peer registered with us (we issued its TOKEN_A); client: we registered with the peer
        side text NOT NULL CHECK (side IN ('server', 'client')),
        status text NOT NULL CHECK (status IN ('invited', 'registered', 'unregistered', 'failed')),
        version text,
        versions_url text,
        endpoints jsonb NOT NULL DEFAULT '[]',
        party jsonb,
        -- how we send our token to this peer: NULL = by version (raw for 2.0/2.1.1, Base64 for 2.2.1)
        token_encoding text CHECK (token_encoding IN ('raw', 'base64')),
        -- SHA-256 of the TOKEN_A we issued; set only while invited
        token_a_hash text,
        -- SHA-256 of the token the peer presents to us once registered (C on the server side, B on the client side)
        inbound_token_hash text,
        -- the token we present to the peer (B on the server side, C on the client side), sealed with SECRET_KEY
        outbound_token text,
        last_error text,
        -- a lease that serialises the handshakes of one peer without holding a connection during outbound calls
        busy_id uuid,
        busy_until timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX peers_token_a_hash_key ON peers (token_a_hash) WHERE token_a_hash IS NOT NULL`);
    await db.query(`CREATE UNIQUE INDEX peers_inbound_token_hash_key ON peers (inbound_token_hash) WHERE inbound_token_hash IS NOT NULL`);
    await db.query(`CREATE INDEX peers_created_idx ON peers (created, id)`);
    // Tokens we have just handed to a peer in a POST or PUT of ours: the peer calls our versions and
    // version details with them before it answers. They expire by themselves if the process dies mid-way.
    await db.query(`
      CREATE TABLE peer_callback_tokens (
        token_hash text PRIMARY KEY,
        expires timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE peer_callback_tokens`);
    await db.query(`DROP TABLE peers`);
  }
}
