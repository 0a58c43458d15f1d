'use strict';

/**
 * Calls `send(i)` `rate` times a second for `seconds`, on a 5 ms clock: each tick sends as many as
 * the rate asks for so far, so a slow tick is caught up with a burst. Resolves with the start and
 * end times (epoch ms) once the window is over.
 */
function feedAtRate(rate, seconds, send) {
  const t0 = Date.now();
  const end = t0 + seconds * 1000;
  let sent = 0;
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const now = Date.now();
      const due = Math.floor(((Math.min(now, end) - t0) / 1000) * rate);
      while (sent < due) send(sent++);
      if (now >= end) {
        clearInterval(tick);
        resolve({ t0, windowEnd: Date.now() });
      }
    }, 5);
  });
}

module.exports = { feedAtRate };
