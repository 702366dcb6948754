export * from './code-view.js';
export * from './code-cache.js';
export * from './cache.module.js';
export * from './redis.factory.js';
export * from './redis-policy.js';
export * from './rebuild-state.js';
export * from './redis-throttler.storage.js';
export * from './login-attempts.js';
