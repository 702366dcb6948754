export * from './auth.module.js';
export * from './guards.js';
export * from './token.service.js';
export * from './hs256.js';
export * from './admin-authenticator.js';
export * from './admin-accounts.service.js';
export * from './passwords.js';
