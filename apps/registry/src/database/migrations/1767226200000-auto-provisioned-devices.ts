import { MigrationInterface, QueryRunner } from 'typeorm';

/** Devices created by auto-provisioning (Hono's AMQP adapter APIs, docs/hono-adapters.md) say so in their status. */
export class AutoProvisionedDevices1767226200000 implements MigrationInterface {
  name = 'AutoProvisionedDevices1767226200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE devices ADD COLUMN auto_provisioned boolean NOT NULL DEFAULT false`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE devices DROP COLUMN auto_provisioned`);
  }
}
