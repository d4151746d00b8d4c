export { startServer, openInBrowser, type ServeOptions, type RunningServer } from './server.ts';
export type { RunRow } from './wire.ts';
