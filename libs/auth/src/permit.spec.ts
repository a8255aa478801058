import { Permit } from './permit';

describe('Permit', () => {
  it('`*` alone grants every right; `*` inside a list is no wildcard', () => {
    expect(Permit.parse(' * ').isAll).toBe(true);
    expect(Permit.parse('*').has('users.admin')).toBe(true);
    const listed = Permit.parse('*,session');
    expect(listed.isAll).toBe(false);
    expect(listed.has('registry.write')).toBe(false);
    expect(listed.has('session')).toBe(true);
  });

  it('reads a comma list case-insensitively, ignoring blanks, and always holds auth', () => {
    const permit = Permit.parse(' Registry.Write , ,SESSION ');
    expect(permit.text).toBe('Registry.Write , ,SESSION');
    expect(permit.has('registry.write')).toBe(true);
    expect(permit.has('session')).toBe(true);
    expect(permit.has('auth')).toBe(true);
    expect(permit.has('token.admin')).toBe(false);
  });

  it('`none` or an empty permit authenticates nothing and holds no right, not even auth', () => {
    for (const text of ['', '  ', 'none', 'NONE', ' , ']) {
      const permit = Permit.parse(text);
      expect(permit.authenticatesNothing).toBe(true);
      expect(permit.has('auth')).toBe(false);
    }
    expect(Permit.parse('none,session').authenticatesNothing).toBe(false);
    expect(Permit.parse('*').authenticatesNothing).toBe(false);
  });

  it('names the rights it does not know, and those of a catalogue it names', () => {
    expect(Permit.parse('session,bogus,Other').unknownRights()).toEqual(['bogus', 'other']);
    expect(Permit.parse('*').unknownRights()).toEqual([]);
    expect(Permit.parse('session,admin').names(['admin', 'users.admin', 'session'])).toEqual(['admin', 'session']);
    expect(Permit.parse('*').names(['admin'])).toEqual([]);
  });

  it('covers a requested permit only without escalation', () => {
    expect(Permit.parse('*').covers(Permit.parse('*'))).toBe(true);
    expect(Permit.parse('session,registry.write').covers(Permit.parse('*'))).toBe(false);
    expect(Permit.parse('session,registry.write').covers(Permit.parse('session'))).toBe(true);
    expect(Permit.parse('session').covers(Permit.parse('auth,session'))).toBe(true);
    expect(Permit.parse('session').covers(Permit.parse('session,token.admin'))).toBe(false);
  });
});
