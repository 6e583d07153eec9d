import * as z from 'zod';
import { mediaModalities, modalitiesByKind } from '../routing/media-models.ts';
import { imageRulesSchema, routeSchema, videoRulesSchema } from './schema.ts';

/**
 * A media model once the config file is merged over the catalog: each kind has its own
 * price unit, all in credits (100 credits = $1), and no chat-only field (dialect,
 * maxOutputTokens, contextWindow, tools, vision) is accepted.
 */
const credits = z.number().nonnegative();
const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? `required (${what})` : undefined),
});

const common = {
  route: routeSchema.optional(),
  routes: z.array(routeSchema).min(1).optional(),
  disabled: z.boolean().optional(),
  intents: z.array(z.string().min(1)).optional(),
};

const image = z.strictObject({
  kind: z.literal('image'),
  ...common,
  price: z.strictObject(
    {
      perImage: credits,
      /** Resolution tiers priced apart, e.g. `{ 2K: 8, 4K: 16 }`. */
      tiers: z.record(z.string().min(1), credits).optional(),
    },
    required('credits per image, e.g. { perImage: 4 }'),
  ),
  modalities: z.array(z.enum(modalitiesByKind.image)).min(1).optional(),
  rules: imageRulesSchema.optional(),
});

const video = z.strictObject({
  kind: z.literal('video'),
  ...common,
  price: z
    .strictObject(
      { perSecond: credits.optional(), perClip: credits.optional() },
      required('credits per second and/or per clip, e.g. { perSecond: 10 }'),
    )
    .refine((price) => price.perSecond !== undefined || price.perClip !== undefined, {
      message: 'set perSecond, perClip or both (credits)',
    }),
  modalities: z.array(z.enum(modalitiesByKind.video)).min(1).optional(),
  videoRules: videoRulesSchema.optional(),
});

const audio = z.strictObject({
  kind: z.literal('audio'),
  ...common,
  price: z.strictObject({ perRequest: credits }, required('credits per request, e.g. { perRequest: 2 }')),
  modalities: z.array(z.enum(modalitiesByKind.audio)).min(1).optional(),
});

const gpu = z.strictObject({
  kind: z.literal('gpu'),
  ...common,
  price: z
    .strictObject(
      { perCall: credits.optional(), perSecond: credits.optional() },
      required('credits per call or per second, e.g. { perCall: 50 }'),
    )
    .refine((price) => price.perCall !== undefined || price.perSecond !== undefined, {
      message: 'set perCall or perSecond (credits)',
    }),
  maxSeconds: z.number(required('maximum execution time in seconds')).positive(),
  modalities: z.array(z.enum(mediaModalities)).min(1).optional(),
  name: z.string().min(1).optional(),
  mode: z.enum(['sync', 'async']).optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
});

export const mediaModelSchema = z.discriminatedUnion('kind', [image, video, audio, gpu]);
export type MediaModelConfig = z.infer<typeof mediaModelSchema>;
