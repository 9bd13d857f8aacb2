#!/usr/bin/env node
// The Node runner of the conformance suite (docs/design.md §7): executes every scenario of
// tests/conformance/scenarios against a fresh in-process Sandbox of the `brokerlink` npm
// package and writes one raw transcript per scenario, `<name>.jsonl`, in the canonical
// snake_case forms of tests/conformance/rust/src/canonical.rs. It mirrors run.rs step for
// step; `conformance check DIR` then normalises and compares with the golden transcripts.
//
//   node tests/conformance/node/runner.mjs [--out DIR] [--scenarios DIR] [NAME...]

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolvePath(here, '../../..')
const packageDir = process.env.BROKERLINK_NODE_PACKAGE ?? join(root, 'bindings-node')
const { BrokerlinkError, Client, Sandbox, parsePortalResult, verifyWebhook } = await import(join(packageDir, 'index.mjs'))

// ---- canonical forms (canonical.rs) -------------------------------------------------------

const iso = (date) => (date == null ? null : date.toISOString())
const orNull = (value) => (value === undefined ? null : value)

const canonical = {
  user: (u) => ({ user_id: u.userId, user_secret: orNull(u.userSecret) }),
  session: (s) => ({
    id: s.id,
    company_id: s.companyId,
    status: s.status,
    expires_at: iso(s.expiresAt),
    user_id: orNull(s.userId),
  }),
  link: (l) => ({ url: l.url, session_id: l.sessionId, expires_at: iso(l.expiresAt) }),
  oauthTokens: (t) => ({
    access_token: t.accessToken,
    refresh_token: t.refreshToken,
    expires_at: iso(t.expiresAt),
    scope: t.scope,
    user_id: orNull(t.userId),
    email: orNull(t.email),
  }),
  authorizationRequest: (r) => ({
    url: r.url,
    redirect_uri: r.redirectUri,
    state: r.state,
    code_verifier: r.codeVerifier,
    nonce: r.nonce,
  }),
  connection: (c) => ({
    id: c.id,
    broker: {
      slug: c.broker.slug,
      name: c.broker.name,
      display_name: orNull(c.broker.displayName),
      allows_trading: orNull(c.broker.allowsTrading),
    },
    status: c.status,
    raw_status: c.rawStatus,
    permission: c.permission,
    name: orNull(c.name),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    disabled_at: iso(c.disabledAt),
  }),
  webhookEventType: (t) => ({ event_type: t.eventType, category: t.category, description: orNull(t.description) }),
  webhookSubscription: (s) => ({
    id: s.id,
    url: s.url,
    event_types: s.eventTypes,
    status: s.status,
    raw_status: s.rawStatus,
    description: orNull(s.description),
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    has_secret: s.secret != null,
  }),
  account: (a) => ({
    id: a.id,
    connection_id: orNull(a.connectionId),
    name: orNull(a.name),
    number: orNull(a.number),
    institution_name: orNull(a.institutionName),
    balance: a.balance == null ? null : { amount: a.balance.amount, currency: a.balance.currency },
    is_paper: orNull(a.isPaper),
    raw_status: orNull(a.rawStatus),
    created_at: iso(a.createdAt),
    synced: a.synced,
    sync:
      a.sync == null
        ? null
        : {
            holdings_ready: a.sync.holdingsReady,
            transactions_ready: a.sync.transactionsReady,
            holdings_synced_at: iso(a.sync.holdingsSyncedAt),
            transactions_synced_at: iso(a.sync.transactionsSyncedAt),
            first_transaction_date: orNull(a.sync.firstTransactionDate),
            raw_status: orNull(a.sync.rawStatus),
          },
  }),
  // Amounts are exact decimal strings already, dates `YYYY-MM-DD` strings.
  instrument: (i) =>
    i == null
      ? null
      : {
          symbol: i.symbol,
          name: orNull(i.name),
          kind: i.kind,
          raw_kind: i.rawKind,
          currency: orNull(i.currency),
          exchange: orNull(i.exchange),
          option:
            i.option == null
              ? null
              : {
                  underlying: i.option.underlying,
                  strike: i.option.strike,
                  expiry: i.option.expiry,
                  right: i.option.right,
                  multiplier: i.option.multiplier,
                },
        },
  position: (p) => ({
    account_id: p.accountId,
    instrument: canonical.instrument(p.instrument),
    quantity: p.quantity,
    average_cost: orNull(p.averageCost),
    price: orNull(p.price),
    market_value: orNull(p.marketValue),
    open_pnl: orNull(p.openPnl),
    currency: orNull(p.currency),
    cash_equivalent: p.cashEquivalent,
  }),
  balance: (b) => ({ currency: b.currency, cash: orNull(b.cash), buying_power: orNull(b.buyingPower) }),
  order: (o) => ({
    id: o.id,
    account_id: o.accountId,
    status: o.status,
    raw_status: o.rawStatus,
    side: o.side,
    raw_action: o.rawAction,
    instrument: canonical.instrument(o.instrument),
    order_type: orNull(o.orderType),
    time_in_force: orNull(o.timeInForce),
    quantity: orNull(o.quantity),
    filled_quantity: orNull(o.filledQuantity),
    limit_price: orNull(o.limitPrice),
    stop_price: orNull(o.stopPrice),
    execution_price: orNull(o.executionPrice),
    placed_at: iso(o.placedAt),
    updated_at: iso(o.updatedAt),
    executed_at: iso(o.executedAt),
  }),
  activity: (a) => ({
    id: a.id,
    account_id: a.accountId,
    kind: a.kind,
    raw_type: a.rawType,
    instrument: canonical.instrument(a.instrument),
    description: orNull(a.description),
    quantity: orNull(a.quantity),
    price: orNull(a.price),
    amount: orNull(a.amount),
    fee: orNull(a.fee),
    currency: orNull(a.currency),
    trade_date: orNull(a.tradeDate),
    settlement_date: orNull(a.settlementDate),
    external_reference_id: orNull(a.externalReferenceId),
  }),
  balanceHistory: (h) => ({
    currency: h.currency,
    points: h.points.map((p) => ({ date: p.date, total: p.total })),
  }),
  portalResult(r) {
    switch (r.type) {
      case 'success':
        return { type: 'success', connection_id: orNull(r.connectionId), user_id: orNull(r.userId) }
      case 'error':
        return { type: 'error', code: r.code, message: orNull(r.message), status_code: orNull(r.statusCode) }
      case 'resize':
        return { type: 'resize', height: r.height }
      default:
        return { type: r.type }
    }
  },
  /** Errors are compared by kind and structured fields, never by message text. */
  error(e) {
    if (!(e instanceof BrokerlinkError)) return { runner_error: `not a BrokerlinkError: ${e?.stack ?? e}` }
    return {
      kind: e.code,
      field: e.field,
      status: e.status,
      provider_code: e.providerCode,
      request_id: e.requestId,
      // Canonically seconds; Node's durations are milliseconds.
      retry_after: e.retryAfterMs == null ? null : e.retryAfterMs / 1000,
      attempts: e.attempts,
      reason: e.reason,
    }
  },
  webhookEvent: (e) => ({
    id: e.id,
    provider: e.provider,
    kind: e.kind,
    event_type: e.eventType,
    user_id: orNull(e.userId),
    connection_id: orNull(e.connectionId),
    account_id: orNull(e.accountId),
    broker: orNull(e.broker),
    result: orNull(e.result),
    occurred_at: iso(e.occurredAt),
    schema_version: orNull(e.schemaVersion),
    oauth_client_id: orNull(e.oauthClientId),
  }),
}

