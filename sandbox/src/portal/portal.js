/* brokerlink sandbox connection portal. Plain ES2019, no dependencies, no build step. */
(function () {
  'use strict';

  var STRINGS = {
    en: {
      docTitle: 'Connect your brokerage account', loading: 'Loading…', sandbox: 'Sandbox', close: 'Close', back: 'Back',
      footer: 'Your credentials are never shared with the app.',
      bannerTitle: 'Sandbox test credentials', bannerDismiss: 'Hide test credentials',
      bannerIntro: 'No real brokerage is contacted. Log in with one of these:',
      bannerMfa: 'Verification code when asked: {code}', use: 'Use', useLabel: 'Fill in {user}',
      pickTitle: 'Select your brokerage', pickSub: 'Choose where your investment account is held.',
      search: 'Search brokerages', searchPh: 'Search by name', listLabel: 'Brokerages',
      noMatch: 'No brokerages match “{q}”.', count: '{n} brokerages shown', count1: '1 brokerage shown',
      tagRead: 'Read-only', logoAlt: '{name} logo',
      permTitle: 'Connect {broker}', reconnectTitle: 'Reconnect your {broker} account',
      permIntro: 'The app that sent you here is asking for access to your {broker} account.',
      reconnectIntro: 'Log in again to restore the app’s access to your {broker} account.',
      permRead: 'Read-only access', permTrade: 'Trading access',
      canHead: 'It will be able to', cannotHead: 'It will not be able to',
      canBalances: 'View balances and positions', canHistory: 'View transaction and order history',
      canTrade: 'Place and cancel orders on your behalf', noTrade: 'Place orders',
      noWithdraw: 'Withdraw or transfer money', noPassword: 'See your password',
      noTradeNote: '{broker} does not support trading connections, so this connection will be read-only.',
      allow: 'Continue',
      loginTitle: 'Log in to {broker}', loginSub: 'Enter the username and password you use with {broker}.',
      loginSubReconnect: 'Use the same {broker} account you connected before.',
      username: 'Username', password: 'Password', showPw: 'Show', hidePw: 'Hide', showPwLabel: 'Show password',
      submitLogin: 'Log in', connecting: 'Connecting…', required: 'Enter your username and password.',
      badCreds: 'The username or password is incorrect. Check them and try again.',
      network: 'We couldn’t reach the server. Check your connection and try again.',
      mfaTitle: 'Enter verification code', mfaSub: '{broker} sent a 6-digit code to your device.',
      mfaLabel: 'Verification code', mfaInvalid: 'Enter the 6-digit code.', submitMfa: 'Verify', verifying: 'Verifying…',
      successTitle: 'Connected to {broker}', successRead: 'Read-only access granted.',
      successTrade: 'Trading access granted.', done: 'Done', continueApp: 'Continue', redirecting: 'Redirecting…',
      lockedTitle: 'Account locked',
      lockedBody: 'Your {broker} account is locked. Contact {broker} to unlock it, then try again.',
      mfaErrTitle: 'Incorrect verification code',
      mfaErrBody: 'The code you entered didn’t match. Log in again to get a new code.',
      reconnectErrTitle: 'Different account',
      reconnectErrBody: 'These credentials belong to a different {broker} account than the one being reconnected. Log in with the original account.',
      expiredTitle: 'This link has expired',
      expiredBody: 'The connection link expired or was already used. Go back to the app and start again.',
      tradeTitle: 'Trading isn’t available',
      tradeBody: '{broker} does not support trading connections, which this app requires.',
      genericTitle: 'Something went wrong', genericBody: 'We couldn’t connect your account.',
      errorCode: 'Error code {code}', tryAgain: 'Try again', returnApp: 'Return to app',
      closedTitle: 'You can close this window', closedBody: 'No account was connected.',
      closedDone: 'Your account is connected.'
    },
    'pt-BR': {
      docTitle: 'Conecte sua conta de corretora', loading: 'Carregando…', sandbox: 'Sandbox', close: 'Fechar', back: 'Voltar',
      footer: 'Suas credenciais nunca são compartilhadas com o aplicativo.',
      bannerTitle: 'Credenciais de teste do sandbox', bannerDismiss: 'Ocultar credenciais de teste',
      bannerIntro: 'Nenhuma corretora real é acessada. Entre com uma destas:',
      bannerMfa: 'Código de verificação, quando pedido: {code}', use: 'Usar', useLabel: 'Preencher com {user}',
      pickTitle: 'Selecione sua corretora', pickSub: 'Escolha onde sua conta de investimentos está.',
      search: 'Buscar corretoras', searchPh: 'Buscar pelo nome', listLabel: 'Corretoras',
      noMatch: 'Nenhuma corretora corresponde a “{q}”.', count: '{n} corretoras exibidas', count1: '1 corretora exibida',
      tagRead: 'Somente leitura', logoAlt: 'Logotipo de {name}',
      permTitle: 'Conectar {broker}', reconnectTitle: 'Reconecte sua conta {broker}',
      permIntro: 'O aplicativo que enviou você até aqui está pedindo acesso à sua conta {broker}.',
      reconnectIntro: 'Entre novamente para restaurar o acesso do aplicativo à sua conta {broker}.',
      permRead: 'Acesso somente leitura', permTrade: 'Acesso para negociação',
      canHead: 'Ele poderá', cannotHead: 'Ele não poderá',
      canBalances: 'Ver saldos e posições', canHistory: 'Ver histórico de transações e ordens',
      canTrade: 'Enviar e cancelar ordens em seu nome', noTrade: 'Enviar ordens',
      noWithdraw: 'Sacar ou transferir dinheiro', noPassword: 'Ver sua senha',
      noTradeNote: '{broker} não oferece conexões com negociação; esta conexão será somente leitura.',
      allow: 'Continuar',
      loginTitle: 'Acesse sua conta {broker}', loginSub: 'Informe o usuário e a senha que você usa na {broker}.',
      loginSubReconnect: 'Use a mesma conta {broker} conectada anteriormente.',
      username: 'Usuário', password: 'Senha', showPw: 'Mostrar', hidePw: 'Ocultar', showPwLabel: 'Mostrar senha',
      submitLogin: 'Entrar', connecting: 'Conectando…', required: 'Informe seu usuário e sua senha.',
      badCreds: 'Usuário ou senha incorretos. Confira e tente novamente.',
      network: 'Não foi possível acessar o servidor. Verifique sua conexão e tente novamente.',
      mfaTitle: 'Digite o código de verificação', mfaSub: '{broker} enviou um código de 6 dígitos para o seu dispositivo.',
      mfaLabel: 'Código de verificação', mfaInvalid: 'Digite o código de 6 dígitos.', submitMfa: 'Verificar', verifying: 'Verificando…',
      successTitle: 'Conta {broker} conectada', successRead: 'Acesso somente leitura concedido.',
      successTrade: 'Acesso para negociação concedido.', done: 'Concluir', continueApp: 'Continuar', redirecting: 'Redirecionando…',
      lockedTitle: 'Conta bloqueada',
      lockedBody: 'Sua conta {broker} está bloqueada. Entre em contato com o suporte para desbloqueá-la e tente novamente.',
      mfaErrTitle: 'Código de verificação incorreto',
      mfaErrBody: 'O código digitado não confere. Entre novamente para receber um novo código.',
      reconnectErrTitle: 'Conta diferente',
      reconnectErrBody: 'Essas credenciais pertencem a outra conta {broker}, diferente da que está sendo reconectada. Entre com a conta original.',
      expiredTitle: 'Este link expirou',
      expiredBody: 'O link de conexão expirou ou já foi usado. Volte ao aplicativo e comece novamente.',
      tradeTitle: 'Negociação indisponível',
      tradeBody: '{broker} não oferece conexões com negociação, exigidas por este aplicativo.',
      genericTitle: 'Algo deu errado', genericBody: 'Não foi possível conectar sua conta.',
      errorCode: 'Código de erro {code}', tryAgain: 'Tentar novamente', returnApp: 'Voltar ao aplicativo',
      closedTitle: 'Você pode fechar esta janela', closedBody: 'Nenhuma conta foi conectada.',
      closedDone: 'Sua conta está conectada.'
    }
  };

  var ICONS = {
    check: ['M5 12.5l4.5 4.5L19 7'],
    cross: ['M7 7l10 10', 'M17 7L7 17'],
    chevron: ['M9 6l6 6-6 6'],
    search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M20 20l-3.8-3.8'],
    lock: ['M6 11h12v9H6z', 'M8.5 11V8a3.5 3.5 0 0 1 7 0v3'],
    alert: ['M12 3.5l9.5 16.5h-19L12 3.5z', 'M12 10v4', 'M12 17h.01'],
    info: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 11v5', 'M12 8h.01'],
    clock: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 7v5l3 2'],
    user: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4.5 20a7.5 7.5 0 0 1 15 0'],
    key: ['M8 15a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M11.5 11H21', 'M18 11v3', 'M15 11v2'],
    link: ['M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1', 'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1'],
    app: ['M4 4h7v7H4z', 'M13 4h7v7h-7z', 'M4 13h7v7H4z', 'M13 13h7v7h-7z'],
    eye: ['M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z', 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'],
    trade: ['M3 17l6-6 4 4 8-8', 'M15 7h6v6'],
    door: ['M14 4h5v16h-5', 'M10 8l-4 4 4 4', 'M6 12h10']
  };

  var ERROR_SCREENS = { '3000': 'error-locked', '1086': 'error-mfa', '1023': 'error-reconnect', '1006': 'error-expired' };

  var state = {
    token: '', provider: 'snaptrade', opts: {}, brokers: [], creds: [], mfaHint: '123456', lang: 'en',
    broker: null, connType: 'read', picker: false, query: '', success: null, successUrl: null,
    embedded: false, target: null, origin: null, lastHeight: 0, backFn: null, loaded: false
  };
  var els = {};
  var announceTimer = 0;

  /* ---------- helpers ---------- */

  function t(key, vars) {
    var table = STRINGS[state.lang] || STRINGS.en;
    var s = table[key] != null ? table[key] : (STRINGS.en[key] != null ? STRINGS.en[key] : key);
    return s.replace(/\{(\w+)\}/g, function (m, k) { return vars && vars[k] != null ? String(vars[k]) : m; });
  }

  function append(el, kids) {
    if (kids == null || kids === false) return;
    if (Array.isArray(kids)) { kids.forEach(function (k) { append(el, k); }); return; }
    el.appendChild(typeof kids === 'string' ? document.createTextNode(kids) : kids);
  }

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
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'icon' + (cls ? ' ' + cls : ''));
    ICONS[name].forEach(function (d) {
      var p = document.createElementNS(NS, 'path');
      p.setAttribute('d', d);
      svg.appendChild(p);
    });
    return svg;
  }

  function announce(text) {
    clearTimeout(announceTimer);
    els.live.textContent = '';
    announceTimer = setTimeout(function () { els.live.textContent = text; }, 60);
  }

  function brokerName(b) { return (b && (b.display_name || b.name || b.slug)) || ''; }

  function logo(b, cls) {
    var img = h('img', { class: 'logo ' + (cls || ''), src: b.logo_url || '/portal/logos/' + b.slug + '.svg',
      alt: t('logoAlt', { name: brokerName(b) }), width: 40, height: 40, decoding: 'async' });
    img.addEventListener('error', function () {
      var mono = h('span', { class: 'logo logo-mono ' + (cls || ''), role: 'img', 'aria-label': img.alt,
        text: brokerName(b).charAt(0).toUpperCase() });
      if (img.parentNode) img.parentNode.replaceChild(mono, img);
    });
    return img;
  }

  function withParams(base, params) { return base + (base.indexOf('?') >= 0 ? '&' : '?') + params; }

  function go(url) {
    if (/^\s*(javascript|data|vbscript):/i.test(url)) return;
    window.location.assign(url);
  }

  function post(message) {
    if (!state.embedded || !state.target || !state.origin) return;
    try { state.target.postMessage(message, state.origin); } catch (e) { /* host went away */ }
  }

  function api(path, body) {
    var init = { method: body ? 'POST' : 'GET', credentials: 'same-origin', cache: 'no-store',
      headers: { Accept: 'application/json' } };
    if (body) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        if (!data || typeof data !== 'object') {
          data = r.ok ? { status: 'ERROR', error_code: '0000', status_code: r.status, detail: 'Unexpected response from the server.' }
            : { status: 'ERROR', error_code: '0000', status_code: r.status, detail: text || r.statusText || 'HTTP ' + r.status };
        }
        if (!r.ok && data.status !== 'ERROR') data.status = 'ERROR';
        return { ok: r.ok, status: r.status, data: data };
      });
    });
  }

  /* ---------- setup ---------- */

  function applyTheme(dark) {
    var root = document.documentElement;
    if (dark === true) root.setAttribute('data-theme', 'dark');
    else if (dark === false) root.setAttribute('data-theme', 'light');
    else root.removeAttribute('data-theme');
  }

  function applyLang(locale) {
    state.lang = /^pt/i.test(locale || '') ? 'pt-BR' : 'en';
    document.documentElement.setAttribute('lang', state.lang);
    document.title = t('docTitle');
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n-label]'), function (el) {
      el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
    });
  }

  function detectHost() {
    var framed = true;
    try { framed = window.parent !== window; } catch (e) { framed = true; }
    var opener = null;
    try { opener = window.opener || null; } catch (e) { opener = null; }
    state.embedded = framed || !!opener;
    state.target = framed ? window.parent : opener;
    if (document.referrer) {
      try {
        var origin = new URL(document.referrer).origin;
        if (origin && origin !== 'null') state.origin = origin;
      } catch (e) { state.origin = null; }
    }
    if (state.embedded) document.documentElement.classList.add('embedded');
  }

  function watchHeight() {
    if (state.provider !== 'finatic' || typeof ResizeObserver !== 'function') return;
    new ResizeObserver(function () {
      var height = Math.ceil(document.documentElement.scrollHeight);
      if (height === state.lastHeight) return;
      state.lastHeight = height;
      post({ type: 'portal-resize', height: height });
    }).observe(document.body);
  }

  /* Options from the link's own query, used only when the session itself can't be loaded. */
  function queryOptions(q) {
    var bool = function (v) { return v === 'true' ? true : v === 'false' ? false : null; };
    return { custom_redirect: q.get('customRedirect') || null, immediate_redirect: bool(q.get('immediateRedirect')) === true,
      show_close_button: bool(q.get('showCloseButton')) === true, dark_mode: bool(q.get('darkMode')), locale: q.get('locale') };
  }

  function init() {
    els.screen = document.getElementById('screen');
    els.live = document.getElementById('live');
    els.back = document.getElementById('back');
    els.close = document.getElementById('close');
    els.banner = document.getElementById('banner');
    var q = new URLSearchParams(window.location.search);
    state.token = q.get('token') || '';
    var fallback = queryOptions(q);
    applyTheme(fallback.dark_mode);
    applyLang(fallback.locale);
    detectHost();
    els.back.addEventListener('click', function () { if (state.backFn) state.backFn(); });
    els.close.addEventListener('click', doClose);
    document.getElementById('banner-dismiss').addEventListener('click', dismissBanner);
    loadSession(q, fallback);
  }

  function loadSession(q, fallback) {
    api('/portal/api/session?token=' + encodeURIComponent(state.token)).then(function (res) {
      if (res.ok && res.data.provider) { start(res.data); return; }
      state.provider = q.get('provider') || (/snaptrade/i.test(window.location.pathname) || q.has('clientId') ? 'snaptrade' : 'finatic');
      state.opts = fallback;
      watchHeight();
      showClose();
      terminalError(res.data, false);
    }).catch(function () {
      state.provider = /snaptrade/i.test(window.location.pathname) || q.has('clientId') ? 'snaptrade' : 'finatic';
      screenError('error-generic', { detail: t('network') }, { reload: true });
    });
  }

  function start(data) {
    state.loaded = true;
    state.provider = data.provider === 'finatic' ? 'finatic' : 'snaptrade';
    state.opts = data.options || {};
    state.brokers = Array.isArray(data.brokers) ? data.brokers : [];
    state.creds = Array.isArray(data.test_credentials) ? data.test_credentials : [];
    if (data.mfa_code_hint) state.mfaHint = String(data.mfa_code_hint);
    applyTheme(state.opts.dark_mode === true ? true : state.opts.dark_mode === false ? false : null);
    applyLang(state.opts.locale);
    watchHeight();
    showClose();
    buildBanner();

    var type = state.opts.connection_type || 'read';
    var reconnect = state.opts.reconnect;
    var slug = reconnect && reconnect.broker ? reconnect.broker : state.opts.broker;
    if (!slug) { state.picker = true; screenBrokers(); return; }
    var broker = findBroker(slug);
    if (!broker && reconnect) {
      broker = { slug: slug, name: slug, display_name: slug, allows_trading: true, logo_url: '/portal/logos/' + slug + '.svg' };
    }
    if (!broker) {
      terminalError({ error_code: '1012', status_code: 400, detail: 'Unknown broker ' + slug + '.' }, false);
      return;
    }
    if (type === 'trade' && !broker.allows_trading) {
      state.broker = broker;
      terminalError({ error_code: '1012', status_code: 400,
        detail: brokerName(broker) + ' does not support trading connections.' }, false, 'trade');
      return;
    }
    pick(broker);
  }

  function findBroker(slug) {
    var s = String(slug).toLowerCase();
    return state.brokers.filter(function (b) { return String(b.slug).toLowerCase() === s; })[0] || null;
  }

  function showClose() { els.close.hidden = !state.opts.show_close_button; }

  /* ---------- sandbox banner ---------- */

  function bannerHidden() {
    try { return window.sessionStorage.getItem('brokerlink-banner') === 'hidden'; } catch (e) { return false; }
  }

  function buildBanner() {
    var list = document.getElementById('creds');
    list.textContent = '';
    state.creds.forEach(function (c) {
      list.appendChild(h('li', { class: 'cred' }, [
        h('span', { class: 'cred-login' }, [h('code', { text: c.username }), h('span', { class: 'cred-sep', 'aria-hidden': 'true', text: '/' }),
          h('code', { text: c.password })]),
        h('span', { class: 'cred-outcome', text: c.outcome }),
        h('button', { type: 'button', class: 'cred-use', 'aria-label': t('useLabel', { user: c.username }), text: t('use'),
          onclick: function () { fillCredentials(c); } })
      ]));
    });
    document.getElementById('mfa-hint').textContent = t('bannerMfa', { code: state.mfaHint });
    els.banner.hidden = bannerHidden() || state.creds.length === 0;
  }

  function dismissBanner() {
    els.banner.hidden = true;
    try { window.sessionStorage.setItem('brokerlink-banner', 'hidden'); } catch (e) { /* storage blocked */ }
    focusHeading();
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

  function focusHeading() {
    var heading = els.screen.querySelector('h1');
    if (heading) heading.focus();
  }

  function show(name, nodes, opts) {
    opts = opts || {};
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

  function button(id, label, kind, onclick) {
    return h('button', { type: 'button', id: id, class: 'btn btn-' + kind, onclick: onclick }, h('span', { class: 'btn-label', text: label }));
  }

  function setBusy(btn, busy, label) {
    btn.disabled = busy;
    btn.setAttribute('aria-busy', busy ? 'true' : 'false');
    btn.classList.toggle('is-busy', busy);
    btn.querySelector('.btn-label').textContent = label;
  }

  function effectiveType(b) {
    var type = state.opts.connection_type || 'read';
    if (type === 'trade') return 'trade';
    if (type === 'trade-if-available') return b.allows_trading ? 'trade' : 'read';
    return 'read';
  }

  /* ---------- broker picker ---------- */

  function screenBrokers() {
    var type = state.opts.connection_type || 'read';
    var brokers = state.brokers.filter(function (b) { return type !== 'trade' || b.allows_trading; });
    var list = h('ul', { class: 'broker-list', id: 'broker-list', 'aria-label': t('listLabel') });
    var rows = brokers.map(function (b) {
      var li = h('li', null, h('button', { type: 'button', class: 'broker', 'data-broker': b.slug, onclick: function () { pick(b); } }, [
        logo(b),
        h('span', { class: 'broker-name', text: brokerName(b) }),
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
    var countTimer = 0;
    function filter(speak) {
      var q = search.value.trim().toLowerCase();
      state.query = search.value;
      var n = 0;
      rows.forEach(function (li) { li.hidden = q !== '' && li.hay.indexOf(q) < 0; if (!li.hidden) n++; });
      empty.hidden = n > 0;
      empty.textContent = t('noMatch', { q: search.value.trim() });
      if (!speak) return;
      clearTimeout(countTimer);
      countTimer = setTimeout(function () { announce(n ? (n === 1 ? t('count1') : t('count', { n: n })) : empty.textContent); }, 450);
    }
    search.addEventListener('input', function () { filter(true); });
    list.addEventListener('keydown', function (e) { moveFocus(e, rows, search); });
    search.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); focusRow(rows, 0); }
      if (e.key === 'Escape' && search.value) { e.preventDefault(); search.value = ''; filter(true); }
    });
    filter(false);
    show('brokers', [
      head(t('pickTitle'), t('pickSub')),
      h('div', { class: 'search' }, [h('label', { for: 'search', class: 'sr-only', text: t('search') }), icon('search', 'search-icon'), search]),
      list, empty
    ]);
  }

  function visibleRows(rows) { return rows.filter(function (li) { return !li.hidden; }); }

  function focusRow(rows, index) {
    var vis = visibleRows(rows);
    if (!vis.length) return;
    vis[(index + vis.length) % vis.length].querySelector('button').focus();
  }

  function moveFocus(e, rows, search) {
    var vis = visibleRows(rows);
    var i = vis.indexOf(e.target.closest('li'));
    if (i < 0) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); focusRow(rows, i + 1); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); if (i === 0) search.focus(); else focusRow(rows, i - 1); }
    else if (e.key === 'Home') { e.preventDefault(); focusRow(rows, 0); }
    else if (e.key === 'End') { e.preventDefault(); focusRow(rows, -1); }
  }

  function pick(b) {
    state.broker = b;
    state.connType = effectiveType(b);
    screenPermission();
  }

  /* ---------- permission ---------- */

  function screenPermission() {
    var b = state.broker;
    var name = brokerName(b);
    var trade = state.connType === 'trade';
    var reconnect = !!state.opts.reconnect;
    var can = trade ? ['canBalances', 'canHistory', 'canTrade'] : ['canBalances', 'canHistory'];
    var cannot = trade ? ['noWithdraw', 'noPassword'] : ['noTrade', 'noWithdraw', 'noPassword'];
    var limited = state.opts.connection_type === 'trade-if-available' && !b.allows_trading;
    var pair = h('div', { class: 'pair', 'aria-hidden': 'true' }, [
      h('span', { class: 'pair-app' }, icon('app')), h('span', { class: 'pair-dots' }), h('span', { class: 'pair-link' }, icon('link')),
      h('span', { class: 'pair-dots' }), logo(b, 'pair-logo')
    ]);
    var items = function (keys, ok) {
      return h('ul', { class: 'perm-list' }, keys.map(function (k) {
        return h('li', { class: ok ? 'ok' : 'no' }, [icon(ok ? 'check' : 'cross'), h('span', { text: t(k) })]);
      }));
    };
    show('permission', [
      head(reconnect ? t('reconnectTitle', { broker: name }) : t('permTitle', { broker: name }),
        reconnect ? t('reconnectIntro', { broker: name }) : t('permIntro', { broker: name }), pair),
      h('section', { class: 'perm', 'aria-labelledby': 'perm-kind' }, [
        h('div', { class: 'perm-kind' }, [icon(trade ? 'trade' : 'eye'), h('h2', { id: 'perm-kind', text: t(trade ? 'permTrade' : 'permRead') })]),
        h('h3', { class: 'perm-head', text: t('canHead') }), items(can, true),
        h('h3', { class: 'perm-head', text: t('cannotHead') }), items(cannot, false)
      ]),
      limited ? h('p', { class: 'note', id: 'trade-note' }, [icon('info'), h('span', { text: t('noTradeNote', { broker: name }) })]) : null,
      h('div', { class: 'actions' }, [
        button('allow', t('allow'), 'primary', function () { screenLogin(); }),
        state.picker ? button('perm-back', t('back'), 'secondary', screenBrokers) : null
      ])
    ]);
  }

  /* ---------- login ---------- */

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
      toggle.setAttribute('aria-pressed', showing ? 'false' : 'true');
      toggle.textContent = showing ? t('showPw') : t('hidePw');
    });
    var err = fieldError('login-error');
    var submit = h('button', { type: 'submit', id: 'submit-login', class: 'btn btn-primary' }, h('span', { class: 'btn-label', text: t('submitLogin') }));
    var form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'screen-title' }, [
      h('div', { class: 'field' }, [h('label', { for: 'username', text: t('username') }), user]),
      h('div', { class: 'field' }, [h('label', { for: 'password', text: t('password') }), h('div', { class: 'pw-wrap' }, [pass, toggle])]),
      err, submit
    ]);
    if (username) user.value = username;
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (submit.disabled) return;
      var u = user.value.trim();
      var p = pass.value;
      if (!u || !p) { setFieldError(err, [user, pass], t('required')); (u ? pass : user).focus(); return; }
      setFieldError(err, [user, pass], '');
      setBusy(submit, true, t('connecting'));
      announce(t('connecting'));
      api('/portal/api/connect', { token: state.token, broker: b.slug, username: u, password: p, connection_type: state.connType })
        .then(function (res) {
          setBusy(submit, false, t('submitLogin'));
          var d = res.data;
          if (d.status === 'ERROR' && String(d.error_code) === '1066') {
            setFieldError(err, [user, pass], t('badCreds'));
            pass.value = '';
            pass.focus();
            return;
          }
          handle(d);
        }, function () {
          setBusy(submit, false, t('submitLogin'));
          setFieldError(err, [], t('network'));
        });
    });
    var back = state.opts.reconnect && !state.picker ? null : screenPermission;
    show('login', [
      head(t('loginTitle', { broker: name }), state.opts.reconnect ? t('loginSubReconnect', { broker: name }) : t('loginSub', { broker: name }),
        logo(b, 'head-logo')),
      form
    ], { focus: username ? '#password' : '#username', back: back });
    if (error) setFieldError(err, [user, pass], error);
  }

  /* ---------- MFA ---------- */

  function screenMfa() {
    var name = brokerName(state.broker);
    var code = h('input', { id: 'mfa-code', name: 'code', type: 'text', class: 'input input-code', inputmode: 'numeric',
      autocomplete: 'one-time-code', pattern: '[0-9]*', maxlength: '6', required: true });
    code.addEventListener('input', function () {
      var digits = code.value.replace(/\D+/g, '').slice(0, 6);
      if (digits !== code.value) code.value = digits;
    });
    var err = fieldError('mfa-error');
    var submit = h('button', { type: 'submit', id: 'submit-mfa', class: 'btn btn-primary' }, h('span', { class: 'btn-label', text: t('submitMfa') }));
    var form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'screen-title' }, [
      h('div', { class: 'field' }, [h('label', { for: 'mfa-code', text: t('mfaLabel') }), code]), err, submit
    ]);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (submit.disabled) return;
      var value = code.value.trim();
      if (!/^\d{6}$/.test(value)) { setFieldError(err, [code], t('mfaInvalid')); code.focus(); return; }
      setFieldError(err, [code], '');
      setBusy(submit, true, t('verifying'));
      announce(t('verifying'));
      api('/portal/api/mfa', { token: state.token, code: value }).then(function (res) {
        setBusy(submit, false, t('submitMfa'));
        handle(res.data);
      }, function () {
        setBusy(submit, false, t('submitMfa'));
        setFieldError(err, [], t('network'));
      });
    });
    show('mfa', [head(t('mfaTitle'), t('mfaSub', { broker: name }), h('span', { class: 'head-icon' }, icon('key'))), form],
      { focus: '#mfa-code', back: function () { screenLogin(); } });
  }

  /* ---------- outcomes ---------- */

  function handle(d) {
    if (d.status === 'SUCCESS') { onSuccess(d); return; }
    if (d.status === 'MFA_REQUIRED') { screenMfa(); return; }
    if (d.status === 'ERROR' && String(d.error_code) === '1066') { screenLogin(t('badCreds')); return; }
    if (d.status === 'ERROR') { terminalError(d, true); return; }
    terminalError({ error_code: '0000', status_code: 500, detail: 'Unexpected response from the server.' }, true);
  }

  function onSuccess(d) {
    state.success = d;
    if (state.provider === 'finatic') {
      post({ type: 'portal-success', userId: d.user_id });
      post({ type: 'portal-close' });
      screenSuccess(null, false);
      return;
    }
    if (state.embedded) {
      post({ status: 'SUCCESS', authorizationId: d.connection_id });
      screenSuccess(null, false);
      return;
    }
    if (state.opts.custom_redirect) {
      state.successUrl = withParams(state.opts.custom_redirect, 'status=SUCCESS&connection_id=' + encodeURIComponent(d.connection_id));
      screenSuccess(state.successUrl, !!state.opts.immediate_redirect);
      if (state.opts.immediate_redirect) go(state.successUrl);
      return;
    }
    screenSuccess(null, false);
  }

  function screenSuccess(url, redirecting) {
    var b = state.broker;
    var trade = state.success && state.success.permission === 'trade';
    var cont = button('continue', redirecting ? t('redirecting') : url ? t('continueApp') : t('done'), 'primary', function () {
      if (url) go(url); else finish();
    });
    if (redirecting) { cont.disabled = true; cont.classList.add('is-busy'); }
    show('success', [
      head(t('successTitle', { broker: brokerName(b) }), t(trade ? 'successTrade' : 'successRead'),
        h('span', { class: 'result-icon result-ok' }, icon('check'))),
      h('div', { class: 'summary' }, [logo(b), h('span', { class: 'summary-name', text: brokerName(b) }),
        h('span', { class: 'tag' + (trade ? ' tag-accent' : ''), text: t(trade ? 'permTrade' : 'permRead') })]),
      h('div', { class: 'actions' }, cont)
    ], { focus: redirecting ? null : '#continue' });
  }

  /* Done on the success screen. */
  function finish() {
    if (state.provider === 'snaptrade' && state.embedded) post('CLOSE_MODAL');
    else if (!state.embedded || state.provider === 'finatic') tryClose();
    screenClosed();
  }

  function terminalError(err, retry, variant) {
    var code = String(err.error_code || '0000');
    var kind = ERROR_SCREENS[code] || 'error-generic';
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
    screenError(kind, err, { url: url, redirecting: immediate, retry: retry && state.loaded && kind !== 'error-expired', variant: variant });
    if (immediate) go(url);
  }

  function screenError(kind, err, o) {
    var name = brokerName(state.broker);
    var spec = {
      'error-locked': ['lock', 'lockedTitle', 'lockedBody'],
      'error-mfa': ['key', 'mfaErrTitle', 'mfaErrBody'],
      'error-reconnect': ['user', 'reconnectErrTitle', 'reconnectErrBody'],
      'error-expired': ['clock', 'expiredTitle', 'expiredBody']
    }[kind] || (o.variant === 'trade' ? ['alert', 'tradeTitle', 'tradeBody'] : ['alert', 'genericTitle', 'genericBody']);
    var detail = kind === 'error-generic' && !o.variant && err.detail ? err.detail : null;
    var retry = o.reload ? button('retry', t('tryAgain'), 'primary', function () { window.location.reload(); })
      : o.retry ? button('retry', t('tryAgain'), 'primary', function () { screenLogin(); }) : null;
    var cont = o.url
      ? button('continue', o.redirecting ? t('redirecting') : t('returnApp'), retry ? 'secondary' : 'primary', function () { go(o.url); })
      : button('continue', t('close'), retry ? 'secondary' : 'primary', doClose);
    if (o.redirecting) { cont.disabled = true; cont.classList.add('is-busy'); }
    var codeText = err.error_code ? t('errorCode', { code: err.error_code }) : null;
    show(kind, [
      head(t(spec[1]), t(spec[2], { broker: name || 'your broker' }),
        h('span', { class: 'result-icon result-' + (kind === 'error-expired' ? 'warn' : 'bad') }, icon(spec[0]))),
      detail ? h('p', { class: 'detail', text: detail }) : null,
      codeText ? h('p', { class: 'error-code', text: codeText }) : null,
      h('div', { class: 'actions' }, [retry, cont])
    ], { extra: detail, focus: null });
  }

  /* The X button, and Close on error screens. */
  function doClose() {
    if (state.provider === 'finatic') {
      post({ type: 'portal-close' });
      if (!state.embedded) tryClose();
      screenClosed();
      return;
    }
    if (state.embedded) { post('CLOSED'); screenClosed(); return; }
    if (state.opts.custom_redirect) {
      go(state.successUrl || withParams(state.opts.custom_redirect, 'status=ABANDONED'));
      return;
    }
    tryClose();
    screenClosed();
  }

  function tryClose() {
    try { window.close(); } catch (e) { /* not script-closable */ }
  }

  function screenClosed() {
    els.close.hidden = true;
    show('closed', [head(t('closedTitle'), t(state.success ? 'closedDone' : 'closedBody'),
      h('span', { class: 'result-icon result-neutral' }, icon('door')))]);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
