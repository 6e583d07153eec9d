import S3rver from 's3rver';
import type { S3StoreConfig } from '../../src/config/index.ts';
import { tempDir } from './databases.ts';

export interface TestS3 {
  /** What the gateway's `storage.s3` config takes, pointed at this server. */
  config: S3StoreConfig;
  close(): Promise<void>;
}

/**
 * A real S3-compatible HTTP server in this process (s3rver: the S3 REST API over
 * HTTP, path-style, objects on disk), on 127.0.0.1 with one fresh bucket.
 */
export async function startTestS3(bucket = 'hypereal-test-files'): Promise<TestS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: tempDir('hypereal-s3-'),
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    config: {
      bucket,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      // s3rver's fixed development credentials.
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      prefix: 'test/',
    },
    close: () => server.close(),
  };
}
