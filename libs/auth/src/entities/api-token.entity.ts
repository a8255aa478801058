import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An OVMS-style API token. Only its SHA-256 is stored, plus the first characters for the masked listing. */
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash: string;

  @Column({ name: 'token_prefix', type: 'text' })
  tokenPrefix: string;

  @Column({ type: 'text' })
  application: string;

  @Column({ type: 'text' })
  purpose: string;

  @Column({ type: 'text' })
  permit: string;

  @Column({ type: 'timestamptz' })
  created: Date;

  @Column({ type: 'timestamptz' })
  refreshed: Date;

  @Column({ name: 'last_used', type: 'timestamptz', nullable: true })
  lastUsed: Date | null;
}
