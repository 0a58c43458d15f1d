import { AddressGuard } from './address-guard';

describe('AddressGuard', () => {
  const strict = new AddressGuard([]);

  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1',
    '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '[::1]',
  ])('refuses %s', (ip) => {
    expect(strict.refusal(ip)).toMatch(/private, loopback or link-local/);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1'])('lets %s through', (ip) => {
    expect(strict.refusal(ip)).toBeNull();
  });

  it('opens only the networks an operator allows', () => {
    const loopback = new AddressGuard(['127.0.0.0/8', '::1/128']);
    expect(loopback.refusal('127.0.0.1')).toBeNull();
    expect(loopback.refusal('::1')).toBeNull();
    expect(loopback.refusal('10.0.0.1')).not.toBeNull();
  });

  it('checks URLs: scheme, credentials and IP literals; hostnames are left to the lookup', () => {
    expect(strict.urlProblem('ftp://example.com/x')).toBe('must be an http(s) URL');
    expect(strict.urlProblem('not a url')).toBe('must be an absolute http(s) URL');
    expect(strict.urlProblem('https://user:pw@example.com/')).toBe('must not carry credentials');
    expect(strict.urlProblem('http://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
    expect(strict.urlProblem('http://[::1]:8080/x')).toMatch(/loopback/);
    expect(strict.urlProblem('https://hooks.example.com/x')).toBeNull();
  });

  it('fails a lookup whose answer is a refused address', async () => {
    const result = await new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      strict.lookup('localhost', {}, (err, address) => resolve({ err, address })));
    expect(result.err?.message).toMatch(/refused to connect to localhost/);
    const allowed = new AddressGuard(['127.0.0.0/8', '::1/128']);
    const ok = await new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      allowed.lookup('localhost', {}, (err, address) => resolve({ err, address })));
    expect(ok.err).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(ok.address);
  });
});
