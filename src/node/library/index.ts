// The project library's public surface: open a project, its record types, options and search query.
export { openProject, ProjectLibrary, type ListTakesOptions, type SearchResult } from './project-library.js';
export type * from './records.js';
export { LIBRARY_DEFAULTS, DEFAULT_AUDIO_EXTENSIONS, type LibraryOptions } from './options.js';
export type { SearchQuery } from './search.js';
export type { SweepReport } from './sweep.js';
export { SCHEMA_VERSION } from './schema.js';
export { DB_FILE, CAPTURES_DIR, TAKES_DIR, BOUNCES_DIR } from './layout.js';
