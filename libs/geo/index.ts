export * from './geohash.js';
export * from './neighbours.js';
export * from './distance.js';
export * from './area.js';