/** JSON with recursively sorted keys and no spaces, as the Rust runner writes it. */
function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value === undefined ? null : value)
}

// ---- scenario.rs resolve() ----------------------------------------------------------------

/** Replaces `"$name"` / `"$name.path.to.field"` strings with saved results. */
function resolve(args, saved) {
  if (typeof args === 'string' && args.startsWith('$')) {
    const [name = '', ...parts] = args.slice(1).split('.')
    if (!saved.has(name)) throw new Error(`nothing saved as ${JSON.stringify(name)}`)
    let value = saved.get(name)
    for (const part of parts) {
      let next
      if (Array.isArray(value)) next = /^\+?\d+$/.test(part) ? value[Number(part)] : undefined
      else if (value !== null && typeof value === 'object') next = value[part]
      if (next === undefined) throw new Error(`${args}: no field ${JSON.stringify(part)}`)
      value = next
    }
    return value
  }
  if (Array.isArray(args)) return args.map((v) => resolve(v, saved))
  if (args !== null && typeof args === 'object') {
    return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, resolve(v, saved)]))
  }
  return args
}

// ---- run.rs -------------------------------------------------------------------------------

const text = (args, key) => (typeof args?.[key] === 'string' ? args[key] : undefined)
const flag = (args, key) => (typeof args?.[key] === 'boolean' ? args[key] : undefined)
const uint = (args, key) => (Number.isInteger(args?.[key]) && args[key] >= 0 ? args[key] : undefined)
const strings = (args, key) => (Array.isArray(args?.[key]) ? args[key].filter((s) => typeof s === 'string') : [])

