import { createHash } from 'node:crypto';
import { bcryptCost, PasswordHashing } from './password-hashing';

describe('password hashing', () => {
  it('reads the cost of $2a$, $2b$ and $2y$ hashes only', () => {
    const body = 'a'.repeat(53);
    expect(bcryptCost(`$2a$04$${body}`)).toBe(4);
    expect(bcryptCost(`$2b$10$${body}`)).toBe(10);
    expect(bcryptCost(`$2y$31$${body}`)).toBe(31);
    expect(bcryptCost(`$2x$10$${body}`)).toBeUndefined();
    expect(bcryptCost(`$2a$03$${body}`)).toBeUndefined();
    expect(bcryptCost(`$2a$32$${body}`)).toBeUndefined();
    expect(bcryptCost(`$2a$10$${body}x`)).toBeUndefined();
  });

  it('hashes as $2a$ at the configured cost and verifies bcrypt and salted SHA', async () => {
    const hashing = new PasswordHashing(4);
    const stored = await hashing.hash('secret');
    expect(stored).toEqual({ 'hash-function': 'bcrypt', 'pwd-hash': expect.stringMatching(/^\$2a\$04\$/) });
    expect(await hashing.verify('secret', stored)).toBe(true);
    expect(await hashing.verify('Secret', stored)).toBe(false);
    expect(await hashing.verify('secret', { ...stored, 'pwd-hash': stored['pwd-hash'].replace('$2a$', '$2y$') })).toBe(true);
    expect(await hashing.verify('secret', { 'hash-function': 'bcrypt', 'pwd-hash': 'garbage' })).toBe(false);
    // Hono's example: Base64(SHA-256(salt ‖ password))
    const salt = Buffer.from('salt');
    const digest = createHash('sha256').update(salt).update('secret').digest('base64');
    expect(await hashing.verify('secret', { 'hash-function': 'sha-256', 'pwd-hash': digest, salt: salt.toString('base64') })).toBe(true);
    expect(await hashing.verify('secret', { 'hash-function': 'sha-256', 'pwd-hash': digest })).toBe(false);
    expect(await hashing.verifyNothing('secret')).toBe(false);
  });
});
