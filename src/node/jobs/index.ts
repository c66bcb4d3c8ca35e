// The job queue's public surface.
export * from './job-queue.js';
