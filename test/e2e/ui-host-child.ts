// A host process for the app's lifecycle tests: the real server, stopped cleanly on SIGTERM (as `stylebridge serve` does).
import { startServer } from '../../src/node/server/index.js';

const server = await startServer({ ...(process.env.STYLEBRIDGE_CONFIG_DIR ? { configDir: process.env.STYLEBRIDGE_CONFIG_DIR } : {}) });
process.stdout.write(`listening ${server.port}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
