import { hash } from 'node:crypto';

/** SHA-256 of a string as lowercase hex: how tokens and session ids are stored (never the secret itself). */
export const sha256 = (value: string): string => hash('sha256', value, 'hex');
