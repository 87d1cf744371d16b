/**
 * `@hocuspocus/server` 4.x with its defaults (in memory, no extensions), as its README starts it.
 */
import { Server } from '@hocuspocus/server';
import { announce, requestedPort } from './ready-line.js';

// Hocuspocus installs its own SIGINT/SIGTERM handlers (destroy, then process.exit(0)).
const server = new Server({ port: requestedPort(), address: '127.0.0.1', quiet: true });
await server.listen();
announce(server.httpServer);
