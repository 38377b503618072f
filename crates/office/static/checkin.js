// The desk's camera (templates/checkin_form.html): reads the QR code of a confirmation with
// the device's camera and the jsQR decoder (/static/jsQR.js, loaded on first use), puts the
// token it read into the lookup field and submits the form, as a handheld scanner would.
// Without this script, or without a camera, the field is typed and the page works the same:
// the camera's section stays hidden. Texts come from the section's data- attributes (the
// page's language); nothing is sent anywhere but the form's own POST.
(function () {
  'use strict';
  var section = document.getElementById('camera');
  var form = document.getElementById('lookup-form');
  var field = document.getElementById('lookup-field');
  var toggle = document.getElementById('camera-toggle');
  var status = document.getElementById('camera-status');
  var video = document.getElementById('camera-video');
  if (!section || !form || !field || !toggle || !status || !video) return;
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') return;
  section.hidden = false;

  // A check-in token (32 hex digits) or a reservation number (KX7M-4QP9).
  var WANTED = /^([0-9A-Fa-f]{32}|[2-9A-Za-z]{4}-?[2-9A-Za-z]{4})$/;
  // Frames are decoded at most this wide, this often.
  var WIDTH = 800;
  var EVERY_MS = 150;
  var stream = null;
  var timer = null;
  var canvas = document.createElement('canvas');
  var context = canvas.getContext('2d', { willReadFrequently: true });

  function say(text) {
    status.textContent = text;
  }

  function loadDecoder() {
    if (typeof window.jsQR === 'function') return Promise.resolve(window.jsQR);
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = '/static/jsQR.js';
      script.onload = function () {
        if (typeof window.jsQR === 'function') resolve(window.jsQR);
        else reject(new Error('jsQR is missing'));
      };
      script.onerror = function () {
        reject(new Error('jsQR did not load'));
      };
      document.head.appendChild(script);
    });
  }

  function stop() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      stream = null;
    }
    video.srcObject = null;
    video.hidden = true;
    toggle.textContent = section.dataset.start;
  }

  function scan(decode) {
    timer = null;
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      var scale = Math.min(1, WIDTH / video.videoWidth);
      var w = Math.round(video.videoWidth * scale);
      var h = Math.round(video.videoHeight * scale);
      canvas.width = w;
      canvas.height = h;
      context.drawImage(video, 0, 0, w, h);
      var found = decode(context.getImageData(0, 0, w, h).data, w, h, {
        inversionAttempts: 'dontInvert',
      });
      var text = found && typeof found.data === 'string' ? found.data.trim() : '';
      if (WANTED.test(text)) {
        field.value = text;
        say(section.dataset.read);
        stop();
        if (typeof form.requestSubmit === 'function') form.requestSubmit();
        else form.submit();
        return;
      }
    }
    timer = setTimeout(function () {
      scan(decode);
    }, EVERY_MS);
  }

  function failed() {
    stop();
    say(section.dataset.failed);
    field.focus();
  }

  function start() {
    say(section.dataset.on);
    loadDecoder()
      .then(function (decode) {
        return navigator.mediaDevices
          .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
          .then(function (got) {
            stream = got;
            video.srcObject = got;
            video.hidden = false;
            toggle.textContent = section.dataset.stop;
            return video.play().then(function () {
              scan(decode);
            });
          });
      })
      .catch(failed);
  }

  toggle.addEventListener('click', function () {
    if (stream) {
      stop();
      say('');
      field.focus();
    } else {
      start();
    }
  });
  window.addEventListener('pagehide', stop);
})();
