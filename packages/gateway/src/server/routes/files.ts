import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { GatewayError } from '../../errors/index.ts';
import { contentDisposition, type FileRecord, fileKinds, parseRange } from '../../storage/index.ts';
import type { Services } from '../services.ts';
import { v1Paths } from '../v1-paths.ts';
import { validate } from '../validate-body.ts';

const contentQuerySchema = z.object({ expires: z.string().optional(), signature: z.string().optional() });
const uploadQuerySchema = z.object({
  filename: z.string().min(1).max(255).optional(),
  kind: z.enum(fileKinds).optional(),
});
const kindSchema = z.object({ kind: z.enum(fileKinds).default('upload') });
export const listQuerySchema = z.object({
  kind: z.enum(fileKinds).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).optional(),
});

/** Where links point: HYPEREAL_PUBLIC_URL when set, else the host this request came to. */
export function publicBaseUrl(services: Services, request: FastifyRequest): string {
  return services.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

/**
 * GET /v1/files/{id}/content?expires=&signature=: the bytes behind a signed link. No
 * API key: the signature is the credential (403 when wrong or expired, 404 once the
 * file is deleted). Single byte ranges (RFC 9110 §14) and If-None-Match are honoured.
 */
export function registerFileContentRoutes(app: FastifyInstance, services: Services): void {
  for (const path of v1Paths('/files/:id/content')) {
    app.get(path, async (request, reply) => {
      const { id } = request.params as { id: string };
      const query = validate(contentQuerySchema, request.query);
      const { file, open } = await services.files.openSigned(id, query.expires, query.signature);
      const etag = `"${file.sha256}"`;
      const secondsLeft = Math.max(0, Number(query.expires) - Math.floor(Date.now() / 1000));
      reply
        .header('etag', etag)
        .header('cache-control', `private, max-age=${secondsLeft}`)
        .header('accept-ranges', 'bytes')
        .header('x-content-type-options', 'nosniff')
        // A stored file is data, never a page of ours: no scripts even if someone uploads HTML.
        .header('content-security-policy', "default-src 'none'; sandbox");
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      const range = parseRange(request.headers.range, file.sizeBytes);
      const body = await open(range);
      reply
        .header('content-type', file.contentType)
        .header('content-length', String(body.contentLength))
        .header('content-disposition', contentDisposition(file.filename, file.contentType));
      if (range)
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${file.sizeBytes}`);
      return reply.send(body.stream);
    });
  }
}

/** A file as the APIs show it, with a fresh signed `url` (also used by /api/files). */
export function fileView(services: Services, request: FastifyRequest, file: FileRecord) {
  const link = services.files.signedUrl(file.id, publicBaseUrl(services, request));
  // camelCase and epoch milliseconds, like the account API.
  return {
    id: file.id,
    kind: file.kind,
    filename: file.filename,
    contentType: file.contentType,
    bytes: file.sizeBytes,
    sha256: file.sha256,
    createdAt: file.createdAt,
    url: link.url,
    urlExpiresAt: link.expiresAt * 1000,
  };
}

/** The upload: one multipart file part, or the raw body (`?filename=&kind=`, type from Content-Type). */
async function readUpload(
  request: FastifyRequest,
): Promise<{ body: Buffer | Readable; filename: string; contentType: string; kind: string | undefined }> {
  const query = validate(uploadQuerySchema, request.query);
  if (request.isMultipart()) {
    const part = await request.file();
    if (!part)
      throw new GatewayError('invalid_request', { message: 'The form has no file part.', param: 'file' });
    const field = part.fields['kind'];
    const formKind =
      field && !Array.isArray(field) && field.type === 'field' ? String(field.value) : undefined;
    return {
      body: part.file,
      filename: query.filename ?? part.filename,
      contentType: part.mimetype,
      kind: formKind ?? query.kind,
    };
  }
  if (!query.filename)
    throw new GatewayError('invalid_request', {
      message: 'Give ?filename= for a raw upload.',
      param: 'filename',
    });
  return {
    // No body at all (Content-Length: 0 and no type) leaves no stream: an empty file.
    body: request.body instanceof Readable ? request.body : Buffer.alloc(0),
    filename: query.filename,
    contentType: request.headers['content-type'] ?? 'application/octet-stream',
    kind: query.kind,
  };
}

/**
 * /v1/storage/files: the caller's own files (Bearer ck_ key, like every /v1 route).
 * Registered in its own scope: there the body is a stream, not the app-wide JSON text.
 */
export function registerStorageRoutes(app: FastifyInstance, services: Services): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    await scope.register(multipart, {
      // One byte over the limit reaches FileService, which answers 413 (busboy would only truncate).
      limits: { fileSize: services.files.maxFileBytes + 1, files: 1, fields: 10, parts: 12 },
    });
    const userOf = (request: FastifyRequest) => request.hypereal.principal!.userId;
    const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

    for (const path of v1Paths('/storage/files')) {
      scope.post(path, async (request, reply: FastifyReply) => {
        const upload = await readUpload(request);
        const { kind } = validate(kindSchema, { kind: upload.kind });
        const file = await services.files.save({
          userId: userOf(request),
          body: upload.body,
          filename: upload.filename,
          contentType: upload.contentType,
          kind,
        });
        return reply.code(201).send(fileView(services, request, file));
      });
      scope.get(path, async (request) => {
        const query = validate(listQuerySchema, request.query);
        const page = await services.files.list(userOf(request), query);
        return {
          data: page.files.map((file) => fileView(services, request, file)),
          nextCursor: page.nextCursor,
        };
      });
      scope.get(`${path}/:id`, async (request) =>
        fileView(services, request, await services.files.get(userOf(request), idOf(request))),
      );
      scope.get(`${path}/:id/content`, async (request, reply) => {
        const file = await services.files.get(userOf(request), idOf(request));
        const link = services.files.signedUrl(file.id, publicBaseUrl(services, request));
        return reply.redirect(link.url, 302);
      });
      scope.delete(`${path}/:id`, async (request) => {
        await services.files.delete(userOf(request), idOf(request));
        return { id: idOf(request), deleted: true };
      });
    }
  });
}
