export * from './all-errors.filter.js';
export * from './bootstrap.js';
export * from './error-response.js';
export * from './health.controller.js';
export * from './platform.module.js';
export * from './validation.js';
export * from './request-metrics.js';
export * from './fast-lane.js';
