// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Whole table rows open the interaction (the first cell's link is the no-JS / keyboard path).
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    if (event.target.closest("a, button, input, select, label, summary")) return;
    var row = event.target.closest("tr[data-href]");
    if (!row || (window.getSelection && String(window.getSelection()))) return;
    window.location.assign(row.getAttribute("data-href"));
  });

  // Show times in the viewer's own zone next to the tenant's.
  function localiseTimes(root) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    root.querySelectorAll("time.viewer-time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.textContent = "Your time (" + zone + "): " + when.toLocaleString(undefined, {
        weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit",
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localiseTimes(document); });
  document.addEventListener("htmx:afterSwap", function (event) { localiseTimes(event.target); });
})();

// Keyboard shortcuts: j/k next/previous (interaction on a detail page, row in a table),
// "/" attribute search, "?" help. Ignored while typing in a field.
(function () {
  "use strict";
  var searchPath = "/interactions/search/";

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=true]");
  }
  function help() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }
  function moveRow(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("table.itable tbody td.c-when a"));
    if (!links.length) return false;
    var current = links.indexOf(document.activeElement);
    var next = current === -1 ? (step > 0 ? 0 : links.length - 1) : current + step;
    next = Math.max(0, Math.min(links.length - 1, next));
    links[next].focus();
    links[next].closest("tr").scrollIntoView({ block: "nearest" });
    return true;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-open-shortcuts]")) help();
  });
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "?") { event.preventDefault(); help(); return; }
    if (key === "/") {
      event.preventDefault();
      var box = document.querySelector(".search-form input[name=value]");
      if (box) box.focus(); else window.location.assign(searchPath);
      return;
    }
    if (key === "j" || key === "k") {
      var link = document.querySelector('a[data-key="' + key + '"]');
      if (link) { window.location.assign(link.getAttribute("href")); return; }
      if (moveRow(key === "j" ? 1 : -1)) event.preventDefault();
    }
  });
})();

// CSV export: "Preparing export…" from the click until the download starts. Each click adds a
// fresh ?token= to the link; the export response sets the cookie export_started=<token>, and
// polling for it tells us the first rows arrived (the browser's own download UI shows the byte
// progress from there). Regaining focus (e.g. after a save dialog) also clears the text.
(function () {
  "use strict";
  var COOKIE = "export_started";
  var pending = null;

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
  }
  function forgetCookie() {
    document.cookie = COOKIE + "=; Max-Age=0; path=/; SameSite=Lax";
  }
  function finish(message) {
    if (!pending) return;
    var current = pending;
    pending = null;
    clearInterval(current.timer);
    forgetCookie();
    current.status.textContent = message || "";
    if (message) {
      setTimeout(function () { if (!pending) current.status.textContent = ""; }, 5000);
    }
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest("a.export-link");
    if (!link || !window.crypto || !window.URL) return;
    var status = link.parentNode.querySelector(".export-status");
    if (!status) return;
    var bytes = new Uint8Array(8);
    window.crypto.getRandomValues(bytes);
    var token = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    var url = new URL(link.href);
    url.searchParams.set("token", token);
    link.href = url.toString(); // the navigation that follows this click uses the new href
    finish("");
    forgetCookie();
    status.textContent = "Preparing export… the download starts as soon as the first rows arrive.";
    var started = Date.now();
    pending = {
      status: status,
      timer: setInterval(function () {
        if (cookie(COOKIE) === token) finish("Download started: your browser shows its progress.");
        // given up, or htmx swapped the pager (and this status) away
        else if (Date.now() - started > 10 * 60 * 1000 || !document.body.contains(status)) finish("");
      }, 200),
    };
  });
  // back from a save dialog or another window: the download has been dealt with
  window.addEventListener("blur", function () { if (pending) pending.blurred = true; });
  window.addEventListener("focus", function () { if (pending && pending.blurred) finish(""); });
})();

