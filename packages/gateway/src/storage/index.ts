import { join } from 'node:path';
import type { StorageConfig } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { FileService } from './files.ts';
import { LocalObjectStore } from './local-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-store.ts';
import { loadSigningSecret, UrlSigner } from './signed-urls.ts';

export { contentDisposition, parseRange } from './content-headers.ts';
export {
  cleanContentType,
  cleanFilename,
  type FileKind,
  type FileRecord,
  FileService,
  fileKinds,
  isFileKind,
  type ListFilesOptions,
  type SaveFileInput,
  type SignedFile,
} from './files.ts';
export { LocalObjectStore } from './local-store.ts';
export type {
  ByteRange,
  ObjectBody,
  ObjectHead,
  ObjectStore,
  PutOptions,
  StoredObject,
} from './object-store.ts';
export { S3ObjectStore } from './s3-store.ts';
export { loadSigningSecret, UrlSigner } from './signed-urls.ts';

export function createObjectStore(config: StorageConfig): ObjectStore {
  return config.backend === 's3' && config.s3
    ? new S3ObjectStore(config.s3)
    : new LocalObjectStore(config.dir);
}

/** The file service as configured; the signing secret is generated into the data dir when unset. */
export function createFileService(
  config: StorageConfig,
  db: Database,
  store = createObjectStore(config),
): FileService {
  const secret = loadSigningSecret(config.signingSecret, join(config.secretDir, 'storage-signing-secret'));
  return new FileService({
    db,
    store,
    signer: new UrlSigner(secret),
    maxFileBytes: config.maxFileBytes,
    urlTtlSeconds: config.urlTtlSeconds,
    quotaBytes: config.quotaBytes,
  });
}
