export * from './colors.js';
export * from './health-code.js';
export * from './time-grid.js';
export * from './co-location.js';
export * from './exposure-policy.js';
export * from './exposure-aggregation.js';
export * from './ping-time.js';
export * from './errors.js';