class RunnerError extends Error {}

function client(sandbox, provider, settings = {}) {
  const common = { baseUrl: sandbox.url }
  if (settings.timeout_ms != null) common.timeoutMs = settings.timeout_ms
  if (settings.retry != null) {
    const r = settings.retry
    common.retry = {
      maxAttempts: r.max_attempts,
      initialBackoffMs: r.initial_backoff_ms ?? undefined,
      maxBackoffMs: r.max_backoff_ms ?? undefined,
      maxRetryAfterMs: r.max_retry_after_ms ?? undefined,
    }
  }
  if (provider === 'finatic') {
    const token = settings.one_time_token
    // A token client gets no API key unless the scenario gives one.
    const apiKey = token != null ? settings.api_key : (settings.api_key ?? sandbox.apiKey)
    return Client.finatic({ apiKey, oneTimeToken: token, ...common })
  }
  if (settings.oauth || settings.oauth_tokens != null) {
    const app = Client.snaptradeOauth({ clientId: sandbox.oauthClientId, clientSecret: sandbox.oauthClientSecret, ...common })
    return settings.oauth_tokens == null ? app : app.withOauthTokens(tokensArg(settings.oauth_tokens))
  }
  if (settings.personal) {
    return Client.snaptradePersonal({
      clientId: settings.client_id ?? sandbox.personalClientId,
      consumerKey: settings.consumer_key ?? sandbox.personalConsumerKey,
      ...common,
    })
  }
  return Client.snaptrade({
    clientId: settings.client_id ?? sandbox.clientId,
    consumerKey: settings.consumer_key ?? sandbox.consumerKey,
    ...common,
  })
}

/** Tokens given back as their canonical form. */
function tokensArg(t) {
  const expires = text(t, 'expires_at')
  return {
    accessToken: text(t, 'access_token') ?? '',
    refreshToken: text(t, 'refresh_token') ?? '',
    expiresAt: expires ? new Date(expires) : new Date(),
    scope: text(t, 'scope') ?? '',
    userId: text(t, 'user_id') ?? null,
    email: text(t, 'email') ?? null,
  }
}

/** An authorization request given back as its canonical form. */
function requestArg(r) {
  return {
    url: text(r, 'url') ?? '',
    redirectUri: text(r, 'redirect_uri') ?? '',
    state: text(r, 'state') ?? '',
    codeVerifier: text(r, 'code_verifier') ?? '',
    nonce: text(r, 'nonce') ?? '',
  }
}

/** The scenario's user argument, or the `internal` error the Rust runner fails with. */
function userArg(args) {
  const user = args?.user
  if (user === undefined) {
    throw new BrokerlinkError('internal: scenario step lacks a user argument', { code: 'internal' })
  }
  // null: the client's own user (a SnapTrade Personal key).
  if (user === null) return null
  return { userId: text(user, 'user_id') ?? '', userSecret: text(user, 'user_secret') ?? null }
}

/** A session given back as its canonical form (without `expires_at`, as run.rs does). */
function sessionArg(args) {
  const s = args?.session
  if (s === undefined) throw new BrokerlinkError('internal: scenario step lacks a user argument', { code: 'internal' })
  return {
    id: text(s, 'id') ?? '',
    companyId: text(s, 'company_id') ?? '',
    status: text(s, 'status') ?? '',
    expiresAt: null,
    userId: text(s, 'user_id') ?? null,
  }
}

function portalOptions(args) {
  const o = args?.options ?? null
  const theme = o?.theme
  return {
    broker: text(o, 'broker'),
    connectionType: text(o, 'connection_type'),
    mode: text(o, 'mode'),
    locale: text(o, 'locale'),
    redirectUrl: text(o, 'redirect_url'),
    immediateRedirect: flag(o, 'immediate_redirect'),
    reconnect: text(o, 'reconnect'),
    showCloseButton: flag(o, 'show_close_button'),
    portalVersion: text(o, 'portal_version'),
    brokers: strings(o, 'brokers'),
    email: text(o, 'email'),
    theme:
      typeof theme === 'string' || (theme !== null && typeof theme === 'object' && !Array.isArray(theme))
        ? theme
        : undefined,
    brokerType: text(o, 'broker_type'),
    capabilities: strings(o, 'capabilities'),
    stages: strings(o, 'stages'),
  }
}

