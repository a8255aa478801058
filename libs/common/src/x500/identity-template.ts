import { distinguishedNameAttribute, normalizeDistinguishedName } from './distinguished-name';

/** The subject attributes a template may name, by placeholder. */
const ATTRIBUTE_PLACEHOLDERS: Readonly<Record<string, string>> = { '{{subject-cn}}': 'CN', '{{subject-ou}}': 'OU', '{{subject-o}}': 'O' };

/** Placeholders of Hono's identity templates: a trusted CA's `auth-id-template` and device-id template. */
export const IDENTITY_TEMPLATE_PLACEHOLDERS: readonly string[] = ['{{subject-dn}}', ...Object.keys(ATTRIBUTE_PLACEHOLDERS)];

export class IdentityTemplateError extends Error {}

/** Why a template is not valid (as Hono's `IdentityTemplate.checkValidity` decides), or undefined. */
export function identityTemplateProblem(template: string): string | undefined {
  const used = template.match(/\{\{.*?\}\}/g) ?? [];
  const supported = IDENTITY_TEMPLATE_PLACEHOLDERS.join(', ');
  if (used.length === 0) return `must contain at least one of ${supported}`;
  const unsupported = used.filter((placeholder) => !IDENTITY_TEMPLATE_PLACEHOLDERS.includes(placeholder));
  if (unsupported.length > 0) return `has unsupported placeholders ${unsupported.join(', ')} (supported: ${supported})`;
  return undefined;
}

/**
 * Fills a template from a client certificate's subject DN, as Hono's protocol adapters do:
 * `{{subject-dn}}` is the RFC 2253 form, the others the attribute's value. Throws
 * IdentityTemplateError when the DN lacks an attribute the template names.
 */
export function applyIdentityTemplate(template: string, subjectDn: string): string {
  let result = template.replaceAll('{{subject-dn}}', normalizeDistinguishedName(subjectDn));
  for (const [placeholder, keyword] of Object.entries(ATTRIBUTE_PLACEHOLDERS)) {
    if (!result.includes(placeholder)) continue;
    const value = distinguishedNameAttribute(subjectDn, keyword);
    if (!value) throw new IdentityTemplateError(`the subject DN has no ${keyword} for ${placeholder}`);
    result = result.replaceAll(placeholder, value);
  }
  return result;
}
