/** OCPI 2.2.1's Role enum (section 16.5): what a party may be, in our own credentials and in a peer's. */
export const OCPI_ROLES = ['CPO', 'EMSP', 'HUB', 'NAP', 'NSP', 'OTHER', 'SCSP'] as const;
export type OcpiRole = (typeof OCPI_ROLES)[number];
