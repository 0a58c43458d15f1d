'use strict';
/**
 * A Stripe-compatible `POST /v1/customers` for the workflow bench, without the simulator's
 * 100 req/s limit (Stripe's documented live-mode limit, which the simulator enforces faithfully and
 * the bench exceeds on purpose). Checks the bearer key, reads the form body and answers a customer
 * object in Stripe's shape. A real platform's CPU is not on the measured machine, so this stand-in
 * does as little as it can. IPC: -> { ready, url, credentials, pid }; <- { cmd: 'close' }.
 */
const http = require('node:http');
const { randomBytes } = require('node:crypto');

const KEY = `sk_test_bench_${randomBytes(6).toString('hex')}`;
let n = 0;

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/customers') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.url})` } }));
      return;
    }
    const form = new URLSearchParams(body);
    const customer = {
      id: `cus_bench${++n}`, object: 'customer', created: Math.floor(Date.now() / 1000), email: form.get('email'), name: form.get('name'),
      phone: null, metadata: {}, livemode: false, balance: 0, currency: null, delinquent: false, description: null,
    };
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${n}` }).end(JSON.stringify(customer));
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.send({ ready: true, url: `http://127.0.0.1:${server.address().port}`, credentials: { secretKey: KEY }, pid: process.pid });
});
process.on('message', (m) => {
  if (m && m.cmd === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