// The viewer's own IANA time zone for the "use my zone" toggle (without JS the toggle leads to a
// page where the zone is picked from a list).
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) return;
  document.querySelectorAll("input[data-browser-zone]").forEach(function (input) { input.value = zone; });
  document.querySelectorAll("select[data-browser-zone-select]").forEach(function (select) {
    // only a zone the list offers: a value it lacks would blank the select
    if (!select.value && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
  });
})();

// Live refresh (interactions_app/live.py): regions with data-live-poll poll themselves with htmx
// ("every Ns") until their interaction is finished. While the tab is hidden their polls are
// cancelled; when it is shown again "live-resume" refreshes them at once. (htmx trigger filters
// would need eval, which the CSP forbids.)
(function () {
  "use strict";
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail && event.detail.elt;
    if (document.hidden && elt && elt.hasAttribute && elt.hasAttribute("data-live-poll")) {
      event.preventDefault();
    }
  });
  // A poll's answer replaces the detail tables too (out of band): keep the sections the reader
  // opened (raw JSON, other fields) open across it.
  var opened = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var tables = document.getElementById("detail-tables");
    if (!tables || !event.detail.target || event.detail.target.id !== "live-detail") return;
    opened = Array.prototype.map.call(tables.querySelectorAll("details"), function (d) { return d.open; });
  });
  document.addEventListener("htmx:afterSettle", function () {
    var tables = document.getElementById("detail-tables");
    if (!opened || !tables) return;
    tables.querySelectorAll("details").forEach(function (d, n) { if (opened[n]) d.open = true; });
    opened = null;
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && document.querySelector("[data-live-poll]")) {
      document.dispatchEvent(new CustomEvent("live-resume"));
    }
  });
})();

// The index's filters (_facets.html): folded on narrow screens when a page loads, then left as
// the supervisor sets them, also across the htmx redraws a filter change makes.
(function () {
  var narrow = window.matchMedia("(max-width: 900px)");
  var wasOpen = null;
  function box() { return document.querySelector("details[data-facets]"); }
  document.addEventListener("DOMContentLoaded", function () {
    var found = box();
    if (found && narrow.matches) found.open = false;
  });
  document.addEventListener("htmx:beforeSwap", function () {
    var found = box();
    wasOpen = found ? found.open : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    var found = box();
    if (found && wasOpen !== null) found.open = wasOpen;
  });
})();

// Phones: the time filters fold (details[data-fold-narrow]) so the first rows are on the first
// screen; a form with an error stays open, and a wider window opens it again.
(function () {
  "use strict";
  if (!window.matchMedia) return;
  var narrow = window.matchMedia("(max-width: 720px)");
  function fold(root) {
    root.querySelectorAll("details[data-fold-narrow]").forEach(function (details) {
      if (!narrow.matches) details.open = true;
      else if (!details.hasAttribute("data-keep-open")) details.open = false;
    });
  }
  fold(document);
  if (narrow.addEventListener) narrow.addEventListener("change", function () { fold(document); });
})();

// Detail tables wider than their panel (phones): say so above the table, and let the keyboard
// scroll it (a focusable region named after its section). Checked again after every swap and
// when the window changes size.
(function () {
  "use strict";
  function mark(root) {
    (root || document).querySelectorAll(".panel .table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      var hint = wrap.previousElementSibling;
      var hasHint = hint && hint.classList.contains("scroll-hint");
      wrap.classList.toggle("scrolls", scrolls);
      if (scrolls) {
        var heading = wrap.parentElement.querySelector("h2");
        var name = heading ? heading.firstChild.textContent.trim() : "Table";
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", name + " (scrolls sideways)");
        if (!hasHint) {
          hint = document.createElement("p");
          hint.className = "scroll-hint";
          hint.setAttribute("aria-hidden", "true");
          hint.textContent = "Scroll sideways for more columns \u2192";
          wrap.parentElement.insertBefore(hint, wrap);
        }
      } else {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
        if (hasHint) hint.remove();
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { mark(document); });
  document.addEventListener("htmx:afterSettle", function () { mark(document); });
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { mark(document); }, 150);
  });
})();
