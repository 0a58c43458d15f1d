// Tests never reach the internet: any outbound socket to a non-loopback address fails loudly.
const net = require('node:net');
const original = net.Socket.prototype.connect;
const LOOPBACK = /^(127\.|::1$|::ffff:127\.|localhost$)/;
net.Socket.prototype.connect = function connect(...args) {
  const opts = typeof args[0] === 'object' && args[0] !== null ? args[0] : { port: args[0], host: args[1] };
  if (opts && opts.path === undefined && opts.host && !LOOPBACK.test(String(opts.host))) {
    throw new Error(`test tried to reach ${opts.host}:${opts.port}; tests may only use loopback`);
  }
  return original.apply(this, args);
};
