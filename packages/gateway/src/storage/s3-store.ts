import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
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

const isMissing = (error: unknown): boolean =>
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
  readonly #client: S3Client;
  readonly #config: S3StoreConfig;

  constructor(config: S3StoreConfig) {
    this.#config = config;
    this.#client = new S3Client({
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
    if (Buffer.isBuffer(body)) {
      if (body.length > options.maxBytes) throw tooLarge(options.maxBytes);
      const sha256 = createHash('sha256').update(body).digest('hex');
      await this.#client.send(
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
      await this.#client.send(
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
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#config.bucket, Key: this.#key(key) }),
      );
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | undefined> {
    try {
      const object = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#config.bucket,
          Key: this.#key(key),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      if (!(object.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream body');
      return { contentLength: object.ContentLength ?? 0, stream: object.Body };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#config.bucket, Key: this.#key(key) }));
  }

  close(): void {
    this.#client.destroy();
  }
}
