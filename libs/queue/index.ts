export * from './jobs.js';
export * from './queue.module.js';
export * from './window-requeuer.service.js';
