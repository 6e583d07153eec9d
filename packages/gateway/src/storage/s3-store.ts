import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3StoreConfig } from '../config/index.ts';
import {
  assertSafeKey,
  type ByteRange,
  type ObjectBody,
  type ObjectHead,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from './object-store.ts';
import { spoolToFile, tooLarge } from './spool.ts';

/** S3 wants the SHA-256 checksum base64-encoded; we keep it in hex. */
const base64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** The SDK (~35 MB resident) is imported when a bucket is first used, not at startup. */
type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdk: Promise<S3Sdk> | undefined;
const loadSdk = (): Promise<S3Sdk> => {
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
};

const isMissing = (error: unknown, { S3ServiceException }: S3Sdk): boolean =>
  error instanceof S3ServiceException &&
  (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404);

/**
 * An S3-compatible bucket (AWS, MinIO, R2, …). A stream of unknown length is spooled
 * to a temporary file first: PutObject needs the length up front, and the size limit
 * and SHA-256 are then settled before anything reaches the bucket.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 */
export class S3ObjectStore implements ObjectStore {
  readonly backend = 's3';
  #client: S3Client | undefined;
  readonly #config: S3StoreConfig;

  constructor(config: S3StoreConfig) {
    this.#config = config;
  }

  async #sdk(): Promise<{ client: S3Client; sdk: S3Sdk }> {
    const loaded = await loadSdk();
    this.#client ??= this.#createClient(loaded);
    return { client: this.#client, sdk: loaded };
  }

  #createClient({ S3Client }: S3Sdk): S3Client {
    const config = this.#config;
    return new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      // The SDK's default streams uploads as aws-chunked with a trailing CRC, which many
      // S3-compatible servers store verbatim; we send our own SHA-256 instead.
      // @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-dataintegrity.html
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
    });
  }

  #key(key: string): string {
    assertSafeKey(key);
    return `${this.#config.prefix}${key}`;
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions): Promise<StoredObject> {
    const target = { Bucket: this.#config.bucket, Key: this.#key(key), ContentType: options.contentType };
    const {
      client,
      sdk: { PutObjectCommand },
    } = await this.#sdk();
    if (Buffer.isBuffer(body)) {
      if (body.length > options.maxBytes) throw tooLarge(options.maxBytes);
      const sha256 = createHash('sha256').update(body).digest('hex');
      await client.send(
        new PutObjectCommand({
          ...target,
          Body: body,
          ContentLength: body.length,
          ChecksumSHA256: base64(sha256),
        }),
      );
      return { size: body.length, sha256 };
    }
    const temp = join(tmpdir(), `hypereal-upload-${randomBytes(12).toString('hex')}`);
    try {
      const stored = await spoolToFile(body, temp, options.maxBytes);
      await client.send(
        new PutObjectCommand({
          ...target,
          Body: createReadStream(temp),
          ContentLength: stored.size,
          ChecksumSHA256: base64(stored.sha256),
        }),
      );
      return stored;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const { client, sdk } = await this.#sdk();
    try {
      const head = await client.send(
        new sdk.HeadObjectCommand({ Bucket: this.#config.bucket, Key: this.#key(key) }),
      );
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error, sdk)) return undefined;
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | undefined> {
    const { client, sdk } = await this.#sdk();
    try {
      const object = await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.#config.bucket,
          Key: this.#key(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      if (!(object.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream body');
      return { contentLength: object.ContentLength ?? 0, stream: object.Body };
    } catch (error) {
      if (isMissing(error, sdk)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const { client, sdk } = await this.#sdk();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.#config.bucket, Key: this.#key(key) }));
  }

  close(): void {
    this.#client?.destroy();
  }
}