async function execute(sandbox, named, call, args) {
  if (call.startsWith('sandbox.')) return sandboxCall(sandbox, call.slice('sandbox.'.length), args)
  if (call === 'sleep') {
    await new Promise((done) => setTimeout(done, uint(args, 'ms') ?? 0))
    return null
  }
  if (call === 'verify_webhook') return verify(args)
  if (call === 'parse_portal_result') return canonical.portalResult(parsePortalResult(text(args, 'input') ?? ''))
  const c = named()
  const id = (key) => text(args, key) ?? ''
  switch (call) {
    case 'register_user':
      return canonical.user(await c.registerUser(id('user_id')))
    case 'delete_user':
      await c.deleteUser(userArg(args))
      return null
    case 'list_users':
      return await c.listUsers()
    case 'rotate_user_secret':
      return canonical.user(await c.rotateUserSecret(userArg(args)))
    case 'portal_url': {
      const user = userArg(args)
      return canonical.link(await c.portalUrl(user, portalOptions(args)))
    }
    case 'start_session':
      return canonical.session(await c.startSession(text(args, 'user_id')))
    case 'oauth_authorization_url':
      return canonical.authorizationRequest(await c.oauthAuthorizationUrl(text(args, 'redirect_uri') ?? '', strings(args, 'scopes')))
    case 'oauth_exchange_code':
      return canonical.oauthTokens(await c.oauthExchangeCode(requestArg(args?.request), text(args, 'callback_url') ?? ''))
    case 'oauth_revoke':
      await c.oauthRevoke(tokensArg(args?.tokens))
      return null
    case 'mint_one_time_token':
      return { one_time_token: await c.mintOneTimeToken() }
    case 'session_portal_url':
      return canonical.link(await c.sessionPortalUrl(sessionArg(args), portalOptions(args)))
    case 'session_user':
      return canonical.user(await c.sessionUser(sessionArg(args)))
    case 'connections':
      return (await c.connections(userArg(args))).map(canonical.connection)
    case 'connection':
      return canonical.connection(await c.connection(userArg(args), id('connection_id')))
    case 'remove_connection':
      await c.removeConnection(userArg(args), id('connection_id'))
      return null
    case 'refresh_connection':
      await c.refreshConnection(userArg(args), id('connection_id'))
      return null
    case 'disable_connection':
      await c.disableConnection(userArg(args), id('connection_id'))
      return null
    case 'webhook_catalog':
      return (await c.webhookCatalog()).map(canonical.webhookEventType)
    case 'webhook_subscriptions':
      return (await c.webhookSubscriptions()).map(canonical.webhookSubscription)
    case 'create_webhook_subscription':
      return canonical.webhookSubscription(
        await c.createWebhookSubscription({
          url: id('url'),
          eventTypes: strings(args, 'event_types'),
          description: text(args, 'description'),
        }),
      )
    case 'update_webhook_subscription':
      return canonical.webhookSubscription(
        await c.updateWebhookSubscription(id('subscription_id'), {
          url: text(args, 'url'),
          eventTypes: Array.isArray(args?.event_types) ? strings(args, 'event_types') : undefined,
          description: text(args, 'description'),
          enabled: typeof args?.enabled === 'boolean' ? args.enabled : undefined,
        }),
      )
    case 'revoke_webhook_subscription':
      return canonical.webhookSubscription(await c.revokeWebhookSubscription(id('subscription_id')))
    case 'accounts':
      return (await c.accounts(userArg(args))).map(canonical.account)
    case 'account':
      return canonical.account(await c.account(userArg(args), id('account_id')))
    case 'connection_accounts':
      return (await c.connectionAccounts(userArg(args), id('connection_id'))).map(canonical.account)
    case 'positions':
      return (await c.positions(userArg(args), id('account_id'))).map(canonical.position)
    case 'balances':
      return (await c.balances(userArg(args), id('account_id'))).map(canonical.balance)
    case 'orders': {
      const query = { state: text(args, 'state'), days: uint(args, 'days') }
      return (await c.orders(userArg(args), id('account_id'), query)).map(canonical.order)
    }
    case 'recent_orders': {
      const onlyExecuted = typeof args?.only_executed === 'boolean' ? args.only_executed : undefined
      return (await c.recentOrders(userArg(args), id('account_id'), onlyExecuted)).map(canonical.order)
    }
    case 'order':
      return canonical.order(await c.order(userArg(args), id('account_id'), id('order_id')))
    case 'activities':
      return (await c.activities(userArg(args), id('account_id'), activityQuery(args))).map(canonical.activity)
    case 'activity_pages': {
      const pages = []
      for await (const page of c.activityPages(userArg(args), id('account_id'), activityQuery(args))) {
        pages.push(page.map(canonical.activity))
      }
      return pages
    }
    case 'balance_history':
      return canonical.balanceHistory(await c.balanceHistory(userArg(args), id('account_id')))
    case 'wait_for_connection': {
      const user = userArg(args)
      const options = {
        timeoutMs: uint(args, 'timeout_ms') ?? 10_000,
        pollIntervalMs: uint(args, 'poll_ms') ?? 100,
        maxPollIntervalMs: uint(args, 'max_poll_ms') ?? 1_000,
        connectionId: text(args, 'connection_id'),
      }
      return canonical.connection(await c.waitForConnection(user, options))
    }
    default:
      throw new BrokerlinkError(`internal: unknown call ${JSON.stringify(call)}`, { code: 'internal' })
  }
}

