import type { WireDialect } from '../contracts/index.ts';
import { anthropicUpstreamCodec } from './anthropic/upstream-codec.ts';
import { geminiUpstreamCodec } from './gemini/upstream-codec.ts';
import type { UpstreamCodec } from './upstream-codec.ts';

/** The upstream formats other than chat that the canonical form can be translated to. */
export const upstreamCodecs: Readonly<Partial<Record<WireDialect, UpstreamCodec>>> = {
  anthropic: anthropicUpstreamCodec,
  gemini: geminiUpstreamCodec,
};
