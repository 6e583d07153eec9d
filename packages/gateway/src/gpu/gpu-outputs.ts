import * as z from 'zod';
import type { Json } from '../contracts/index.ts';
import type { JobOutput, JobRecord } from '../jobs/types.ts';
import { safeFetch } from '../net/safe-fetch.ts';
import { sniffMediaType } from '../net/sniff-media.ts';
import type { GpuServices } from './gpu-services.ts';

/**
 * One output file of a worker, as worker-comfyui (v5+) returns them under `output.images`
 * (`{filename, type: "base64" | "s3_url", data}`,
 * https://github.com/runpod-workers/worker-comfyui#output) and the shipped worker's video handler
 * under `output.videos` (plus `content_type`, `seconds`). `url` entries are fetched like `s3_url`.
 */
const fileSchema = z.looseObject({
  filename: z.string().optional().catch(undefined),
  type: z.string().optional().catch(undefined),
  data: z.string().min(1),
  content_type: z.string().optional().catch(undefined),
  seconds: z.number().nonnegative().optional().catch(undefined),
});
const outputSchema = z.looseObject({
  images: z.array(z.unknown()).optional().catch(undefined),
  videos: z.array(z.unknown()).optional().catch(undefined),
});

/** What a stored output may be labelled; a claimed type must agree with the bytes' own signature. */
const declared = new Set(['image/png', 'image/apng', 'image/jpeg', 'image/webp', 'image/gif', 'video/mp4']);
const fetchable = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'video/mp4'] as const;
const maxOutputBytes = 100 * 1024 * 1024;
const extension: Record<string, string> = {
  'image/png': 'png',
  'image/apng': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
};

export class OutputError extends Error {}

/**
 * Copies a job's output files into the file store (kind `output`): base64 entries decoded,
 * URLs fetched with the SSRF guard (`network.allowPrivate` for private hosts). Anything that
 * is not an image or video by its own bytes is refused.
 */
export async function copyGpuOutputs(
  services: GpuServices,
  job: JobRecord,
  output: Json | undefined,
): Promise<JobOutput[]> {
  const parsed = outputSchema.safeParse(output ?? {});
  if (!parsed.success) return [];
  const entries = [
    ...(parsed.data.images ?? []).map((entry) => ({ entry, video: false })),
    ...(parsed.data.videos ?? []).map((entry) => ({ entry, video: true })),
  ];
  const outputs: JobOutput[] = [];
  for (const [index, { entry }] of entries.entries()) {
    const file = fileSchema.safeParse(entry);
    if (!file.success) throw new OutputError(`Output ${index + 1} is not a {type, data} file entry.`);
    const { bytes, sniffed } = await bytesOf(services, file.data);
    if (!sniffed) throw new OutputError(`Output ${index + 1} is neither an image nor a video.`);
    const claimed = file.data.content_type?.toLowerCase();
    // An APNG is a PNG by its signature (https://wiki.mozilla.org/APNG_Specification).
    const contentType =
      claimed &&
      declared.has(claimed) &&
      (claimed === sniffed || (claimed === 'image/apng' && sniffed === 'image/png'))
        ? claimed
        : sniffed;
    const saved = await services.files.save({
      userId: job.userId,
      body: bytes,
      filename: `${job.id}-${index + 1}.${extension[contentType] ?? 'bin'}`,
      contentType,
      kind: 'output',
    });
    outputs.push({
      fileId: saved.id,
      contentType,
      ...(file.data.seconds === undefined ? {} : { seconds: file.data.seconds }),
    });
  }
  return outputs;
}

async function bytesOf(
  services: GpuServices,
  file: z.infer<typeof fileSchema>,
): Promise<{ bytes: Buffer; sniffed: string | undefined }> {
  const type = (file.type ?? 'base64').toLowerCase();
  if (type === 'base64') {
    const data = file.data.replace(/^data:[^;,]*;base64,/, '');
    const bytes = Buffer.from(data, 'base64');
    const sniffed = sniffMediaType(bytes);
    return {
      bytes,
      sniffed: sniffed?.startsWith('image/') || sniffed?.startsWith('video/') ? sniffed : undefined,
    };
  }
  if (type === 's3_url' || type === 'url') {
    const fetched = await safeFetch(file.data, {
      param: 'output',
      maxBytes: maxOutputBytes,
      timeoutMs: 60_000,
      allowedContentTypes: fetchable,
      allowPrivate: services.config.network.allowPrivate,
    });
    return { bytes: fetched.bytes, sniffed: fetched.contentType };
  }
  throw new OutputError(`Output type "${file.type}" is not base64 or a URL.`);
}