/** `start`, `end` (`YYYY-MM-DD`) and `page_size`, as the client's query object. */
function activityQuery(args) {
  return { start: text(args, 'start'), end: text(args, 'end'), pageSize: uint(args, 'page_size') }
}

/** `verify_webhook {body, headers, secrets, now?, tolerance_seconds?, max_event_age_seconds?}` */
function verify(args) {
  const headers = {}
  const given = args?.headers
  if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
    for (const [name, value] of Object.entries(given)) headers[name] = typeof value === 'string' ? value : ''
  }
  const ms = (key) => (typeof args?.[key] === 'number' ? args[key] * 1000 : undefined)
  const options = {
    toleranceMs: ms('tolerance_seconds'),
    maxEventAgeMs: ms('max_event_age_seconds'),
    now: Number.isInteger(args?.now) ? new Date(args.now * 1000) : undefined,
  }
  return canonical.webhookEvent(verifyWebhook(text(args, 'body') ?? '', headers, strings(args, 'secrets'), options))
}

/** The admin API over HTTP, as every language's runner reaches it. */
async function admin(sandbox, method, path, body) {
  try {
    const init = { method }
    if (body !== undefined) {
      init.body = JSON.stringify(body)
      init.headers = { 'content-type': 'application/json' }
    }
    const response = await fetch(`${sandbox.url}${path}`, init)
    return await response.json()
  } catch (e) {
    throw new RunnerError(e.message)
  }
}

async function sandboxCall(sandbox, call, args) {
  const runnerError = (e) => new RunnerError(e instanceof Error ? e.message : String(e))
  switch (call) {
    case 'add_webhook': {
      // `sink` names the sandbox's own receiver; `fail_first` makes it refuse deliveries.
      const sink = text(args, 'sink') ?? ''
      const failFirst = uint(args, 'fail_first') ?? 0
      const body = { url: `${sandbox.url}/_sandbox/sink/${sink}?fail_first=${failFirst}` }
      for (const key of ['provider', 'event_types']) {
        if (args !== null && typeof args === 'object' && key in args) body[key] = args[key]
      }
      return admin(sandbox, 'POST', '/_sandbox/webhooks', body)
    }
    case 'sink': {
      const name = text(args, 'name') ?? ''
      const count = uint(args, 'count') ?? 1
      const timeout = uint(args, 'timeout_ms') ?? 5000
      return admin(sandbox, 'GET', `/_sandbox/sink/${name}?count=${count}&timeout_ms=${timeout}`)
    }
    case 'oauth_authorize': {
      const allow = (text(args, 'decision') ?? 'allow') === 'allow'
      const url = text(args, 'url') ?? ''
      return { redirect_url: sandbox.authorizeOauth(url, text(args, 'username') ?? '', text(args, 'password') ?? '', allow) }
    }
    case 'complete_portal': {
      const request = {
        url: args?.url,
        username: args?.username,
        password: args?.password,
        mfaCode: args?.mfa_code ?? undefined,
        broker: args?.broker ?? undefined,
        connectionType: args?.connection_type ?? undefined,
      }
      try {
        return canonical.portalResult(sandbox.completePortal(request))
      } catch (e) {
        throw runnerError(e)
      }
    }
    case 'connection':
      try {
        return sandbox.changeConnection(text(args, 'id') ?? '', text(args, 'action') ?? '')
      } catch (e) {
        throw runnerError(e)
      }
    case 'fault':
      try {
        sandbox.injectFault(args?.fault, {
          method: args?.method ?? undefined,
          pathPrefix: args?.path_prefix ?? undefined,
          path: args?.path ?? undefined,
          count: args?.count ?? undefined,
        })
      } catch (e) {
        throw runnerError(e)
      }
      return null
    case 'clear_faults':
      sandbox.clearFaults()
      return null
    case 'faults':
      return { armed: sandbox.armedFaults() }
    case 'load_portfolio':
      try {
        return sandbox.loadPortfolio(text(args, 'user_id') ?? '', args?.portfolio ?? {}, text(args, 'account_id'))
      } catch (e) {
        throw new RunnerError(e.message)
      }
    case 'state': {
      const s = sandbox.state()
      return {
        users: s.users,
        sessions: s.sessions,
        connections: s.connections,
        accounts: s.accounts,
        faults: s.faults,
        requests_served: s.requestsServed,
        requests_throttled: s.requestsThrottled,
      }
    }
    default:
      throw new RunnerError(`unknown sandbox call ${JSON.stringify(call)}`)
  }
}

