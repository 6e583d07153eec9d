export { ConfigError, type GatewayConfig, type LoadConfigOptions, loadConfig } from './load-config.ts';
export type { ConfigFile } from './schema.ts';
