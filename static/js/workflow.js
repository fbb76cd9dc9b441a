// Saved views, copy link, quick find and flag triage (progressive enhancement; every page
// works without this file).
// Copy link: the share bar's field holds the page's link (visible and selectable without
// JavaScript); the button copies it. htmx paging pushes new URLs: the field and the "Save view"
// link follow them.
(function () {
  "use strict";
  function bar() { return document.querySelector(".sharebar"); }
  function follow() {
    var share = bar();
    if (!share) return;
    var field = share.querySelector("[data-share-link]");
    var save = share.querySelector("[data-save-view]");
    if (field) field.value = window.location.href;
    if (save) {
      var url = new URL(save.getAttribute("href"), window.location.href);
      url.searchParams.set("url", window.location.pathname + window.location.search);
      save.setAttribute("href", url.pathname + url.search);
    }
  }
  function say(share, text) {
    var status = share.querySelector("[data-copy-status]");
    if (status) status.textContent = text;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-copy-link]");
    if (button) button.hidden = false;
  });
  document.addEventListener("htmx:pushedIntoHistory", follow);
  document.addEventListener("htmx:replacedInHistory", follow);
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-link]");
    if (!button) return;
    var share = bar();
    var field = share.querySelector("[data-share-link]");
    var copied = function () { say(share, "Link copied."); };
    var fallback = function () {
      field.focus();
      field.select();
      try { document.execCommand("copy"); copied(); } catch (e) { say(share, "Select the link and copy it."); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(copied, fallback);
    } else {
      fallback();
    }
  });
})();
