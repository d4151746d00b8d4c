export { startServer, openInBrowser, loadUiAssets, type ServeOptions, type RunningServer } from './server.ts';
export { createApp, type AppOptions } from './app.ts';
export { LiveFeed, type ChangeEvent } from './live.ts';
export { projectTo2d, nearestNeighbours, neighbourClassConfusion, type Projection, type Neighbour } from './embedding.ts';
export { greyscalePng } from './png.ts';
export type { ExperimentsView, ExperimentView, RunView, CompareView } from './views.ts';
export type { RunRow } from './wire.ts';
