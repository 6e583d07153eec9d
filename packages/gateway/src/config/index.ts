export {
  ConfigError,
  type GatewayConfig,
  type LoadConfigOptions,
  loadConfig,
  type S3StoreConfig,
  type StorageConfig,
} from './load-config.ts';
export type { ConfigFile } from './schema.ts';
