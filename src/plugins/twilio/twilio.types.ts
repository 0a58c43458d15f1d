/** The fields of Twilio's 2010-04-01 resources that the plugin reads. */
export interface TwilioAccount {
  sid: string;
  owner_account_sid: string | null;
  friendly_name: string | null;
  status: 'active' | 'suspended' | 'closed';
}

export interface TwilioAccountList {
  accounts: TwilioAccount[];
}

export interface TwilioMessage {
  sid: string;
  account_sid: string;
  to: string | null;
  from: string | null;
  messaging_service_sid: string | null;
  body: string | null;
  status: string;
  num_segments: string | null;
  date_created: string | null;
  error_code: number | null;
  error_message: string | null;
}

/** Twilio's error body. */
export interface TwilioError {
  code: number;
  message: string;
  more_info: string;
  status: number;
}
