import { defineAction, z } from '../../../core/plugin-sdk';
import { sendMessage } from '../twilio.client';

const E164 = /^\+[1-9]\d{6,14}$/;

export const sendSmsAction = defineAction({
  description: 'Send an SMS from the connection’s Twilio number or messaging service',
  kind: 'write',
  input: z.object({
    to: z.string().regex(E164, 'must be an E.164 phone number (+14155550100)'),
    // Twilio's limit: 1,600 characters, sent as up to 10 segments
    body: z.string().min(1).max(1600),
    from: z.string().min(1).max(64).optional(),
  }),
  output: z.object({
    sid: z.string(),
    status: z.string(),
    to: z.string().nullable(),
    from: z.string().nullable(),
    segments: z.number().int().nullable(),
  }),
  run: async (ctx, input) => {
    const m = await sendMessage(ctx, input);
    return { sid: m.sid, status: m.status, to: m.to, from: m.from, segments: m.num_segments === null ? null : Number(m.num_segments) };
  },
});
