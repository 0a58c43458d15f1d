import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { ...opts, maxmem: 128 * opts.N! * opts.r! * 2 }, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

/** scrypt (memory-hard: 32 MiB per hash at these parameters), stored with its parameters so they can grow. */
@Injectable()
export class PasswordHasher {
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scryptAsync(password, salt, PARAMS);
    return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  async verify(password: string, stored: string | null | undefined): Promise<boolean> {
    const parts = stored?.split('$');
    if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') {
      // Spend the same time as a real check, so timing does not tell which accounts exist.
      await scryptAsync(password, randomBytes(16), PARAMS);
      return false;
    }
    const [, N, r, p, salt, expected] = parts;
    const key = await scryptAsync(password, Buffer.from(salt, 'base64'), { N: +N, r: +r, p: +p });
    const want = Buffer.from(expected, 'base64');
    return key.length === want.length && timingSafeEqual(key, want);
  }
}
