import { definePlugin, refusedCredentials } from '../../core/plugin-sdk';
import { sendSmsAction } from './actions/send-sms.action';
import { twilioManifest } from './manifest';
import { currentAccount } from './twilio.client';
import type { TwilioError } from './twilio.types';
import { twilioWebhooks } from './webhooks';

export default definePlugin({
  ...twilioManifest,
  entities: {},
  actions: {
    send_sms: sendSmsAction,
  },
  webhooks: twilioWebhooks,
  async checkConnection(ctx) {
    try {
      const account = await currentAccount(ctx);
      if (account.status !== 'active') return { ok: false, account: account.sid, detail: `the account is ${account.status}` };
      return { ok: true, account: account.friendly_name ?? account.sid };
    } catch (e) {
      return refusedCredentials(e, (body) => (body as TwilioError | null)?.message);
    }
  },
  simulator: () => import('./simulator/twilio.simulator.js'),
});
