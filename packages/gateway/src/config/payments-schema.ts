import * as z from 'zod';

/**
 * `payments:` in the config file: Stripe Checkout top-ups. Secrets may be `${ENV_VAR}`;
 * `STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`, `STRIPE_API_BASE` and `STRIPE_CURRENCY`
 * in the environment win.
 */
export const paymentsSchema = z
  .object({
    stripe: z
      .object({
        secretKey: z.string().optional(),
        webhookSecret: z.string().optional(),
        /** Another API host (a local fake in tests): `http://127.0.0.1:12111`. */
        apiBase: z.url().optional(),
      })
      .strict()
      .optional(),
    /** ISO 4217, lowercase; a two-decimal currency (100 credits = 1.00 of it). */
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'expected a three-letter ISO currency code')
      .optional(),
    /** Credits per top-up; the contract's floor is 200 (= $2). */
    minimumCredits: z.number().int().min(200, 'top-ups are at least 200 credits ($2)').optional(),
    maximumCredits: z.number().int().positive().optional(),
    /** The amounts offered as buttons on /credits. */
    presetCredits: z.array(z.number().int().positive()).max(8).optional(),
  })
  .strict();

export type PaymentsConfigFile = z.infer<typeof paymentsSchema>;
