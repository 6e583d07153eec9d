export * from './accounts/index.ts';
export * from './billing/index.ts';
export * from './config/index.ts';
export * from './db/index.ts';
export * from './errors/index.ts';
export { createServices, type RunningGateway, startGateway } from './gateway.ts';
export { buildApp } from './server/app.ts';
export type { Services } from './server/services.ts';
export * from './usage/index.ts';
