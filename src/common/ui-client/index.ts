// The /ui client in one import: the client, its socket shape, and the types of every method and event.
export * from './ui-client.js';
export * from './socket.js';
export type * from './types.js';
export * from './desktop-api.js';
