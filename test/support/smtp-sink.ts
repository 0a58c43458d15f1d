import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SunkMail {
  from: string;
  to: string[];
  /** the message as sent (headers and body) */
  data: string;
  /** the Subject header, unfolded and with its RFC 2047 encoded words decoded */
  subject: string;
}

/** `=?UTF-8?Q?...?=` and `=?UTF-8?B?...?=` words as text (what a mail reader shows). */
function decodeWords(header: string): string {
  return header.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_h, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'));
}

/**
 * A tiny SMTP server on loopback that accepts every message and keeps it: enough of RFC 5321 for
 * nodemailer (EHLO without extensions, MAIL, RCPT, DATA, RSET, NOOP, QUIT).
 */
export async function startSmtpSink(): Promise<{ url: string; messages: SunkMail[]; close(): Promise<void> }> {
  const messages: SunkMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let mail: SunkMail = { from: '', to: [], data: '', subject: '' };
    const say = (line: string) => socket.write(`${line}\r\n`);
    say('220 sink.local ESMTP ready');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          mail.data = buffer.slice(0, end).replace(/^\.\./gm, '.');
          mail.subject = decodeWords(/^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(mail.data)?.[1].replace(/\r\n[ \t]/g, ' ') ?? '');
          buffer = buffer.slice(end + 5);
          inData = false;
          messages.push(mail);
          mail = { from: '', to: [], data: '', subject: '' };
          say('250 2.0.0 queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') say('250 sink.local');
        else if (verb === 'MAIL') (mail.from = /<(.*)>/.exec(line)?.[1] ?? ''), say('250 2.1.0 ok');
        else if (verb === 'RCPT') (mail.to.push(/<(.*)>/.exec(line)?.[1] ?? ''), say('250 2.1.5 ok'));
        else if (verb === 'DATA') (inData = true), say('354 end with <CRLF>.<CRLF>');
        else if (verb === 'RSET') (mail = { from: '', to: [], data: '', subject: '' }), say('250 2.0.0 ok');
        else if (verb === 'NOOP') say('250 2.0.0 ok');
        else if (verb === 'QUIT') (say('221 2.0.0 bye'), socket.end());
        else say('502 5.5.2 not implemented');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    messages,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}
