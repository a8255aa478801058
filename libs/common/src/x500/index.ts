export * from './distinguished-name';
export * from './certificate';
export * from './key-types';
export * from './identity-template';
