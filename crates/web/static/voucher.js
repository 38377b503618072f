// The voucher's camera on the page "my reservation" (templates/me.html): reads the QR code of
// a vaccination voucher (接種券, model 2: the 18 digits of its OCR line) with the phone's
// camera and the jsQR decoder (/static/jsQR.js, loaded on first use), and puts the digits into
// the dose's OCR field. The person checks them and sends the form; nothing is sent from here.
// Without this script or a camera the field is typed and the page works the same: the camera's
// part of each form stays hidden. Its texts come from the part's data- attributes.
(function () {
  'use strict';
  var media = navigator.mediaDevices;
  if (!media || typeof media.getUserMedia !== 'function') return;

  // What a voucher's QR code holds: 18 digits (spaces and hyphens allowed, as printed).
  var VOUCHER = /^[0-9]{18}$/;
  var MAX_WIDTH = 800;
  var PAUSE_MS = 150;
  var decoder = null;
  var active = null;

  function decoderReady() {
    if (decoder) return decoder;
    decoder = new Promise(function (resolve, reject) {
      var tag = document.createElement('script');
      tag.src = '/static/jsQR.js';
      tag.onload = function () {
        if (typeof window.jsQR === 'function') resolve(window.jsQR);
        else reject(new Error('no jsQR'));
      };
      tag.onerror = function () {
        decoder = null;
        reject(new Error('jsQR not loaded'));
      };
      document.head.appendChild(tag);
    });
    return decoder;
  }

  function Camera(part) {
    this.part = part;
    this.field = document.getElementById(part.dataset.field);
    this.button = part.querySelector('button');
    this.status = part.querySelector('p');
    this.video = part.querySelector('video');
    this.stream = null;
    this.timer = null;
    this.canvas = document.createElement('canvas');
  }

  Camera.prototype.usable = function () {
    return Boolean(this.field && this.button && this.status && this.video);
  };

  Camera.prototype.tell = function (key) {
    this.status.textContent = key ? this.part.dataset[key] : '';
  };

  Camera.prototype.off = function () {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) this.stream.getTracks().forEach(function (t) { t.stop(); });
    this.stream = null;
    this.video.srcObject = null;
    this.video.hidden = true;
    this.button.textContent = this.part.dataset.start;
    if (active === this) active = null;
  };

  // One frame, scaled down, through the decoder; again shortly unless the digits were found.
  Camera.prototype.look = function (decode) {
    var self = this;
    self.timer = null;
    if (!self.stream) return;
    var video = self.video;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      self.canvas.width = width;
      self.canvas.height = height;
      var context = self.canvas.getContext('2d', { willReadFrequently: true });
      context.drawImage(video, 0, 0, width, height);
      var code = decode(context.getImageData(0, 0, width, height).data, width, height);
      var digits = code && typeof code.data === 'string' ? code.data.replace(/[\s-]/g, '') : '';
      if (VOUCHER.test(digits)) {
        self.field.value = digits;
        self.off();
        self.tell('read');
        self.field.focus();
        return;
      }
    }
    self.timer = setTimeout(function () { self.look(decode); }, PAUSE_MS);
  };

  Camera.prototype.on = function () {
    var self = this;
    if (active) active.off();
    active = self;
    self.tell('on');
    decoderReady()
      .then(function (decode) {
        return media
          .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
          .then(function (stream) {
            if (active !== self) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              return;
            }
            self.stream = stream;
            self.video.srcObject = stream;
            self.video.hidden = false;
            self.button.textContent = self.part.dataset.stop;
            return self.video.play().then(function () { self.look(decode); });
          });
      })
      .catch(function () {
        self.off();
        self.tell('failed');
        self.field.focus();
      });
  };

  Array.prototype.forEach.call(document.querySelectorAll('.voucher-camera'), function (part) {
    var camera = new Camera(part);
    if (!camera.usable()) return;
    part.hidden = false;
    camera.button.addEventListener('click', function () {
      if (camera.stream || active === camera) {
        camera.off();
        camera.tell('');
      } else {
        camera.on();
      }
    });
  });
  window.addEventListener('pagehide', function () {
    if (active) active.off();
  });
})();
