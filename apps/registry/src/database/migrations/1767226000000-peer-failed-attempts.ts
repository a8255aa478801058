import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed registrations with a peer's TOKEN_A are counted; at a limit TOKEN_A is revoked, so an invitation
 * cannot be used to probe what our callbacks reach without end (docs/peering.md).
 */
export class PeerFailedAttempts1767226000000 implements MigrationInterface {
  name = 'PeerFailedAttempts1767226000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE peers ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE peers DROP COLUMN failed_attempts`);
  }
}
