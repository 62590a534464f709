import { z } from 'zod';
import { runIdSchema, variableNameSchema } from './name-schemas';

// The schemas of the client's socket requests (socket-events.ts has the
// protocol), apart so browser bundles get the protocol's types without zod.

export const subscribeRequestSchema = z.strictObject({
  run: runIdSchema,
  variable: variableNameSchema,
  fromSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type SubscribeRequest = z.infer<typeof subscribeRequestSchema>;

export const unsubscribeRequestSchema = z.strictObject({
  run: runIdSchema,
  variable: variableNameSchema,
});
export type UnsubscribeRequest = z.infer<typeof unsubscribeRequestSchema>;
