import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.ts';

/** A `${NAME}` reference, as an operator writes it in the config file. */
const envRef = (name: string) => `\${${name}}`;
const load = (inline: unknown, env: Record<string, string> = {}) =>
  loadConfig({ inline, env, cwd: '/srv/gw' });

describe('storage and network configuration', () => {
  it('defaults to local disk under the data dir, 7-day links, no allowlist', () => {
    const config = load({});
    expect(config.storage).toEqual({
      backend: 'local',
      dir: join('/srv/gw', 'data', 'files'),
      s3: undefined,
      signingSecret: undefined,
      secretDir: join('/srv/gw', 'data'),
      urlTtlSeconds: 7 * 24 * 3600,
      maxFileBytes: 100 * 1024 * 1024,
      quotaBytes: undefined,
    });
    expect(config.network.allowPrivate).toEqual([]);
    expect(load({}, { HYPEREAL_DATA_DIR: '/var/lib/hypereal' }).storage.dir).toBe('/var/lib/hypereal/files');
  });

  it('reads the S3 backend, with credentials from the environment', () => {
    const config = load(
      {
        storage: {
          backend: 's3',
          s3: {
            bucket: 'media-bucket',
            endpoint: 'http://minio:9000',
            forcePathStyle: true,
            accessKeyId: envRef('S3_KEY'),
            secretAccessKey: envRef('S3_SECRET'),
          },
          signingSecret: envRef('LINK_SECRET'),
          urlTtlSeconds: 3600,
        },
      },
      { S3_KEY: 'key', S3_SECRET: 'secret', LINK_SECRET: 'x'.repeat(40) },
    );
    expect(config.storage.s3).toEqual({
      bucket: 'media-bucket',
      region: 'us-east-1',
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
      prefix: '',
    });
    expect(config.storage.signingSecret).toBe('x'.repeat(40));
    expect(config.storage.urlTtlSeconds).toBe(3600);
    const fromEnv = 'e'.repeat(32);
    expect(load({}, { HYPEREAL_STORAGE_SIGNING_SECRET: fromEnv }).storage.signingSecret).toBe(fromEnv);
    expect(() => load({}, { HYPEREAL_STORAGE_SIGNING_SECRET: 'short' })).toThrow(
      /storage\.signingSecret \(or HYPEREAL_STORAGE_SIGNING_SECRET\): use at least 32 characters/,
    );
  });

  it.each([
    [{ storage: { backend: 's3' } }, /storage\.s3: required when backend is s3/],
    [{ storage: { backend: 'ftp' } }, /storage\.backend: /],
    [{ storage: { s3: { bucket: 'ab' } } }, /storage\.s3\.bucket: S3 bucket names have 3 to 63 characters/],
    [
      { storage: { signingSecret: 'short' } },
      /storage\.signingSecret: use at least 32 characters \(or \$\{ENV_VAR\}\)/,
    ],
    [{ storage: { urlTtlSeconds: 0 } }, /storage\.urlTtlSeconds: /],
    [{ storage: { maxFileBytes: 1.5 } }, /storage\.maxFileBytes: /],
    [{ storage: { bucket: 'x' } }, /storage: .*\(bucket\)/],
    [
      { network: { allowPrivate: ['10.0.0.0/8', 'http://minio'] } },
      /network\.allowPrivate\.1: expected a host name/,
    ],
  ])('names the field of a bad value: %j', (inline, message) => {
    expect(() => load(inline)).toThrow(ConfigError);
    expect(() => load(inline)).toThrow(message);
  });
});
