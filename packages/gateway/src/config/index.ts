export {
  ConfigError,
  type GatewayConfig,
  type GpuConfig,
  type GpuTier,
  type LoadConfigOptions,
  loadConfig,
  type S3StoreConfig,
  type StorageConfig,
} from './load-config.ts';
export type { ConfigFile } from './schema.ts';
