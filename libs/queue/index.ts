export * from './jobs.js';
export * from './queue.module.js';
