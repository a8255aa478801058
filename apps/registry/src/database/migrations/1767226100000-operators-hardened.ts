import { foldUsername } from '@app/auth';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operators, hardened: the login throttle shared by every instance (docs/operators.md), the addresses known
 * for a user, tenant grants that die with their tenant, and usernames folded with NFKC + case folding.
 */
export class OperatorsHardened1767226100000 implements MigrationInterface {
  name = 'OperatorsHardened1767226100000';

  async up(db: QueryRunner): Promise<void> {
    await this.refoldUsernames(db);
    await db.query(`
      CREATE UNLOGGED TABLE auth_throttle (
        key text PRIMARY KEY,
        attempts int NOT NULL,
        window_start timestamptz NOT NULL,
        blocked_until timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE TABLE operator_known_addresses (
        username_folded text NOT NULL,
        address_hash text NOT NULL,
        last_success timestamptz NOT NULL,
        PRIMARY KEY (username_folded, address_hash),
        CONSTRAINT operator_known_addresses_username_folded_fkey FOREIGN KEY (username_folded)
          REFERENCES users (username_folded) ON DELETE CASCADE ON UPDATE CASCADE
      )`);
    // grants to tenants that are gone (or never were) are void
    await db.query(`DELETE FROM user_tenants g WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = g.tenant_id)`);
    await db.query(`ALTER TABLE user_tenants ADD CONSTRAINT user_tenants_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE`);
    await db.query(`CREATE INDEX user_tenants_tenant_idx ON user_tenants (tenant_id)`);
  }

  /**
   * Names that fold alike now (`ross`, `roſſ`, `ｒoss`) were distinct before. The oldest keeps the name;
   * a younger look-alike keeps its row, tokens and grants, but its folded name becomes one no login
   * can produce (folding never leaves capitals), so it can no longer log in by name.
   */
  private async refoldUsernames(db: QueryRunner): Promise<void> {
    const users: Array<{ id: string; username: string; username_folded: string }> = await db.query(
      'SELECT id, username, username_folded FROM users ORDER BY created, id',
    );
    const wanted = users.map((user) => ({ ...user, folded: foldUsername(user.username) })).filter((user) => user.folded !== user.username_folded);
    if (wanted.length === 0) return;
    const taken = new Set(users.filter((user) => !wanted.some((w) => w.id === user.id)).map((user) => user.username_folded));
    // out of the way first, so that swaps between old and new names cannot collide
    for (const user of wanted) await db.query(`UPDATE users SET username_folded = $2 WHERE id = $1`, [user.id, `REFOLDING ${user.id}`]);
    for (const user of wanted) {
      const folded = taken.has(user.folded) ? `LOOK-ALIKE OF ${user.folded} ${user.id}` : user.folded;
      taken.add(folded);
      await db.query(`UPDATE users SET username_folded = $2 WHERE id = $1`, [user.id, folded]);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX user_tenants_tenant_idx`);
    await db.query(`ALTER TABLE user_tenants DROP CONSTRAINT user_tenants_tenant_id_fkey`);
    await db.query(`DROP TABLE operator_known_addresses`);
    await db.query(`DROP TABLE auth_throttle`);
  }
}
