// The rates' dashboards, live (templates/rates.html): every few seconds, reads the tables and
// charts again from the URL in #rates-live's data-live (GET /rates/live?…, an HTML fragment
// the server renders, numbers only) and swaps them in, without reloading the page. Without
// this script the page is the same, read when it was loaded. Only a response the server
// marks as the fragment is swapped in (a login page after the session ended is not): then,
// or after several failures in a row, the updates stop and #rates-status says to reload.
// While the tab is hidden nothing is asked for; it reads again as soon as it is shown.
(function () {
  'use strict';
  var live = document.getElementById('rates-live');
  var status = document.getElementById('rates-status');
  if (!live || !live.dataset.live || typeof window.fetch !== 'function') return;

  var EVERY_MS = 5000;
  var MAX_FAILURES = 3;
  var failures = 0;
  var timer = null;
  var stopped = false;
  var inFlight = false;

  function stop() {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    if (status) {
      status.textContent = status.dataset.stopped || '';
      status.hidden = false;
    }
  }

  function later() {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(refresh, EVERY_MS);
  }

  function refresh() {
    timer = null;
    if (stopped || inFlight) return;
    if (document.visibilityState === 'hidden') return; // resumed by visibilitychange
    inFlight = true;
    fetch(live.dataset.live, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'text/html' },
      redirect: 'manual',
    })
      .then(function (response) {
        if (!response.ok || response.headers.get('X-Sesshu-Fragment') !== 'rates') {
          // Signed out (a redirect to the login), refused, or not the fragment: asking
          // again would not help.
          stop();
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        failures = 0;
        live.innerHTML = html;
        live.dataset.updated = String(Date.now());
      })
      .catch(function () {
        // The network or the server failed: try again, a few times.
        failures += 1;
        if (failures >= MAX_FAILURES) stop();
      })
      .then(function () {
        inFlight = false;
        later();
      });
  }

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && !stopped && !timer && !inFlight) refresh();
  });
  later();
})();
