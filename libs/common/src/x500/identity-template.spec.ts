import { distinguishedNameAttribute } from './distinguished-name';
import { applyIdentityTemplate, IdentityTemplateError, identityTemplateProblem } from './identity-template';

describe("identity templates (Hono's auth-id-template)", () => {
  it('fills every placeholder from the subject DN, the DN itself in RFC 2253 form', () => {
    expect(applyIdentityTemplate('{{subject-dn}}', 'CN=sensor, O=ACME')).toBe('CN=sensor,O=ACME');
    expect(applyIdentityTemplate('device-{{subject-cn}}', 'CN=sensor,OU=north,O=ACME')).toBe('device-sensor');
    expect(applyIdentityTemplate('{{subject-o}}/{{subject-ou}}/{{subject-cn}}', 'CN=sensor,OU=north,O=ACME')).toBe('ACME/north/sensor');
    expect(applyIdentityTemplate('{{subject-cn}}:{{subject-cn}}', 'CN=a')).toBe('a:a');
  });

  it('reads attribute values unescaped, and of several the one written last (as LdapName does)', () => {
    expect(applyIdentityTemplate('{{subject-cn}}', 'CN=a\\,b,O=x')).toBe('a,b');
    expect(applyIdentityTemplate('{{subject-ou}}', 'CN=a,OU=first,OU=last,O=x')).toBe('last');
    expect(distinguishedNameAttribute('cn=lower,o=x', 'CN')).toBe('lower');
    expect(distinguishedNameAttribute('CN=#0c03616263,O=x', 'CN')).toBeUndefined();
  });

  it('fails when the DN lacks an attribute the template names, or is no DN', () => {
    expect(() => applyIdentityTemplate('{{subject-ou}}', 'CN=sensor,O=ACME')).toThrow(IdentityTemplateError);
    expect(() => applyIdentityTemplate('{{subject-cn}}', 'not a dn')).toThrow();
  });

  it('judges templates as Hono does: at least one placeholder, and only supported ones', () => {
    expect(identityTemplateProblem('auth-{{subject-cn}}')).toBeUndefined();
    expect(identityTemplateProblem('{{subject-dn}}')).toBeUndefined();
    expect(identityTemplateProblem('fixed')).toMatch(/at least one/);
    expect(identityTemplateProblem('{{subject-cn}}-{{subject-c}}')).toMatch(/unsupported placeholders \{\{subject-c\}\}/);
  });
});
