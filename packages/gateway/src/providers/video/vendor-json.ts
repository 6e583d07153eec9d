import type { z } from 'zod';
import { UpstreamError } from '../../errors/index.ts';
import type { VideoCall } from './types.ts';

/** A vendor's JSON answer that does not have the documented shape: a 502, never a crash. */
export function malformedVideo(provider: string, detail: string, body: unknown): UpstreamError {
  return new UpstreamError('upstream_error', provider, 200, JSON.stringify(body ?? null).slice(0, 2000), {
    message: `The upstream provider returned an unexpected video response (${detail}).`,
  });
}

/** Parses a vendor answer with a (lenient) schema; a mismatch is a 502 naming what was missing. */
export function parseVendor<T>(schema: z.ZodType<T>, answer: unknown, call: VideoCall, detail: string): T {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw malformedVideo(call.route.provider.name, detail, answer);
  return parsed.data;
}

/** An absolute URL below the provider's base URL, for `VendorHttp.getJson`. */
export function vendorUrl(call: VideoCall, path: string): string {
  return call.route.provider.baseUrl + path;
}

/** `data:image/png;base64,AAAA` → `AAAA` (vendors that take raw base64 or a URL); URLs unchanged. */
export function rawBase64OrUrl(url: string): string {
  const match = /^data:[\w.+-]+\/[\w.+-]+;base64,(.*)$/s.exec(url);
  return match ? match[1]! : url;
}

/** `720P` → `720p`: vendors that spell resolution tiers in lower case. */
export function lowerTier(resolution: string | undefined): string | undefined {
  return resolution?.toLowerCase();
}
