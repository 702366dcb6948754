export * from './code-change-applier.service.js';
export * from './code-writer.service.js';
export * from './code-writer.module.js';
export * from './code-reader.service.js';
export * from './token-revoker.service.js';
