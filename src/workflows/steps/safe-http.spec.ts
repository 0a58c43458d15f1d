import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAddressRefused } from '../../core/http';
import { SafeHttpAgent } from './safe-http';

describe('SafeHttpAgent', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('reached'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('refuses internal literals, other schemes and credentials before connecting', () => {
    const agent = new SafeHttpAgent([]);
    for (const url of ['http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:80/', 'http://[::ffff:127.0.0.1]/', 'ftp://example.test/', 'https://user:pw@example.test/']) {
      expect(() => agent.check(new URL(url))).toThrow(/^url /);
    }
    expect(() => agent.check(new URL('https://example.test/hook'))).not.toThrow();
    return agent.close();
  });

  it('refuses a host name that resolves to an internal address when connecting, unless its network is allowed', async () => {
    const strict = new SafeHttpAgent([]);
    const err = await strict.dispatcher.request({ origin: `http://localhost:${port}`, path: '/', method: 'GET' }).then(() => null, (e: unknown) => e);
    expect(isAddressRefused(err)).toBe(true);
    await strict.close();

    const open = new SafeHttpAgent(['127.0.0.0/8', '::1/128']);
    const res = await open.dispatcher.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' });
    expect(await res.body.text()).toBe('reached');
    await open.close();
  });
});
