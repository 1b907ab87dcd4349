/* Rekomi loader: no dependencies. Reads the referral param, records the click, keeps the
   referral in a first-party cookie, and exposes Rekomi.convert / Rekomi.identify. */
(function (w, d) {
  "use strict";
  var DEFAULTS = ["via", "ref", "fpr", "aff", "rfsn", "a_aid", "awc", "sscid", "cjevent",
    "irclickid", "partner_key", "affid", "affiliate_id", "affcode", "idev", "mbsy"];
  var COOKIE = "rkm_ref";
  var tag = d.currentScript || d.querySelector("script[data-program-id]");
  var base = tag ? new URL(tag.src, w.location.href).origin : "";
  var programId = tag ? tag.getAttribute("data-program-id") : null;
  var custom = ((tag && tag.getAttribute("data-rkmi-params")) || "").split(",");
  var params = custom.concat(DEFAULTS).filter(function (p) { return p; });

  function readCookie() {
    var m = d.cookie.match(new RegExp("(?:^|; )" + COOKIE + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function writeCookie(value, maxAge) {
    d.cookie = COOKIE + "=" + encodeURIComponent(value) + "; max-age=" + maxAge +
      "; path=/; SameSite=Lax" + (w.location.protocol === "https:" ? "; Secure" : "");
  }
  function post(path, body) {
    return w.fetch(base + path, {method: "POST", body: JSON.stringify(body), keepalive: true,
      headers: {"Content-Type": "application/json"}, credentials: "omit", mode: "cors"});
  }
  function send(path, body) {
    /* Leads survive a page change: sendBeacon first, else fetch keepalive. text/plain keeps
       both "simple" requests (no CORS preflight); the body is JSON all the same. */
    var json = JSON.stringify(body);
    if (w.navigator.sendBeacon &&
        w.navigator.sendBeacon(base + path, new Blob([json], {type: "text/plain"}))) {
      return Promise.resolve(true);
    }
    return w.fetch(base + path, {method: "POST", body: json, keepalive: true, mode: "no-cors",
      headers: {"Content-Type": "text/plain"}, credentials: "omit"}).then(function () {
      return true;
    }, function () { return false; });
  }
  function referral() {
    var v = readCookie();
    if (!v) { return null; }
    var parts = v.split(".");
    /* value: what a brand's server passes on as the S2S sale's `referral` (its origin). */
    return parts.length === 3 ? {slug: parts[0], programId: parts[1], value: v} : null;
  }
  function track() {
    var q = new URLSearchParams(w.location.search);
    var found = params.some(function (p) { return q.get(p); });
    if (!found) { return Promise.resolve(null); }
    var body = {landingUrl: w.location.href, referrer: d.referrer || null,
      cookie: readCookie(), prerecorded: q.get("rkm") === "r"};
    if (programId) { body.programId = programId; }
    return post("/api/v1/r/click", body).then(function (r) {
      return r && r.ok ? r.json() : null;
    }).then(function (click) {
      if (click && click.cookie) { writeCookie(click.cookie, click.maxAgeSeconds); }
      return click;
    }).catch(function () { return null; });
  }
  function lead(info) {
    var ref = referral();
    if (!ref || !info || !info.email) { return Promise.resolve(false); }
    var body = {slug: ref.slug, programId: ref.programId, email: info.email};
    if (info.name) { body.name = info.name; }
    return send("/api/v1/r/lead/signup", body);
  }
  var ready = track();
  w.Rekomi = {
    ready: ready,
    convert: function (info) { return ready.then(function () { return lead(info); }); },
    identify: function (info) { return ready.then(function () { return lead(info); }); },
    referral: referral
  };
})(window, document);
