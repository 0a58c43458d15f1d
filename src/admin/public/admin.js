// Plugboard admin: progressive enhancement only. Every page works without this script; with it,
// live blocks refresh themselves and destructive forms ask first. No inline code (the CSP forbids it).
(function () {
  'use strict';

  // <section data-poll="/admin/sync-runs/ID/progress" data-poll-ms="1000">: replaced by a fresh copy
  // of itself while the server keeps sending one with data-poll; when it stops (the run ended), the
  // page reloads once so every figure on it is final.
  function poll(el) {
    var url = el.getAttribute('data-poll');
    var every = Math.max(500, Number(el.getAttribute('data-poll-ms')) || 2000);
    function tick() {
      if (document.hidden) return setTimeout(tick, every);
      fetch(url, { credentials: 'same-origin', headers: { 'x-requested-with': 'fetch' } })
        .then(function (res) {
          if (res.redirected || !res.ok) { window.location.reload(); return null; }
          return res.text();
        })
        .then(function (html) {
          if (html === null) return;
          var box = document.createElement('template');
          box.innerHTML = html.trim();
          var fresh = box.content.firstElementChild;
          if (!fresh) return;
          el.replaceWith(fresh);
          el = fresh;
          if (fresh.hasAttribute('data-poll')) setTimeout(tick, every);
          else window.location.reload();
        })
        .catch(function () { setTimeout(tick, every * 2); });
    }
    setTimeout(tick, every);
  }

  function confirmBeforeSubmit(form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  }

  document.querySelectorAll('[data-poll]').forEach(poll);
  document.querySelectorAll('form[data-confirm]').forEach(confirmBeforeSubmit);
})();
