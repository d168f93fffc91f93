/* Dispatch board: the Leaflet map kept up to date in place from /dispatch/map.json (layers are
   updated, never redrawn, so zoom and position stay), ping ages ticking in the browser, the
   action dialog, drag and drop of stops onto route cards, and keyboard shortcuts.
   The side panel refreshes itself through htmx (see _panel.html); this script pauses it while
   a stop is being dragged (window.boardBusy). */
(function () {
  "use strict";
  var script = document.currentScript;
  var cfg = {
    tiles: script.dataset.tiles,
    mapUrl: script.dataset.mapUrl,
    stopUrl: script.dataset.stopUrl,
    pollMs: parseInt(script.dataset.pollMs, 10) || 3000,
    staleS: parseInt(script.dataset.staleS, 10) || 300,
    tz: script.dataset.tz || undefined,
  };
  var dialog = document.getElementById("board-dialog");
  var dialogBody = document.getElementById("dialog-body");
  var help = document.getElementById("help-dialog");
  var board = (window.dispatchBoard = {
    routes: {}, stops: {}, vehicles: {}, depots: {}, stamp: "", clockOffset: 0,
    polls: 0, updates: 0, fitted: false,
  });
  window.boardBusy = false;

  function stopUrl(id, action) { return cfg.stopUrl.replace(/0\/$/, id + "/") + (action ? action + "/" : ""); }
  board.stopUrl = stopUrl;

  // --- time: the server's clock (it may be a simulated one) -----------------------------------
  function serverNow() { return Date.now() + board.clockOffset; }
  function age(iso) {
    var s = Math.max(0, Math.round((serverNow() - Date.parse(iso)) / 1000));
    if (s < 45) return "just now";
    if (s < 3600) return Math.round(s / 60) + " min ago";
    return Math.floor(s / 3600) + " h " + Math.round((s % 3600) / 60) + " min ago";
  }
  function isStale(iso) { return serverNow() - Date.parse(iso) > cfg.staleS * 1000; }
  function tickAges() {
    document.querySelectorAll("time.ping-age").forEach(function (el) {
      el.textContent = age(el.getAttribute("datetime"));
      var li = el.closest(".ping");
      if (li) li.classList.toggle("stale", isStale(el.getAttribute("datetime")));
    });
    Object.keys(board.vehicles).forEach(function (id) {
      var m = board.vehicles[id];
      var el = m.getElement && m.getElement();
      if (!el) return;
      var a = el.querySelector(".age");
      if (a) a.textContent = age(m.data.time);
      var v = el.querySelector(".veh");
      if (v) v.classList.toggle("stale", isStale(m.data.time));
    });
  }

  // --- map --------------------------------------------------------------------------------
  var mapEl = document.getElementById("board-map");
  var map = L.map(mapEl, { zoomControl: true, keyboard: true, zoomSnap: 0.25 });
  board.map = map;
  if (cfg.tiles) {
    L.tileLayer(cfg.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
  } else {
    mapEl.classList.add("no-tiles");
  }
  var layers = {
    lines: L.layerGroup().addTo(map),
    depots: L.layerGroup().addTo(map),
    stops: L.layerGroup().addTo(map),
    vehicles: L.layerGroup().addTo(map),
  };

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function stopIcon(route, s) {
    var cls = "stop-pin st-" + s.state + (s.late ? " late" : "") + (s.match ? " match" : "");
    return L.divIcon({
      className: "",
      html: '<div class="' + cls + '" style="--route:' + route.colour + '">' + s.n + "</div>",
      iconSize: [24, 24],
      iconAnchor: [12, 12],
    });
  }
  function vehicleIcon(v) {
    return L.divIcon({
      className: "",
      html:
        '<div class="veh' + (v.stale ? " stale" : "") + '" style="--route:' + v.colour + '">' +
        '<span class="veh-arrow" style="transform:rotate(' + (v.heading || 0) + 'deg)">&#9650;</span>' +
        '<span class="veh-label">' + esc(v.vehicle) + ' · <span class="age">' + age(v.time) + "</span></span></div>",
      iconSize: [30, 30],
      iconAnchor: [15, 15],
    });
  }
  function stopTooltip(route, s) {
    return "<strong>" + esc(s.order) + "</strong>" + (s.pickup ? " · pickup" : "") + " · route " + route.number + " stop " + s.n +
      "<br>" + esc(s.state) + (s.late ? " · <strong>late risk</strong>" : "") +
      (s.eta ? "<br>ETA " + esc(s.eta) + (s.eta_window ? " (" + esc(s.eta_window) + ")" : "") : "") +
      "<br>window " + esc(s.window);
  }

  function applyRoutes(data) {
    var seenRoutes = {}, seenStops = {};
    data.routes.forEach(function (r) {
      seenRoutes[r.id] = true;
      var line = board.routes[r.id];
      if (line) {
        line.setLatLngs(r.line);
        line.setStyle({ color: r.colour });
      } else {
        line = board.routes[r.id] = L.polyline(r.line, { color: r.colour, weight: 4, opacity: 0.75 }).addTo(layers.lines);
        line.on("click", function () { highlightRoute(r.id); });
      }
      line.data = r;
      line.bindTooltip("Route " + r.number + " · " + esc(r.vehicle) + (r.driver ? " · " + esc(r.driver) : ""), { sticky: true });
      r.stops.forEach(function (s) {
        seenStops[s.id] = true;
        var m = board.stops[s.id];
        var sig = [s.n, s.state, s.late, s.match, r.colour].join("|");
        if (m) {
          m.setLatLng([s.lat, s.lon]);
          if (m.sig !== sig) m.setIcon(stopIcon(r, s));
        } else {
          m = board.stops[s.id] = L.marker([s.lat, s.lon], { icon: stopIcon(r, s), title: s.order, keyboard: false, riseOnHover: true }).addTo(layers.stops);
          (function (id) { m.on("click", function () { openDialog(stopUrl(id)); }); })(s.id);
        }
        m.sig = sig;
        m.data = s;
        m.routeId = r.id;
        m.bindTooltip(stopTooltip(r, s));
        if (s.late) m.setZIndexOffset(500);
      });
    });
    Object.keys(board.routes).forEach(function (id) {
      if (!seenRoutes[id]) { layers.lines.removeLayer(board.routes[id]); delete board.routes[id]; }
    });
    Object.keys(board.stops).forEach(function (id) {
      if (!seenStops[id]) { layers.stops.removeLayer(board.stops[id]); delete board.stops[id]; }
    });
    (data.depots || []).forEach(function (d) {
      if (board.depots[d.code]) return;
      board.depots[d.code] = L.marker([d.lat, d.lon], {
        icon: L.divIcon({ className: "", html: '<div class="depot-pin">' + esc(d.code) + "</div>", iconSize: [44, 22], iconAnchor: [22, 11] }),
        title: d.name, keyboard: false, zIndexOffset: 1000,
      }).addTo(layers.depots);
    });
  }

  function applyVehicles(list) {
    var seen = {};
    list.forEach(function (v) {
      seen[v.route] = true;
      var m = board.vehicles[v.route];
      if (m) {
        m.setLatLng([v.lat, v.lon]);
        m.setIcon(vehicleIcon(v));
      } else {
        m = board.vehicles[v.route] = L.marker([v.lat, v.lon], { icon: vehicleIcon(v), keyboard: false, zIndexOffset: 2000 }).addTo(layers.vehicles);
        (function (id) { m.on("click", function () { highlightRoute(id); }); })(v.route);
      }
      m.data = v;
      m.bindTooltip(esc(v.vehicle) + " · last position " + age(v.time) + (v.heading != null ? " · heading " + Math.round(v.heading) + "°" : ""));
    });
    Object.keys(board.vehicles).forEach(function (id) {
      if (!seen[id]) { layers.vehicles.removeLayer(board.vehicles[id]); delete board.vehicles[id]; }
    });
  }

  function apply(data) {
    board.stamp = data.stamp;
    if (data.now) board.clockOffset = Date.parse(data.now) - Date.now();
    if (data.routes) applyRoutes(data);
    if (data.vehicles) applyVehicles(data.vehicles);
    board.updates += 1;
    if (!board.fitted) fitAll();
  }

  function fitAll() {
    var bounds = L.latLngBounds([]);
    Object.keys(board.routes).forEach(function (id) { bounds.extend(board.routes[id].getBounds()); });
    Object.keys(board.vehicles).forEach(function (id) { bounds.extend(board.vehicles[id].getLatLng()); });
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.06)); board.fitted = true; }
    else if (!board.fitted) { map.setView([52.52, 13.4], 11); }
  }

  function highlightRoute(id) {
    var line = board.routes[id];
    if (line) {
      map.fitBounds(line.getBounds().pad(0.15));
      line.setStyle({ weight: 7, opacity: 1 });
      line.bringToFront();
      setTimeout(function () { line.setStyle({ weight: 4, opacity: 0.75 }); }, 2500);
    }
    var card = document.getElementById("route-card-" + id);
    if (card) { card.scrollIntoView({ block: "nearest" }); card.classList.add("flash"); setTimeout(function () { card.classList.remove("flash"); }, 1500); }
  }
  board.highlightRoute = highlightRoute;
  board.fitAll = fitAll;

  var liveEl = document.getElementById("board-updated");
  function markLive(ok) {
    document.body.classList.toggle("board-offline", !ok);
    if (liveEl) liveEl.textContent = ok ? "live · " + new Date(serverNow()).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: cfg.tz }) : "offline, retrying";
  }

  var timer = null;
  function schedule(ms) { clearTimeout(timer); timer = setTimeout(poll, ms == null ? cfg.pollMs : ms); }
  function poll() {
    if (window.boardBusy || document.hidden) { schedule(); return; }
    board.polls += 1;
    fetch(cfg.mapUrl + "&since=" + encodeURIComponent(board.stamp), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 204) return null;
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (data) { if (data) apply(data); markLive(true); })
      .catch(function () { markLive(false); })
      .then(function () { schedule(); });
  }

  apply(JSON.parse(document.getElementById("board-map-data").textContent));
  markLive(true);
  schedule();
  setInterval(tickAges, 5000);
  tickAges();
  document.body.addEventListener("board-changed", function () { schedule(0); });

  // --- the side panel: keep open stop lists across refreshes -----------------------------
  var openLists = {};
  window.dispatchOpenLists = function () {
    return Object.keys(openLists).filter(function (id) { return openLists[id]; })
      .map(function (id) { return id.replace("stops-", ""); }).join(",");
  };
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (!d.classList || !d.classList.contains("stop-details")) return;
    openLists[d.id] = d.open;
    // A list opened for the first time is rendered by the server: refresh the panel now.
    if (d.open && !d.querySelector(".stop-list")) htmx.trigger(document.body, "board-changed");
  }, true);
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "dialog-body") {
      if (!dialog.open) dialog.showModal();
      var first = dialogBody.querySelector("[autofocus], select, input:not([type=hidden]), button:not([disabled])");
      if (first && !dialogBody.contains(document.activeElement)) first.focus();
    }
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    Object.keys(openLists).forEach(function (id) {
      var d = document.getElementById(id);
      if (d && d.open !== openLists[id]) d.open = openLists[id];
    });
    tickAges();
  });
  // Refusals (400/409/422) carry their explanation: show it in the dialog.
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var status = e.detail.xhr.status;
    if (status === 400 || status === 404 || status === 409 || status === 422) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // --- dialogs ------------------------------------------------------------------------------
  var lastFocusId = null;
  function openDialog(url, method) {
    var active = document.activeElement;
    lastFocusId = active && active.id ? active.id : null;
    return htmx.ajax(method || "GET", url, { target: "#dialog-body", swap: "innerHTML" });
  }
  board.openDialog = openDialog;
  dialog.addEventListener("close", function () {
    dialogBody.innerHTML = "";
    var el = lastFocusId && document.getElementById(lastFocusId);
    if (el) el.focus();
  });
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-action]");
    if (!el) return;
    var action = el.dataset.action;
    if (action === "close") { var d = el.closest("dialog"); if (d) d.close(); }
    else if (action === "help") help.showModal();
    else if (action === "show-route") highlightRoute(el.dataset.route);
  });
  document.addEventListener("dblclick", function (e) {
    var item = e.target.closest(".stop-item[data-stop], .exception[data-stop]");
    if (item) openDialog(stopUrl(item.dataset.stop));
  });

  // --- drag and drop: a stop onto a route card (or onto a stop: goes before it) ------------
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var item = e.target.closest && e.target.closest("[data-movable]");
    if (!item) return;
    dragged = item;
    window.boardBusy = true;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", item.dataset.stop);
    item.classList.add("dragging");
    document.body.classList.add("is-dragging");
  });
  function endDrag() {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    window.boardBusy = false;
    document.body.classList.remove("is-dragging");
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
  }
  document.addEventListener("dragend", endDrag);
  document.addEventListener("dragover", function (e) {
    var card = dragged && e.target.closest && e.target.closest(".route-card");
    if (!card) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".drop-target").forEach(function (el) { if (el !== card) el.classList.remove("drop-target"); });
    card.classList.add("drop-target");
  });
  document.addEventListener("drop", function (e) {
    var card = dragged && e.target.closest && e.target.closest(".route-card");
    if (!card) return;
    e.preventDefault();
    var url = stopUrl(dragged.dataset.stop, "move") + "?route=" + card.dataset.route;
    var onto = e.target.closest(".stop-item");
    if (onto && onto !== dragged && onto.dataset.route === card.dataset.route) url += "&position=" + onto.dataset.seq;
    var same = !onto && card.dataset.route === dragged.dataset.route;
    endDrag();
    if (!same) openDialog(url);
  });

  // --- keyboard -------------------------------------------------------------------------------
  function items() {
    return Array.prototype.filter.call(document.querySelectorAll(".exception[tabindex], .stop-item"), function (el) {
      return el.offsetParent !== null;
    });
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || dialog.open || help.open) return;
    var t = e.target;
    if (t.matches("input, select, textarea")) {
      if (e.key === "Escape") t.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey) return;
    var item = t.closest && t.closest(".stop-item, .exception[tabindex]");
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      if (item && item.classList.contains("stop-item") && item.dataset.movable) {
        e.preventDefault();
        var seq = parseInt(item.dataset.seq, 10) + (e.key === "ArrowUp" ? -1 : 1);
        if (seq >= 1) openDialog(stopUrl(item.dataset.stop, "move") + "?route=" + item.dataset.route + "&position=" + seq);
      }
      return;
    }
    if (e.altKey) return;
    switch (e.key) {
      case "/": e.preventDefault(); var q = document.getElementById("id_q"); if (q) q.focus(); break;
      case "?": e.preventDefault(); help.showModal(); break;
      case "e": var first = document.querySelector(".exception[tabindex]"); if (first) { e.preventDefault(); first.focus(); } break;
      case "j": case "k":
        var list = items(); if (!list.length) break;
        e.preventDefault();
        var i = list.indexOf(item);
        var next = list[Math.max(0, Math.min(list.length - 1, i + (e.key === "j" ? 1 : -1)))] || list[0];
        if (next.classList.contains("stop-item")) { var d = next.closest("details"); if (d) d.open = true; }
        next.focus();
        break;
      case "Enter": if (item && item === t && item.dataset.stop) { e.preventDefault(); openDialog(stopUrl(item.dataset.stop)); } break;
      case "m": if (item && item.dataset.movable) { e.preventDefault(); openDialog(stopUrl(item.dataset.stop, "move")); } break;
      case "t": if (item && item.dataset.movable) { e.preventDefault(); openDialog(stopUrl(item.dataset.stop, "message"), "POST"); } break;
      case "o": var re = document.querySelector(".routes h2 [hx-get]"); if (re) { e.preventDefault(); re.click(); } break;
      case "f": e.preventDefault(); fitAll(); break;
      default: break;
    }
  });
  document.addEventListener("focusin", function (e) {
    var item = e.target.closest && e.target.closest(".stop-item[data-stop]");
    if (!item) return;
    var m = board.stops[item.dataset.stop];
    if (m && m.getElement()) {
      document.querySelectorAll(".stop-pin.focused").forEach(function (el) { el.classList.remove("focused"); });
      var pin = m.getElement().querySelector(".stop-pin");
      if (pin) pin.classList.add("focused");
    }
  });
})();
