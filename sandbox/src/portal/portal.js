/* brokerlink sandbox connection portal. Plain ES2019, no dependencies, no build step. */
(function () {
  'use strict';

  /* Every string, as [en, pt-BR]: a JSON data block in page.html (#portal-strings). */
  var STRINGS = {};

  var ICONS = {
    check: ['M5 12.5l4.5 4.5L19 7'], cross: ['M7 7l10 10', 'M17 7L7 17'], chevron: ['M9 6l6 6-6 6'],
    search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M20 20l-3.8-3.8'],
    lock: ['M6 11h12v9H6z', 'M8.5 11V8a3.5 3.5 0 0 1 7 0v3'], alert: ['M12 3.5l9.5 16.5h-19L12 3.5z', 'M12 10v4', 'M12 17h.01'],
    info: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 11v5', 'M12 8h.01'],
    clock: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 7v5l3 2'],
    user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4.5 20a7.5 7.5 0 0 1 15 0'],
    shield: ['M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6l8-3z', 'M9 12l2 2 4-4'],
    link: ['M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1', 'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1'],
    app: ['M4 4h7v7H4z', 'M13 4h7v7h-7z', 'M4 13h7v7H4z', 'M13 13h7v7h-7z'],
    eye: ['M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z', 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'],
    trade: ['M3 17l6-6 4 4 8-8', 'M15 7h6v6'], door: ['M14 4h5v16h-5', 'M10 8l-4 4 4 4', 'M6 12h10']
  };

  /* Error codes with a screen of their own; anything else is error-generic. */
  var ERROR_SCREENS = {
    '3000': ['error-locked', 'lock', 'lockedTitle', 'lockedBody'],
    '1086': ['error-mfa', 'shield', 'mfaErrTitle', 'mfaErrBody'],
    '1023': ['error-reconnect', 'user', 'reconnectErrTitle', 'reconnectErrBody'],
    '1006': ['error-expired', 'clock', 'expiredTitle', 'expiredBody']
  };

  var state = {
    token: '', provider: 'snaptrade', opts: {}, brokers: [], creds: [], mfaHint: '123456', lang: 'en',
    broker: null, connType: 'read', picker: false, query: '', success: null, successUrl: null, loaded: false,
    embedded: false, framed: false, target: null, origin: null, lastHeight: 0, backFn: null, urlTheme: null
  };
  var els = {};
  var timers = { announce: 0, count: 0 };

  /* ---------- helpers ---------- */

  function t(key, vars) {
    var pair = STRINGS[key] || [key, key];
    var s = pair[state.lang === 'pt-BR' ? 1 : 0];
    return s.replace(/\{(\w+)\}/g, function (m, k) { return vars && vars[k] != null ? String(vars[k]) : m; });
  }

  function append(el, kids) {
    if (kids == null || kids === false) return;
    if (Array.isArray(kids)) kids.forEach(function (k) { append(el, k); });
    else el.appendChild(typeof kids === 'string' ? document.createTextNode(kids) : kids);
  }

  /* h('button', {class, text, onclick, any-attribute}, children) */
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) return;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    });
    append(el, kids);
    return el;
  }

  function icon(name, cls) {
    var NS = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(NS, 'svg');
    [['viewBox', '0 0 24 24'], ['aria-hidden', 'true'], ['focusable', 'false'], ['class', 'icon' + (cls ? ' ' + cls : '')]]
      .forEach(function (a) { svg.setAttribute(a[0], a[1]); });
    ICONS[name].forEach(function (d) {
      var p = document.createElementNS(NS, 'path');
      p.setAttribute('d', d);
      svg.appendChild(p);
    });
    return svg;
  }

  function announce(text) {
    clearTimeout(timers.announce);
    els.live.textContent = '';
    timers.announce = setTimeout(function () { els.live.textContent = text; }, 60);
  }

  function brokerName(b) { return (b && (b.display_name || b.name || b.slug)) || ''; }

  /* The broker's logo; a monogram if the image fails to load. */
  function logo(b, cls) {
    var img = h('img', { class: 'logo ' + (cls || ''), src: b.logo_url || '/portal/logos/' + b.slug + '.svg',
      alt: t('logoAlt', { name: brokerName(b) }), width: 40, height: 40 });
    img.addEventListener('error', function () {
      var mono = h('span', { class: 'logo logo-mono ' + (cls || ''), role: 'img', 'aria-label': img.alt,
        text: brokerName(b).charAt(0).toUpperCase() });
      if (img.parentNode) img.parentNode.replaceChild(mono, img);
    });
    return img;
  }

  function withParams(base, params) { return base + (base.indexOf('?') >= 0 ? '&' : '?') + params; }

  /* Only absolute http(s) targets, judged by parsing the URL as the browser will (a blocklist of
     schemes misses spellings the parser accepts). */
  function go(url) {
    var target;
    try { target = new URL(url); } catch (e) { return; }
    if (target.protocol === 'https:' || target.protocol === 'http:') window.location.assign(target.href);
  }

  /* To the framing page, else the opener; only to the referrer's origin, never '*'. */
  function post(message) {
    if (!state.embedded || !state.target || !state.origin) return;
    try { state.target.postMessage(message, state.origin); } catch (e) { /* the host went away */ }
  }

  /* Resolves to { ok, data }; data is always an object, an ERROR outcome for non-JSON failures. */
  function api(path, body) {
    var init = { method: body ? 'POST' : 'GET', credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
    if (body) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        if (!data || typeof data !== 'object') {
          data = { status: 'ERROR', error_code: '0000', status_code: r.status,
            detail: r.ok ? 'Unexpected response from the server.' : text || r.statusText || 'HTTP ' + r.status };
        }
        if (!r.ok) data.status = 'ERROR';
        return { ok: r.ok, data: data };
      });
    });
  }

  /* ---------- setup ---------- */

  function applyTheme(dark) {
    if (dark === true || dark === false) document.documentElement.setAttribute('data-theme', dark ? 'dark' : 'light');
    else document.documentElement.removeAttribute('data-theme');
  }

  function applyLang(locale) {
    state.lang = /^pt/i.test(locale || '') ? 'pt-BR' : 'en';
    document.documentElement.setAttribute('lang', state.lang);
    document.title = t('docTitle');
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = t(el.getAttribute('data-i18n')); });
    document.querySelectorAll('[data-i18n-label]').forEach(function (el) {
      el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
    });
  }

  function detectHost() {
    var framed = true;
    var opener = null;
    try { framed = window.parent !== window; } catch (e) { framed = true; }
    try { opener = window.opener || null; } catch (e) { opener = null; }
    state.framed = framed;
    state.embedded = framed || !!opener;
    state.target = framed ? window.parent : opener;
    try {
      var origin = document.referrer ? new URL(document.referrer).origin : null;
      state.origin = origin && origin !== 'null' ? origin : null;
    } catch (e) { state.origin = null; }
    if (state.embedded) document.documentElement.classList.add('embedded');
    if (state.framed) document.documentElement.classList.add('framed');
  }

  function watchHeight() {
    if (state.provider !== 'finatic' || typeof ResizeObserver !== 'function') return;
    document.documentElement.classList.add('resizes');
    /* The content's own height (the root's scrollHeight never drops below the frame's). */
    var page = document.querySelector('.page');
    new ResizeObserver(function () {
      var height = Math.ceil(page.getBoundingClientRect().height);
      if (height === state.lastHeight || height === 0) return;
      state.lastHeight = height;
      post({ type: 'portal-resize', height: height });
    }).observe(page);
  }

  /* Without a live session (expired, used or forged link), the query only picks the look. Where
     to send the user back never comes from it: only the server's record of a session the app
     created names a redirect, or anyone could make this page redirect anywhere. */
  function fallback(q) {
    var flag = function (name) { var v = q.get(name); return v === 'true' ? true : v === 'false' ? false : null; };
    var provider = q.get('provider') || (/snaptrade/i.test(window.location.pathname) || q.has('clientId') ? 'snaptrade' : 'finatic');
    var mode = q.get('mode');
    return { provider: provider, opts: { custom_redirect: null, immediate_redirect: false,
      show_close_button: flag('showCloseButton') === true, locale: q.get('locale'),
      dark_mode: flag('darkMode') !== null ? flag('darkMode') : mode === 'dark' ? true : mode === 'light' ? false : null } };
  }

  /* Escape leaves the portal when an app shows it (frame or popup), as its close button would. */
  function onEscape(e) {
    if (e.key !== 'Escape' || e.defaultPrevented || !state.embedded || document.body.getAttribute('data-current') === 'closed') return;
    e.preventDefault();
    doClose();
  }

  function init() {
    ['screen', 'live', 'back', 'close', 'banner', 'creds'].forEach(function (id) { els[id] = document.getElementById(id); });
    els.details = document.getElementById('banner-details');
    try { STRINGS = JSON.parse(document.getElementById('portal-strings').textContent); } catch (e) { STRINGS = {}; }
    var q = new URLSearchParams(window.location.search);
    var fb = fallback(q);
    state.urlTheme = fb.opts.dark_mode;
    state.token = q.get('token') || '';
    applyTheme(fb.opts.dark_mode);
    applyLang(fb.opts.locale);
    detectHost();
    els.back.addEventListener('click', function () { if (state.backFn) state.backFn(); });
    els.close.addEventListener('click', doClose);
    document.getElementById('banner-dismiss').addEventListener('click', dismissBanner);
    document.addEventListener('keydown', onEscape);
    api('/portal/api/session' + location.search).then(function (res) {
      if (res.ok && res.data.provider) { start(res.data); return; }
      state.provider = fb.provider;
      state.opts = fb.opts;
      var known = res.data.options;
      if (known && typeof known === 'object') {
        state.opts.custom_redirect = known.custom_redirect || null;
        state.opts.immediate_redirect = known.immediate_redirect === true;
        if (typeof known.show_close_button === 'boolean') state.opts.show_close_button = known.show_close_button;
        if (known.locale) applyLang(known.locale);
      }
      watchHeight();
      els.close.hidden = !state.opts.show_close_button;
      terminalError(res.data, false);
    }).catch(function () {
      state.provider = fb.provider;
      screenError({ detail: t('network') }, { reload: true });
    });
  }

  function start(data) {
    state.loaded = true;
    state.provider = data.provider === 'finatic' ? 'finatic' : 'snaptrade';
    state.opts = data.options || {};
    state.brokers = Array.isArray(data.brokers) ? data.brokers : [];
    state.creds = Array.isArray(data.test_credentials) ? data.test_credentials : [];
    if (data.mfa_code_hint) state.mfaHint = String(data.mfa_code_hint);
    /* The link's own darkMode / mode (an app may set it when it opens the link) wins. */
    applyTheme(state.urlTheme !== null ? state.urlTheme : state.opts.dark_mode);
    applyLang(state.opts.locale);
    watchHeight();
    els.close.hidden = !state.opts.show_close_button;
    buildBanner();

    var reconnect = state.opts.reconnect;
    var slug = reconnect && reconnect.broker ? reconnect.broker : state.opts.broker;
    if (!slug) { state.picker = true; screenBrokers(); return; }
    var broker = state.brokers.filter(function (b) { return String(b.slug).toLowerCase() === String(slug).toLowerCase(); })[0];
    if (!broker && reconnect) {
      broker = { slug: slug, name: slug, display_name: slug, allows_trading: true, logo_url: '/portal/logos/' + slug + '.svg' };
    }
    if (!broker) {
      terminalError({ error_code: '1012', status_code: 400, detail: 'Unknown broker ' + slug + '.' }, false);
    } else if (state.opts.connection_type === 'trade' && !broker.allows_trading) {
      state.broker = broker;
      terminalError({ error_code: '1012', status_code: 400, detail: brokerName(broker) + ' does not support trading connections.' },
        false, 'trade');
    } else {
      pick(broker);
    }
  }

  /* ---------- sandbox banner ---------- */

  function buildBanner() {
    els.creds.textContent = '';
    state.creds.forEach(function (c) {
      els.creds.appendChild(h('li', { class: 'cred' }, [
        h('span', { class: 'cred-login' }, [h('code', { text: c.username }), h('span', { class: 'cred-sep', 'aria-hidden': 'true', text: '/' }),
          h('code', { text: c.password })]),
        h('span', { class: 'cred-outcome', text: c.outcome }),
        h('button', { type: 'button', class: 'cred-use', 'aria-label': t('useLabel', { user: c.username }), text: t('use'),
          onclick: function () { fillCredentials(c); } })
      ]));
    });
    document.getElementById('mfa-hint').textContent = t('bannerMfa', { code: state.mfaHint });
    var hidden = false;
    try { hidden = window.sessionStorage.getItem('brokerlink-banner') === 'hidden'; } catch (e) { hidden = false; }
    if (window.matchMedia && window.matchMedia('(max-width: 700px)').matches) els.details.open = false;
    els.banner.hidden = hidden || state.creds.length === 0;
  }

  function dismissBanner() {
    els.banner.hidden = true;
    try { window.sessionStorage.setItem('brokerlink-banner', 'hidden'); } catch (e) { /* storage blocked */ }
    var heading = els.screen.querySelector('h1');
    if (heading) heading.focus();
  }

  function fillCredentials(c) {
    var user = document.getElementById('username');
    var pass = document.getElementById('password');
    if (!user || !pass) return;
    user.value = c.username;
    pass.value = c.password === 'any' ? 'anything' : c.password;
    document.getElementById('submit-login').focus();
  }

  /* ---------- screen plumbing ---------- */

  /* Replaces the screen; opts: back (function for the header's back button), focus (selector), extra (spoken). */
  function show(name, nodes, opts) {
    opts = opts || {};
    clearTimeout(timers.count);
    var screen = els.screen;
    screen.setAttribute('data-screen', name);
    screen.removeAttribute('aria-busy');
    document.body.setAttribute('data-current', name);
    screen.textContent = '';
    append(screen, nodes);
    state.backFn = opts.back || null;
    els.back.hidden = !opts.back;
    var heading = screen.querySelector('h1');
    if (heading) announce(heading.textContent + (opts.extra ? '. ' + opts.extra : ''));
    var target = opts.focus ? screen.querySelector(opts.focus) : heading;
    if (target) target.focus();
    if (window.scrollY) window.scrollTo(0, 0);
  }

  function head(title, sub, visual) {
    return h('div', { class: 'screen-head' }, [visual || null, h('h1', { id: 'screen-title', tabindex: '-1', text: title }),
      sub ? h('p', { class: 'lead', text: sub }) : null]);
  }

  function badge(name, kind) { return h('span', { class: 'result-icon result-' + kind }, icon(name)); }

  function button(id, label, kind, onclick, type) {
    return h('button', { type: type || 'button', id: id, class: 'btn btn-' + kind, onclick: onclick }, h('span', { class: 'btn-label', text: label }));
  }

  function setBusy(btn, busy, label) {
    btn.disabled = busy;
    btn.setAttribute('aria-busy', busy ? 'true' : 'false');
    btn.classList.toggle('is-busy', busy);
    btn.querySelector('.btn-label').textContent = label;
  }

  /* ---------- broker picker ---------- */

  function screenBrokers() {
    var type = state.opts.connection_type || 'read';
    var list = h('ul', { class: 'broker-list', id: 'broker-list', 'aria-label': t('listLabel') });
    var rows = state.brokers.filter(function (b) { return type !== 'trade' || b.allows_trading; }).map(function (b) {
      var li = h('li', null, h('button', { type: 'button', class: 'broker', 'data-broker': b.slug, onclick: function () { pick(b); } }, [
        logo(b), h('span', { class: 'broker-name', text: brokerName(b) }),
        type === 'trade-if-available' && !b.allows_trading ? h('span', { class: 'tag', text: t('tagRead') }) : null,
        icon('chevron', 'chev')
      ]));
      li.hay = [b.name, b.display_name, b.slug].join(' ').toLowerCase();
      list.appendChild(li);
      return li;
    });
    var empty = h('p', { class: 'empty', id: 'no-match', hidden: true });
    var search = h('input', { id: 'search', type: 'search', class: 'input', autocomplete: 'off', spellcheck: 'false',
      autocapitalize: 'none', placeholder: t('searchPh'), 'aria-controls': 'broker-list' });
    search.value = state.query;
    var visible = function () { return rows.filter(function (li) { return !li.hidden; }); };
    var focusRow = function (i) {
      var vis = visible();
      if (vis.length) vis[(i + vis.length) % vis.length].querySelector('button').focus();
    };
    var filter = function (speak) {
      var q = search.value.trim().toLowerCase();
      state.query = search.value;
      rows.forEach(function (li) { li.hidden = q !== '' && li.hay.indexOf(q) < 0; });
      var n = visible().length;
      empty.hidden = n > 0;
      empty.textContent = t('noMatch', { q: search.value.trim() });
      clearTimeout(timers.count);
      if (speak) timers.count = setTimeout(function () { announce(n ? t(n === 1 ? 'count1' : 'count', { n: n }) : empty.textContent); }, 450);
    };
    search.addEventListener('input', function () { filter(true); });
    search.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); focusRow(0); }
      if (e.key === 'Escape' && search.value) { e.preventDefault(); search.value = ''; filter(true); }
    });
    list.addEventListener('keydown', function (e) {
      var i = visible().indexOf(e.target.closest('li'));
      var moves = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: -1 };
      if (i < 0 || !(e.key in moves)) return;
      e.preventDefault();
      if (e.key === 'ArrowUp' && i === 0) search.focus(); else focusRow(moves[e.key]);
    });
    filter(false);
    show('brokers', [
      head(t('pickTitle'), t('pickSub')),
      h('div', { class: 'search' }, [h('label', { for: 'search', class: 'sr-only', text: t('search') }), icon('search', 'search-icon'), search]),
      list, empty
    ]);
  }

  /* Read or trade, from what the link asked for and what the broker supports. */
  function pick(b) {
    var type = state.opts.connection_type || 'read';
    state.broker = b;
    state.connType = type === 'trade' || (type === 'trade-if-available' && b.allows_trading) ? 'trade' : 'read';
    screenPermission();
  }

  /* ---------- permission ---------- */

  function screenPermission() {
    var b = state.broker;
    var name = brokerName(b);
    var trade = state.connType === 'trade';
    var reconnect = !!state.opts.reconnect;
    var items = function (keys, ok) {
      return h('ul', { class: 'perm-list' }, keys.map(function (k) {
        return h('li', { class: ok ? 'ok' : 'no' }, [icon(ok ? 'check' : 'cross'), h('span', { text: t(k) })]);
      }));
    };
    var pair = h('div', { class: 'pair', 'aria-hidden': 'true' }, [h('span', { class: 'pair-app' }, icon('app')), h('span', { class: 'pair-dots' }),
      h('span', { class: 'pair-link' }, icon('link')), h('span', { class: 'pair-dots' }), logo(b, 'pair-logo')]);
    show('permission', [
      head(t(reconnect ? 'reconnectTitle' : 'permTitle', { broker: name }), t(reconnect ? 'reconnectIntro' : 'permIntro', { broker: name }), pair),
      h('section', { class: 'perm', 'aria-labelledby': 'perm-kind' }, [
        h('div', { class: 'perm-kind' }, [icon(trade ? 'trade' : 'eye'), h('h2', { id: 'perm-kind', text: t(trade ? 'permTrade' : 'permRead') })]),
        h('h3', { class: 'perm-head', text: t('canHead') }),
        items(trade ? ['canBalances', 'canHistory', 'canTrade'] : ['canBalances', 'canHistory'], true),
        h('h3', { class: 'perm-head', text: t('cannotHead') }),
        items(trade ? ['noWithdraw', 'noPassword'] : ['noTrade', 'noWithdraw', 'noPassword'], false)
      ]),
      state.opts.connection_type === 'trade-if-available' && !b.allows_trading
        ? h('p', { class: 'note', id: 'trade-note' }, [icon('info'), h('span', { text: t('noTradeNote', { broker: name }) })]) : null,
      h('div', { class: 'actions' }, [
        button('allow', t('allow'), 'primary', function () { screenLogin(); }),
        state.picker ? button('perm-back', t('back'), 'secondary', screenBrokers) : null
      ])
    ]);
  }

  /* ---------- login and MFA ---------- */

  function fieldError(id) {
    return h('p', { class: 'form-error', id: id, hidden: true }, [icon('alert'), h('span', { class: 'form-error-text' })]);
  }

  function setFieldError(box, inputs, message) {
    box.hidden = !message;
    box.querySelector('.form-error-text').textContent = message || '';
    inputs.forEach(function (input) {
      if (message) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', box.id); }
      else { input.removeAttribute('aria-invalid'); input.removeAttribute('aria-describedby'); }
    });
    if (message) announce(message);
  }

  /* Sends a form's request with its button busy; network failures stay inline. */
  function submitTo(path, body, submit, label, err, onData) {
    setBusy(submit, true, t(path === '/portal/api/mfa' ? 'verifying' : 'connecting'));
    announce(submit.textContent);
    api(path, body).then(function (res) {
      setBusy(submit, false, label);
      onData(res.data);
    }, function () {
      setBusy(submit, false, label);
      setFieldError(err, [], t('network'));
    });
  }

  function screenLogin(error, username) {
    var b = state.broker;
    var name = brokerName(b);
    var user = h('input', { id: 'username', name: 'username', type: 'text', class: 'input', autocomplete: 'username',
      autocapitalize: 'none', spellcheck: 'false', required: true });
    var pass = h('input', { id: 'password', name: 'password', type: 'password', class: 'input input-pw',
      autocomplete: 'current-password', required: true });
    var toggle = h('button', { type: 'button', class: 'pw-toggle', 'aria-controls': 'password', 'aria-pressed': 'false',
      'aria-label': t('showPwLabel'), text: t('showPw') });
    toggle.addEventListener('click', function () {
      var showing = pass.type === 'text';
      pass.type = showing ? 'password' : 'text';
      toggle.setAttribute('aria-pressed', String(!showing));
      toggle.textContent = t(showing ? 'showPw' : 'hidePw');
    });
    var err = fieldError('login-error');
    var submit = button('submit-login', t('submitLogin'), 'primary', null, 'submit');
    var form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'screen-title' }, [
      h('div', { class: 'field' }, [h('label', { for: 'username', text: t('username') }), user]),
      h('div', { class: 'field' }, [h('label', { for: 'password', text: t('password') }), h('div', { class: 'pw-wrap' }, [pass, toggle])]),
      err, submit
    ]);
    if (username) user.value = username;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var u = user.value.trim();
      if (submit.disabled) return;
      if (!u || !pass.value) { setFieldError(err, [user, pass], t('required')); (u ? pass : user).focus(); return; }
      setFieldError(err, [user, pass], '');
      var body = { token: state.token, broker: b.slug, username: u, password: pass.value, connection_type: state.connType };
      submitTo('/portal/api/connect', body, submit, t('submitLogin'), err, function (d) {
        if (d.status !== 'ERROR' || String(d.error_code) !== '1066') { handle(d); return; }
        setFieldError(err, [user, pass], t('badCreds'));
        pass.value = '';
        pass.focus();
      });
    });
    show('login', [
      head(t('loginTitle', { broker: name }), t(state.opts.reconnect ? 'loginSubReconnect' : 'loginSub', { broker: name }), logo(b, 'head-logo')),
      form
    ], { focus: username ? '#password' : '#username', back: state.opts.reconnect && !state.picker ? null : screenPermission });
    if (error) setFieldError(err, [user, pass], error);
  }

  function screenMfa() {
    var code = h('input', { id: 'mfa-code', name: 'code', type: 'text', class: 'input input-code', inputmode: 'numeric',
      autocomplete: 'one-time-code', pattern: '[0-9]*', maxlength: '6', required: true });
    code.addEventListener('input', function () {
      var digits = code.value.replace(/\D+/g, '').slice(0, 6);
      if (digits !== code.value) code.value = digits;
    });
    var err = fieldError('mfa-error');
    var submit = button('submit-mfa', t('submitMfa'), 'primary', null, 'submit');
    var form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'screen-title' }, [
      h('div', { class: 'field' }, [h('label', { for: 'mfa-code', text: t('mfaLabel') }), code]), err, submit
    ]);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (submit.disabled) return;
      if (!/^\d{6}$/.test(code.value.trim())) { setFieldError(err, [code], t('mfaInvalid')); code.focus(); return; }
      setFieldError(err, [code], '');
      submitTo('/portal/api/mfa', { token: state.token, code: code.value.trim() }, submit, t('submitMfa'), err, handle);
    });
    show('mfa', [head(t('mfaTitle'), t('mfaSub', { broker: brokerName(state.broker) }), badge('shield', 'info')), form],
      { focus: '#mfa-code', back: function () { screenLogin(); } });
  }

  /* ---------- outcomes and reporting ---------- */

  function handle(d) {
    if (d.status === 'SUCCESS') onSuccess(d);
    else if (d.status === 'MFA_REQUIRED') screenMfa();
    else if (d.status === 'ERROR' && String(d.error_code) === '1066') screenLogin(t('badCreds'));
    else if (d.status === 'ERROR') terminalError(d, true);
    else terminalError({ error_code: '0000', status_code: 500, detail: 'Unexpected response from the server.' }, true);
  }

  function onSuccess(d) {
    state.success = d;
    var url = null;
    if (state.provider === 'finatic') {
      post({ type: 'portal-success', userId: d.user_id });
      post({ type: 'portal-close' });
    } else if (state.embedded) {
      post({ status: 'SUCCESS', authorizationId: d.connection_id });
    } else if (state.opts.custom_redirect) {
      url = state.successUrl = withParams(state.opts.custom_redirect, 'status=SUCCESS&connection_id=' + encodeURIComponent(d.connection_id));
    }
    var immediate = !!(url && state.opts.immediate_redirect);
    var b = state.broker;
    var trade = d.permission === 'trade';
    var cont = button('continue', t(immediate ? 'redirecting' : url ? 'continueApp' : 'done'), 'primary', function () {
      if (url) go(url); else finish();
    });
    if (immediate) { cont.disabled = true; cont.classList.add('is-busy'); }
    show('success', [
      head(t('successTitle', { broker: brokerName(b) }), t(trade ? 'successTrade' : 'successRead'), badge('check', 'ok')),
      h('div', { class: 'summary' }, [logo(b), h('span', { class: 'summary-text' }, [h('strong', { text: brokerName(b) }),
        h('span', { text: t(trade ? 'permTrade' : 'permRead') })]), h('span', { class: 'summary-check' }, icon('check'))]),
      h('div', { class: 'actions' }, cont)
    ], { focus: immediate ? null : '#continue' });
    if (immediate) go(url);
  }

  /* Done on the success screen. */
  function finish() {
    if (state.provider === 'snaptrade' && state.embedded) post('CLOSE_MODAL');
    if (!state.framed) tryClose();
    screenClosed();
  }

  /* Reports an error that ends the flow, then shows its screen. */
  function terminalError(err, retry, variant) {
    var code = String(err.error_code || '0000');
    var url = null;
    if (state.provider === 'finatic') {
      post({ type: 'portal-error', error: err.detail, code: code });
    } else if (state.embedded) {
      post({ status: 'ERROR', errorCode: code, statusCode: err.status_code, detail: err.detail });
    } else if (state.opts.custom_redirect) {
      url = withParams(state.opts.custom_redirect, 'status=ERROR&status_code=' + encodeURIComponent(String(err.status_code)) +
        '&error_code=' + encodeURIComponent(code));
    }
    var immediate = !!(url && state.opts.immediate_redirect);
    screenError(err, { url: url, redirecting: immediate, retry: retry && state.loaded && code !== '1006', variant: variant });
    if (immediate) go(url);
  }

  function screenError(err, o) {
    var code = err.error_code ? String(err.error_code) : '';
    var spec = ERROR_SCREENS[code] ||
      ['error-generic', 'alert'].concat(o.variant === 'trade' ? ['tradeTitle', 'tradeBody'] : ['genericTitle', 'genericBody']);
    var detail = spec[0] === 'error-generic' && !o.variant && err.detail ? err.detail : null;
    var retry = o.reload || o.retry ? button('retry', t('tryAgain'), 'primary', function () {
      if (o.reload) window.location.reload(); else screenLogin();
    }) : null;
    var cont = button('continue', t(o.redirecting ? 'redirecting' : o.url ? 'returnApp' : 'close'), retry ? 'secondary' : 'primary',
      function () { if (o.url) go(o.url); else doClose(); });
    if (o.redirecting) { cont.disabled = true; cont.classList.add('is-busy'); }
    show(spec[0], [
      head(t(spec[2]), t(spec[3], { broker: brokerName(state.broker) }), badge(spec[1], code === '1006' ? 'warn' : 'bad')),
      detail ? h('p', { class: 'detail', text: detail }) : null,
      code ? h('p', { class: 'error-code', text: t('errorCode', { code: code }) }) : null,
      h('div', { class: 'actions' }, [retry, cont])
    ], { extra: detail });
  }

  /* The X button, and Close on error screens. */
  function doClose() {
    if (state.provider === 'finatic') {
      post({ type: 'portal-close' });
    } else if (state.embedded) {
      post('CLOSED');
    } else if (state.opts.custom_redirect) {
      go(state.successUrl || withParams(state.opts.custom_redirect, 'status=ABANDONED'));
      return;
    }
    if (!state.framed) tryClose();
    screenClosed();
  }

  function tryClose() { try { window.close(); } catch (e) { /* not closable by script */ } }

  function screenClosed() {
    els.close.hidden = true;
    show('closed', [head(t('closedTitle'), t(state.success ? 'closedDone' : 'closedBody'), badge('door', 'neutral'))]);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
