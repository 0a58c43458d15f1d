'use strict';
/**
 * A lazy HubSpot-compatible contacts source for the sync bench: GET /crm/v3/objects/contacts with
 * limit (max 100) and an `after` cursor, answered in HubSpot's collection shape
 * ({ results, paging: { next: { after, link } } }). Records are generated from their index on each
 * request (bench/lib/sync-contacts.js); a Uint8Array holds each record's version, so "change 1%"
 * bumps versions without any per-page scan. No rate limiting, no rate-limit headers. A page's JSON is
 * built once and served from a cache until the next change: a real platform's CPU is not on the
 * machine being measured, so the stand-in should take as little of it as it can.
 *
 * Env: SOURCE_RECORDS (N). IPC: { cmd: 'change' } bumps the version of every 100th record;
 * { cmd: 'stats' } answers { requests, records, cpuMs }; { cmd: 'close' } exits.
 */
const http = require('node:http');
const { contact, isChanged } = require('./sync-contacts');

const N = Number(process.env.SOURCE_RECORDS);
const versions = new Uint8Array(N);
let requests = 0;
let served = 0;
/** `${limit}:${after}` -> response text, dropped whenever records change */
let pages = new Map();

const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  if (req.method !== 'GET' || u.pathname !== '/crm/v3/objects/contacts') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'error', message: `no route ${req.method} ${u.pathname}`, category: 'OBJECT_NOT_FOUND' }));
    return;
  }
  requests++;
  const limit = Math.min(100, Math.max(1, Number(u.searchParams.get('limit') ?? 10)));
  const after = Number(u.searchParams.get('after') ?? 0); // ids are 1-based: after=k starts at index k
  const end = Math.min(N, after + limit);
  served += Math.max(0, end - after);
  const key = `${limit}:${after}`;
  let text = pages.get(key);
  if (text === undefined) {
    const results = [];
    for (let i = after; i < end; i++) results.push(contact(i, versions[i]));
    const body = { results };
    if (end < N) {
      body.paging = { next: { after: String(end), link: `http://${req.headers.host}/crm/v3/objects/contacts?limit=${limit}&after=${end}` } };
    }
    text = JSON.stringify(body);
    pages.set(key, text);
  }
  res.writeHead(200, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
});
server.keepAliveTimeout = 60_000;

process.on('message', (m) => {
  if (m.cmd === 'change') {
    let n = 0;
    for (let i = 0; i < N; i++) if (isChanged(i)) (versions[i]++, n++);
    pages = new Map();
    process.send({ changed: n });
  } else if (m.cmd === 'stats') {
    const c = process.cpuUsage();
    process.send({ requests, records: served, cpuMs: (c.user + c.system) / 1000 });
  } else if (m.cmd === 'close') {
    server.close();
    process.exit(0);
  }
});

server.listen(0, '127.0.0.1', () => process.send({ ready: true, pid: process.pid, url: `http://127.0.0.1:${server.address().port}` }));
