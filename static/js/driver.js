/* Driver web app: actions with an Idempotency-Key, an offline queue in localStorage replayed
   when the connection returns, position pings every 15 s while the route is active, a
   signature canvas and photos downscaled before upload (so they fit the offline queue). */
(function () {
  "use strict";
  var QUEUE = "waybill.driver.queue.v1";
  var PINGS = "waybill.driver.pings.v1";
  var root = document.getElementById("stops");
  var net = document.getElementById("net");
  var csrf = (function () {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  })();

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function load(key) { try { return JSON.parse(localStorage.getItem(key)) || []; } catch (e) { return []; } }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function setNet() {
    var queued = load(QUEUE).length;
    net.classList.toggle("offline", !navigator.onLine);
    net.textContent = (navigator.onLine ? "Online" : "Offline") +
      (queued ? " · " + queued + " action(s) waiting to be sent" : "");
  }
  function dataUrlToBlob(url) {
    var parts = url.split(","), bin = atob(parts[1]), mime = parts[0].split(":")[1].split(";")[0];
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: mime });
  }

  /* --- the queue ------------------------------------------------------------------------ */
  var sending = false;
  function enqueue(action) {
    var queue = load(QUEUE);
    queue.push(action);
    if (!save(QUEUE, queue)) { alert("The phone's storage is full; the action could not be saved."); return; }
    markQueued(action.stop, true);
    setNet();
    flush();
  }
  function markQueued(stopId, on) {
    var el = stopId && document.querySelector('#stop-' + stopId + ' [data-queued]');
    if (el) el.hidden = !on;
  }
  function request(action) {
    var headers = { "X-CSRFToken": csrf, "Idempotency-Key": action.key, "Accept": "application/json" };
    var body;
    if (action.form) {
      body = new FormData();
      Object.keys(action.form).forEach(function (name) {
        var value = action.form[name];
        if (value === null || value === "" || value === undefined) return;
        if (name === "photo") body.append("photo", dataUrlToBlob(value), "photo.jpg");
        else body.append(name, value);
      });
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(action.json || {});
    }
    return fetch(action.url, { method: "POST", headers: headers, body: body, credentials: "same-origin" });
  }
  function flush() {
    if (sending || !navigator.onLine) return;
    var queue = load(QUEUE);
    if (!queue.length) return;
    sending = true;
    var action = queue[0];
    request(action).then(function (response) {
      if (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)) {
        var rest = load(QUEUE).filter(function (a) { return a.key !== action.key; });
        save(QUEUE, rest);
        markQueued(action.stop, false);
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (problem) {
            showError(action.stop, problem.detail || ("The server refused the action (" + response.status + ")."));
            handoverRefused(action.stop, problem);
          });
        }
        if (!rest.length) window.location.reload();
      }
    }).catch(function () {
      /* offline or server down: keep it for the next attempt. A PIN in it is now checked
         later, so the server treats it as entered offline (a wrong one fails the delivery). */
      if (action.form && action.form.pin && !action.form.entered_offline) {
        var kept = load(QUEUE);
        kept.forEach(function (a) { if (a.key === action.key) a.form.entered_offline = "true"; });
        save(QUEUE, kept);
        markProvisional(action.stop, true);
      }
    })
      .then(function () { sending = false; setNet(); if (navigator.onLine && load(QUEUE).length) setTimeout(flush, 1500); });
  }
  function showError(stopId, text) {
    var el = document.querySelector('#stop-' + stopId + ' [data-error]');
    if (el) { el.textContent = text; el.hidden = false; } else { alert(text); }
    // The driver may correct the form and send it again.
    Array.prototype.forEach.call(document.querySelectorAll('#stop-' + stopId + ' [type=submit]'), function (b) { b.disabled = false; });
  }
  /* --- handover: PIN and cash on delivery ------------------------------------------------ */
  function markProvisional(stopId, on) {
    var el = stopId && document.querySelector('#stop-' + stopId + ' [data-provisional]');
    if (el) el.hidden = !on;
  }
  function handoverRefused(stopId, problem) {
    markProvisional(stopId, false);
    var code = problem.code || ((problem.errors || [])[0] || {}).code;
    var labels = { pin_failed: "PIN failed", pin_locked: "PIN locked · call dispatch" };
    if (!labels[code]) return;
    var badge = document.querySelector('#stop-' + stopId + ' [data-status]');
    if (badge) { badge.textContent = labels[code]; badge.className = "badge bad"; }
    var box = document.querySelector('#stop-' + stopId + ' [data-handover-error]');
    if (box) { box.textContent = problem.detail; box.hidden = false; }
    if (code === "pin_locked") {
      Array.prototype.forEach.call(document.querySelectorAll('#stop-' + stopId + ' form[data-action=deliver] [type=submit]'), function (b) { b.disabled = true; });
    }
  }

  /* --- actions ---------------------------------------------------------------------------- */
  function position() { return lastFix ? { latitude: lastFix.latitude, longitude: lastFix.longitude } : {}; }
  function action(url, stop, extra) {
    var a = { key: uuid(), url: url, stop: stop, at: new Date().toISOString() };
    Object.keys(extra).forEach(function (k) { a[k] = extra[k]; });
    return a;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action='arrive']");
    if (button) {
      var stop = button.closest("[data-stop]").dataset.stop;
      var pos = position();
      button.disabled = true;
      enqueue(action(button.dataset.url, stop, { json: { at: new Date().toISOString(), latitude: pos.latitude, longitude: pos.longitude } }));
    }
    var start = event.target.closest("#start");
    if (start) {
      start.remove();
      enqueue(action(start.dataset.url, null, { json: {} }));
      activate();
    }
    var clear = event.target.closest("[data-clear]");
    if (clear) { var c = clear.parentNode.querySelector("canvas"); c.getContext("2d").clearRect(0, 0, c.width, c.height); c.dataset.drawn = ""; }
  });

  function downscale(file, maxSide) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, maxSide / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale); canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        resolve(canvas.toDataURL("image/jpeg", 0.8));
        URL.revokeObjectURL(img.src);
      };
      img.onerror = function () { reject(new Error("This file is not an image.")); };
      img.src = URL.createObjectURL(file);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-action]");
    if (!form) return;
    event.preventDefault();
    var stop = form.closest("[data-stop]").dataset.stop;
    var kind = form.dataset.action;
    var pos = position();
    var fields = { at: new Date().toISOString() };
    if (pos.latitude !== undefined && kind !== "skip") { fields.latitude = pos.latitude; fields.longitude = pos.longitude; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.type !== "file" && el.type !== "submit") fields[el.name] = el.value;
    });
    if (fields.cod_amount) fields.cod_amount = fields.cod_amount.replace(",", ".");
    if (fields.pin !== undefined) {
      fields.pin = fields.pin.trim();
      if (!/^[0-9]{6}$/.test(fields.pin)) { showError(stop, "Enter the customer's 6-digit PIN."); return; }
      // Typed without a connection: the server checks it when the phone is back online.
      if (!navigator.onLine) { fields.entered_offline = "true"; markProvisional(stop, true); }
    }
    var submit = form.querySelector("[type=submit]");
    if (kind !== "deliver") {
      submit.disabled = true;
      enqueue(action(form.dataset.url, stop, { json: fields }));
      return;
    }
    var canvas = form.querySelector("canvas");
    if (canvas && canvas.dataset.drawn) fields.signature = canvas.toDataURL("image/png");
    var file = form.querySelector("input[type=file]").files[0];
    if (!fields.recipient_name && !file && !fields.signature) {
      showError(stop, "Add the recipient's name, a photo or a signature."); return;
    }
    submit.disabled = true;
    (file ? downscale(file, 1280) : Promise.resolve(null)).then(function (photo) {
      if (photo) fields.photo = photo;
      enqueue(action(form.dataset.url, stop, { form: fields }));
    }).catch(function (error) { submit.disabled = false; showError(stop, error.message); });
  });

  /* --- signature canvas ------------------------------------------------------------------- */
  Array.prototype.forEach.call(document.querySelectorAll("canvas.sig"), function (canvas) {
    var ctx = canvas.getContext("2d"), drawing = false;
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#14213d";
    function point(e) {
      var r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
    }
    canvas.addEventListener("pointerdown", function (e) { drawing = true; canvas.setPointerCapture(e.pointerId); var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
    canvas.addEventListener("pointermove", function (e) { if (!drawing) return; var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); canvas.dataset.drawn = "1"; });
    canvas.addEventListener("pointerup", function () { drawing = false; });
  });

  /* --- position pings --------------------------------------------------------------------- */
  var lastFix = null, watch = null, timer = null;
  var interval = root ? parseInt(root.dataset.interval || "15", 10) * 1000 : 15000;
  function activate() {
    if (watch !== null || !("geolocation" in navigator) || !root) return;
    watch = navigator.geolocation.watchPosition(function (p) {
      lastFix = {
        time: new Date(p.timestamp).toISOString(), latitude: p.coords.latitude, longitude: p.coords.longitude,
        accuracy_m: p.coords.accuracy, speed_kmh: p.coords.speed === null ? null : Math.max(0, p.coords.speed * 3.6),
        heading_deg: p.coords.heading === null || isNaN(p.coords.heading) ? null : p.coords.heading
      };
    }, function () { document.getElementById("gps").textContent = "Location is off: allow it so customers get accurate times."; },
    { enableHighAccuracy: true, maximumAge: 10000, timeout: 20000 });
    timer = setInterval(sample, interval);
  }
  function sample() {
    if (!lastFix) return;
    var pings = load(PINGS);
    if (!pings.length || pings[pings.length - 1].time !== lastFix.time) pings.push(lastFix);
    save(PINGS, pings.slice(-500));
    sendPings();
  }
  function sendPings() {
    var pings = load(PINGS);
    if (!pings.length || !navigator.onLine) return;
    var batch = pings.slice(0, 200);
    fetch(root.dataset.pingsUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Idempotency-Key": "pings-" + batch[0].time + "-" + batch.length },
      body: JSON.stringify({ pings: batch })
    }).then(function (r) {
      // Sent, or refused for good (e.g. no route any more): either way not worth resending.
      if (r.ok || (r.status >= 400 && r.status < 500 && r.status !== 429)) {
        var sent = {}; batch.forEach(function (p) { sent[p.time] = true; });
        save(PINGS, load(PINGS).filter(function (p) { return !sent[p.time]; }));
      }
    }).catch(function () {});
  }

  window.addEventListener("online", function () { setNet(); flush(); sendPings(); });
  window.addEventListener("offline", setNet);
  setInterval(flush, 15000);
  setNet();
  load(QUEUE).forEach(function (a) { markQueued(a.stop, true); });
  flush();
  if (root && root.dataset.active) activate();
})();
