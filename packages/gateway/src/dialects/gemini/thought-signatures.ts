import type { Json } from '../../contracts/index.ts';
/** The Gemini part field carrying `signature`, to spread into a part; nothing without one. */
export const thoughtSignaturePart = (signature: string | undefined): Json =>
  signature === undefined ? {} : { thoughtSignature: signature };