/** Runs every step; failures are recorded, never raised, so the checker sees them all. */
async function run(scenario) {
  const s = scenario.sandbox ?? {}
  let sandbox
  try {
    sandbox = await Sandbox.start({
      rateLimitPerMinute: s.rate_limit_per_minute ?? undefined,
      accountRateLimitPerMinute: s.account_rate_limit_per_minute ?? undefined,
      pendingActivationMs: s.pending_seconds == null ? undefined : s.pending_seconds * 1000,
      expiringAfterMs: s.expiring_seconds == null ? undefined : s.expiring_seconds * 1000,
      portalLinkLifetimeMs: s.portal_link_seconds == null ? undefined : s.portal_link_seconds * 1000,
      webhookRetryDelaysMs: s.webhook_retry_ms ?? undefined,
    })
  } catch (e) {
    return [{ runner_error: `sandbox did not start: ${e.message}` }]
  }
  const lines = [{ sandbox: sandbox.url }]
  const saved = new Map()
  const provider = scenario.provider ?? 'snaptrade'
  // One client per name for the whole scenario, as an app keeps one: what a client learns
  // (its rate-limit buckets) carries from step to step.
  const built = new Map()
  const named = (name) => () => {
    // Settings may name a saved value (a one-time token minted by an earlier step).
    if (!built.has(name)) built.set(name, client(sandbox, provider, resolve((scenario.clients ?? {})[name], saved)))
    return built.get(name)
  }
  for (const [index, step] of scenario.steps.entries()) {
    const line = { step: index, call: step.call }
    try {
      const args = resolve(step.args ?? null, saved)
      const value = await execute(sandbox, named(step.client ?? 'default'), step.call, args)
      if (step.save) saved.set(step.save, value)
      line.ok = value
    } catch (e) {
      line.error = e instanceof BrokerlinkError ? canonical.error(e) : { runner_error: e?.message ?? String(e) }
    }
    lines.push(line)
  }
  await sandbox.close()
  return lines
}

async function main() {
  const argv = process.argv.slice(2)
  const option = (name, fallback) => {
    const i = argv.indexOf(name)
    if (i < 0) return fallback
    const value = argv[i + 1]
    argv.splice(i, 2)
    return value
  }
  const out = resolvePath(option('--out', join(root, 'target/conformance/node')))
  const scenariosDir = resolvePath(option('--scenarios', join(root, 'tests/conformance/scenarios')))
  const only = new Set(argv)
  const files = (await readdir(scenariosDir)).filter((f) => f.endsWith('.json')).sort()
  const scenarios = []
  for (const file of files) {
    const scenario = JSON.parse(await readFile(join(scenariosDir, file), 'utf8'))
    if (only.size === 0 || only.has(scenario.name)) scenarios.push(scenario)
  }
  await mkdir(out, { recursive: true })
  // All at once, as the Rust runner does: each has its own sandbox.
  await Promise.all(
    scenarios.map(async (scenario) => {
      const lines = await run(scenario)
      await writeFile(join(out, `${scenario.name}.jsonl`), lines.map(canonicalJson).join('\n') + '\n')
    }),
  )
  console.log(`ran ${scenarios.length} scenarios into ${out}`)
}

await main()
