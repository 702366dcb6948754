export * from './config.js';
export * from './config.module.js';
export * from './redis-url.js';
export * from './trust-proxy.js';
