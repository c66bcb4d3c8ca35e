// Protocol v1 in one import: schema and types, validation, binary frames, limits, version.
export * from './schema.js';
export * from './validate.js';
export * from './frame.js';
export * from './transfer.js';
export * from './limits.js';
export * from './version.js';
