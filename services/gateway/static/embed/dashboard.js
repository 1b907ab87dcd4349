/* Rekomi embedded affiliate dashboard. No dependencies, no cookies, no storage.
     <script async src="https://GATEWAY/embed/v1/dashboard.js"></script>
     <div data-rekomi-embed data-token="TOKEN"></div>
   Each element carrying data-rekomi-embed gets an open shadow root showing the affiliate's
   figures, read from GET /api/embed/public/dashboard?token= on the script's own origin (or
   data-api-base). The browser sends the brand page's Origin with that call, and the token's
   allowedOrigins must name it: that check, not this script, is what protects the data.
   Optional attributes: data-currency (ISO 4217, for an answer that names no currency),
   data-locale (BCP 47), data-api-base (also on the script tag).
   The host element's data-rekomi-state says loading | ready | empty | expired | refused |
   error, and a "rekomi-embed:state" event reports each change. */
(() => {
  "use strict";
  const ENDPOINT = "/api/embed/public/dashboard";
  const TIMEOUT_MS = 15000;
  const COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  const CURRENCY = /^[A-Z]{3}$/;
  const ZERO_DECIMAL = new Set(["JPY", "KRW"]); // as libs/shared/money.py: minor = major unit
  const STATUSES = new Set(["Pending", "Approved", "Paid", "Refunded", "Denied"]);
  const REASONS = {
    origin_not_allowed: "This website is not allowed to show this dashboard.",
    origin_required: "The request did not come from an allowed web page.",
    origin_invalid: "The request did not come from an allowed web page.",
    no_allowed_origins_configured: "No website is allowed to show this dashboard yet.",
    invalid_token: "This dashboard link is not valid or has been revoked.",
    missing_token: "This page did not give a dashboard token.",
    not_readable: "This website is not allowed to show this dashboard, or its link is not valid.",
  };
  const CSS = `
:host { display: block; color: #1f2933; font: inherit; line-height: 1.45; }
:host([hidden]) { display: none; }
.rk { --rk-brand: #0e7c7b; --rk-on-brand: #fff; border: 1px solid #d9dee3;
  border-radius: 10px; overflow: hidden; background: #fff; }
.rk-head { background: var(--rk-brand); color: var(--rk-on-brand); padding: .8rem 1rem;
  display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline;
  justify-content: space-between; }
.rk-brand { font-weight: 700; font-size: 1.1em; margin: 0; }
.rk-program { opacity: .9; }
.rk-body { padding: 1rem; }
.rk-who { margin: 0 0 .75rem; font-size: 1em; font-weight: 600; }
.rk-figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr));
  gap: .75rem; margin: 0 0 1rem; }
.rk-figure { border: 1px solid #e4e7eb; border-left: 4px solid var(--rk-brand);
  border-radius: 6px; padding: .5rem .75rem; }
.rk-figure dt { font-size: .85em; color: #52606d; }
.rk-figure dd { margin: 0; font-size: 1.3em; font-weight: 700; font-variant-numeric: tabular-nums; }
.rk-scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
caption { text-align: left; font-weight: 600; padding-bottom: .4rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e4e7eb;
  white-space: nowrap; }
td.rk-num, th.rk-num { text-align: right; font-variant-numeric: tabular-nums; }
.rk-status { border-radius: 999px; padding: .05rem .5rem; font-size: .85em; background: #e4e7eb; }
.rk-status-Approved, .rk-status-Paid { background: #d5f5e3; color: #14532d; }
.rk-status-Refunded, .rk-status-Denied { background: #fde2e1; color: #7f1d1d; }
.rk-note { margin: 0; color: #52606d; }
.rk-alert { margin: 0; font-weight: 600; }
.rk-spinner { display: inline-block; width: 1em; height: 1em; margin-right: .5rem;
  vertical-align: -.15em; border: 2px solid #cbd2d9; border-top-color: var(--rk-brand);
  border-radius: 50%; animation: rk-spin .8s linear infinite; }
@keyframes rk-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .rk-spinner { animation: none; } }
.rk { container-type: inline-size; }
@container (max-width: 30rem) {
  .rk-body { padding: .75rem; }
  .rk-figures { grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .4rem; }
  .rk-figure { padding: .35rem .45rem; }
  .rk-figure dd { font-size: 1.05em; }
  th, td { padding: .35rem .25rem; font-size: .9em; }
}
button { font: inherit; margin-top: .75rem; padding: .35rem .9rem; border-radius: 6px;
  border: 1px solid var(--rk-brand); background: var(--rk-brand); color: var(--rk-on-brand);
  cursor: pointer; }
button:focus-visible { outline: 3px solid #1f2933; outline-offset: 2px; }
`;
  const script = document.currentScript;
  const mounted = new WeakMap();

  function el(tag, attrs, ...children) {
    /* Server strings only ever become text nodes (textContent), never markup. */
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) { node.setAttribute(name, value); }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function apiBase(host) {
    const given = host.getAttribute("data-api-base") ||
      (script && script.getAttribute("data-api-base"));
    const from = given || (script && script.src) || location.href;
    return new URL(from, location.href).origin;
  }

  function onBrand(hex) {
    /* Dark or light text on the brand colour, whichever reads better (WCAG luminance). */
    const full = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, "$&$&") : hex;
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(full.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? "#111" : "#fff";
  }

  function formats(host) {
    /* Amounts are minor units. The answer's own currency (Rekomi adds one; the reference has
       none) wins over data-currency; with neither, plain amounts with two decimals. */
    const wanted = host.getAttribute("data-locale") || document.documentElement.lang;
    let locale;
    try { locale = Intl.getCanonicalLocales(wanted || [])[0]; } catch { /* the browser's */ }
    const fallback = (host.getAttribute("data-currency") || "").toUpperCase();
    const known = new Map();
    const money = (code) => {
      const currency = CURRENCY.test(code || "") ? code : CURRENCY.test(fallback) ? fallback : "";
      if (!known.has(currency)) {
        const digits = ZERO_DECIMAL.has(currency) ? 0 : 2;
        const options = {minimumFractionDigits: digits, maximumFractionDigits: digits};
        const format = new Intl.NumberFormat(locale, currency ? {...options, style: "currency",
          currency} : options);
        known.set(currency, (cents) => Number.isFinite(cents) ? format.format(cents / 10 ** digits)
          : "–");
      }
      return known.get(currency);
    };
    const date = new Intl.DateTimeFormat(locale, {dateStyle: "medium"});
    const day = (text) => {
      const at = new Date(text);
      return Number.isNaN(at.getTime()) ? String(text || "") : date.format(at);
    };
    return {money, day};
  }

  class Dashboard {
    constructor(host) {
      this.host = host;
      const root = host.shadowRoot || host.attachShadow({mode: "open"});
      root.replaceChildren();
      if ("adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
        const sheet = new CSSStyleSheet(); // not an inline style: passes a strict style-src CSP
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } else {
        root.append(el("style", {}, CSS));
      }
      this.brand = el("p", {class: "rk-brand"}, "Affiliate dashboard");
      this.program = el("span", {class: "rk-program"});
      this.body = el("div", {class: "rk-body", "aria-live": "polite"});
      this.frame = el("section", {class: "rk", "aria-label": "Affiliate dashboard"},
        el("header", {class: "rk-head"}, this.brand, this.program), this.body);
      root.append(this.frame);
    }

    state(name, detail, ...children) {
      this.body.replaceChildren(...children);
      this.body.setAttribute("aria-busy", String(name === "loading"));
      this.host.setAttribute("data-rekomi-state", name);
      this.host.dispatchEvent(new CustomEvent("rekomi-embed:state",
        {detail: {state: name, ...detail}}));
    }

    async load() {
      if (this.pending) { this.pending.abort(); }
      const token = (this.host.getAttribute("data-token") || "").trim();
      if (!token) { return this.refused("missing_token"); }
      this.state("loading", {}, el("p", {role: "status", class: "rk-note"},
        el("span", {class: "rk-spinner", "aria-hidden": "true"}),
        "Loading your affiliate dashboard…"));
      const abort = this.pending = new AbortController();
      const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
      const url = `${apiBase(this.host)}${ENDPOINT}?token=${encodeURIComponent(token)}`;
      try {
        const response = await fetch(url, {credentials: "omit", mode: "cors", cache: "no-store",
          headers: {Accept: "application/json"}, signal: abort.signal});
        const body = await response.json().catch(() => ({}));
        if (abort === this.pending) { this.answer(response.status, body || {}); }
      } catch {
        /* Unreadable: offline or timed out, or answered without naming this page's origin in
           CORS (a token that does not allow this website, or no such token). A no-cors
           request tells them apart: it resolves whenever the server answers. */
        const answered = await fetch(url, {credentials: "omit", mode: "no-cors",
          cache: "no-store", signal: abort.signal}).then(() => true, () => false);
        if (abort === this.pending) {
          if (answered) { this.refused("not_readable"); } else { this.failed("network"); }
        }
      } finally {
        clearTimeout(timer);
      }
    }

    answer(status, body) {
      if (status === 200) { return this.ready(body); }
      if (status === 401 && body.error === "token_expired") { return this.expired(); }
      if (status === 401) { return this.refused("invalid_token"); }
      if (status === 403) { return this.refused(body.error || "forbidden"); }
      if (status === 400) { return this.refused("invalid_token"); } // no usable token
      return this.failed(`http_${status}`);
    }

    theme(body) {
      const name = typeof body.brandName === "string" && body.brandName.trim();
      this.brand.textContent = name || "Affiliate dashboard";
      this.frame.setAttribute("aria-label", name ? `${name} affiliate dashboard`
        : "Affiliate dashboard");
      this.program.textContent = typeof body.programName === "string" ? body.programName : "";
      if (typeof body.brandColor === "string" && COLOR.test(body.brandColor)) {
        this.frame.style.setProperty("--rk-brand", body.brandColor);
        this.frame.style.setProperty("--rk-on-brand", onBrand(body.brandColor));
      }
    }

    ready(body) {
      this.theme(body);
      const {money, day} = formats(this.host);
      const cents = money(body.currency);
      const figure = (label, value, key) => el("div", {class: "rk-figure", "data-figure": key},
        el("dt", {}, label), el("dd", {}, cents(value)));
      const figures = el("dl", {class: "rk-figures"},
        figure("Earned", body.earnedCents, "earned"), figure("Paid", body.paidCents, "paid"),
        figure("Pending", body.pendingCents, "pending"));
      const who = el("h2", {class: "rk-who"}, typeof body.affiliateName === "string" &&
        body.affiliateName.trim() ? body.affiliateName : "Your earnings");
      const rows = Array.isArray(body.recentConversions) ? body.recentConversions : [];
      if (!rows.length) {
        return this.state("empty", {}, who, figures, el("p", {class: "rk-note"},
          "No conversions yet. Sales you refer will appear here."));
      }
      const head = el("tr", {}, el("th", {scope: "col"}, "Date"),
        el("th", {scope: "col", class: "rk-num"}, "Sale"),
        el("th", {scope: "col", class: "rk-num"}, "Commission"),
        el("th", {scope: "col"}, "Status"));
      const line = (c) => el("tr", {},
        el("td", {}, el("time", {datetime: String(c.createdAt || "")}, day(c.createdAt))),
        el("td", {class: "rk-num"}, money(c.currency)(c.amountCents)),
        el("td", {class: "rk-num"}, money(c.currency)(c.commissionCents)),
        el("td", {}, el("span", {class: STATUSES.has(c.status) ? `rk-status rk-status-${c.status}`
          : "rk-status"}, String(c.status || ""))));
      const table = el("table", {}, el("caption", {}, "Recent conversions"),
        el("thead", {}, head), el("tbody", {}, ...rows.map(line)));
      return this.state("ready", {}, who, figures,
        el("div", {class: "rk-scroll", tabindex: "0", role: "group",
          "aria-label": "Recent conversions"}, table));
    }

    expired() {
      this.state("expired", {error: "token_expired"}, el("div", {role: "alert"},
        el("p", {class: "rk-alert"}, "This dashboard link has expired."),
        el("p", {class: "rk-note"}, "Reload the page, or ask for a new link.")));
    }

    refused(code) {
      this.state("refused", {error: code}, el("div", {role: "alert"},
        el("p", {class: "rk-alert"}, "This dashboard can't be shown here."),
        el("p", {class: "rk-note", "data-reason": code},
          REASONS[code] || "Access was refused.")));
    }

    failed(code) {
      const retry = el("button", {type: "button"}, "Try again");
      retry.addEventListener("click", () => this.load());
      this.state("error", {error: code}, el("div", {role: "alert"},
        el("p", {class: "rk-alert"}, "The dashboard could not be loaded."),
        el("p", {class: "rk-note"}, "Check your connection and try again.")), retry);
    }
  }

  function mount(host) {
    /* Mounting an element again reloads it (a new token, say) in the same shadow root. */
    let dashboard = mounted.get(host);
    if (!dashboard) { dashboard = new Dashboard(host); mounted.set(host, dashboard); }
    dashboard.load();
    return dashboard;
  }

  function mountAll() {
    for (const host of document.querySelectorAll("[data-rekomi-embed]")) {
      if (mounted.has(host)) { continue; }
      try {
        mount(host);
      } catch (error) { /* an element that cannot hold a shadow root (use a div) */
        console.warn("Rekomi embed: cannot mount", host, error);
      }
    }
  }

  window.RekomiEmbed = Object.freeze({mount, mountAll});
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll, {once: true});
  } else {
    mountAll();
  }
})();
