import type { PluginContext } from '../../core/plugin-sdk';
import type { TwilioAccount, TwilioAccountList, TwilioMessage } from './twilio.types';

const API = '/2010-04-01';

/**
 * The account the credentials belong to. Plugins never see credentials, so the SID is read from
 * the connection's `accountSid` setting or, without it, from the accounts the credentials may list
 * (the main account is its own owner; a subaccount's key lists only itself).
 */
export async function currentAccount(ctx: PluginContext): Promise<TwilioAccount> {
  const sid = ctx.settings.accountSid;
  if (sid) return ctx.http.get<TwilioAccount>(`${API}/Accounts/${encodeURIComponent(sid)}.json`);
  const { accounts } = await ctx.http.get<TwilioAccountList>(`${API}/Accounts.json`, { PageSize: 20 });
  const account = accounts.find((a) => a.sid === a.owner_account_sid) ?? accounts[0];
  if (!account) throw new Error('the credentials list no Twilio account');
  return account;
}

export interface SendMessageInput {
  to: string;
  body: string;
  /** a Twilio number or sender id; else the connection's `from` or `messagingServiceSid` setting */
  from?: string;
}

/** Sends one message (POST .../Messages.json, form-encoded as Twilio expects). */
export async function sendMessage(ctx: PluginContext, input: SendMessageInput): Promise<TwilioMessage> {
  const account = await currentAccount(ctx);
  const from = input.from ?? ctx.settings.from;
  const service = ctx.settings.messagingServiceSid;
  if (!from && !service) throw new Error('no sender: pass `from`, or set the connection setting `from` or `messagingServiceSid`');
  const form: Record<string, string> = { To: input.to, Body: input.body, ...(from ? { From: from } : { MessagingServiceSid: service! }) };
  const res = await ctx.http.request<TwilioMessage>({ method: 'POST', path: `${API}/Accounts/${account.sid}/Messages.json`, form });
  return res.body;
}
