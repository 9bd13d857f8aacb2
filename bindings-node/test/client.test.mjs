// The Client against an in-process Sandbox: every call, both providers.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { inspect } from 'node:util'
import { BrokerlinkError, Client, Sandbox, parsePortalResult } from 'brokerlink'

let sandbox
let client
before(async () => {
  sandbox = await Sandbox.start({ pendingActivationMs: 300, rateLimitPerMinute: 0 })
  client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
})
after(() => sandbox.close())

const connect = async (user, username = 'user_good', options = {}) => {
  const link = await client.portalUrl(user, options)
  return sandbox.completePortal({ url: link.url, username, password: 'pass_good', mfaCode: '123456' })
}

describe('SnapTrade', () => {
  test('register, list, rotate and delete users', async () => {
    assert.equal(client.provider, 'snaptrade')
    assert.equal(client.baseUrl, sandbox.url)
    const user = await client.registerUser('node-user-1')
    assert.equal(user.userId, 'node-user-1')
    assert.equal(typeof user.userSecret, 'string')
    assert.ok((await client.listUsers()).includes('node-user-1'))
    const rotated = await client.rotateUserSecret(user)
    assert.notEqual(rotated.userSecret, user.userSecret)
    await assert.rejects(client.connections(user), (e) => e instanceof BrokerlinkError && e.code === 'unauthorized')
    // A user stored as JSON and loaded again works as is.
    const stored = JSON.parse(JSON.stringify(rotated))
    assert.deepEqual(await client.connections(stored), [])
    await client.deleteUser(stored)
    assert.ok(!(await client.listUsers()).includes('node-user-1'))
  })

  test('portal link, completion, connections and accounts with Dates', async () => {
    const user = await client.registerUser('node-user-2')
    const link = await client.portalUrl(user, { connectionType: 'trade-if-available', mode: 'dark', locale: 'pt-BR' })
    assert.match(link.url, /^http:\/\/127\.0\.0\.1:\d+\/snapTrade\/redeemToken\?token=/)
    assert.ok(link.expiresAt instanceof Date && link.expiresAt > new Date())
    const result = sandbox.completePortal({ url: link.url, username: 'user_good', password: 'pass_good' })
    assert.equal(result.type, 'success')
    assert.ok(result.type === 'success' && result.connectionId)
    const connectionId = result.connectionId
    const connection = await client.waitForConnection(user, { timeoutMs: 5000, pollIntervalMs: 50 })
    assert.equal(connection.id, connectionId)
    assert.equal(connection.status, 'active')
    assert.ok(connection.createdAt instanceof Date)
    assert.equal(connection.disabledAt, null)
    assert.deepEqual((await client.connection(user, connectionId)).broker.slug, connection.broker.slug)
    const [account] = await client.accounts(user)
    assert.equal(account.connectionId, connectionId)
    assert.equal(account.balance?.amount, '15363.23')
    assert.equal((await client.account(user, account.id)).id, account.id)
    assert.equal((await client.connectionAccounts(user, connectionId)).length, 2)
    await client.refreshConnection(user, connectionId)
    await client.disableConnection(user, connectionId)
    assert.equal((await client.connection(user, connectionId)).status, 'disabled')
    await client.removeConnection(user, connectionId)
    await assert.rejects(client.connection(user, connectionId), { code: 'not_found', status: 404 })
  })

  test('waitForConnection waits out a pending connection and honours since', async () => {
    const user = await client.registerUser('node-user-3')
    const since = new Date()
    const result = await connect(user, 'user_pending')
    const started = Date.now()
    const connection = await client.waitForConnection(user, { timeoutMs: 5000, pollIntervalMs: 50, maxPollIntervalMs: 100, since })
    assert.equal(connection.id, result.type === 'success' ? result.connectionId : '')
    assert.ok(Date.now() - started >= 100, 'it waited for the activation')
    const waited = client.waitForConnection(user, { timeoutMs: 200, pollIntervalMs: 50, since: new Date() })
    await assert.rejects(waited, { code: 'timeout' })
  })

  test('errors carry kind, status, provider code and request id', async () => {
    await client.registerUser('node-dup')
    const error = await client.registerUser('node-dup').catch((e) => e)
    assert.ok(error instanceof BrokerlinkError)
    assert.equal(error.code, 'conflict')
    assert.equal(error.status, 400)
    assert.equal(error.providerCode, '1010')
    assert.match(error.requestId, /^[0-9a-f-]{36}$/)
    assert.equal(error.attempts, 1)
    const wrong = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: 'not-the-key', baseUrl: sandbox.url })
    await assert.rejects(wrong.listUsers(), { code: 'unauthorized', status: 401, providerCode: '1076' })
  })

  test('bad input fails as invalid_input naming the field, before any request', async () => {
    const user = { userId: 'u', userSecret: 's' }
    const cases = [
      [client.registerUser(''), 'user_id'],
      [client.portalUrl(user, { connectionType: /** @type {any} */ ('write') }), 'connection_type'],
      [client.portalUrl(user, { mode: /** @type {any} */ ('sepia') }), 'mode'],
      [client.portalUrl(user, { redirectUrl: 'ftp://x' }), 'redirect_url'],
      [client.portalUrl(user, { theme: /** @type {any} */ (42) }), 'theme'],
      [client.connection(user, 'not-a-uuid'), 'connection_id'],
    ]
    for (const [promise, field] of cases) {
      await assert.rejects(promise, (e) => e instanceof BrokerlinkError && e.code === 'invalid_input' && e.field === field && e.attempts === 0)
    }
    assert.throws(() => Client.snaptrade({ clientId: 'x', consumerKey: 'y', baseUrl: 'not a url' }), { code: 'invalid_input' })
    assert.throws(() => Client.finatic({ apiKey: 'k', environment: /** @type {any} */ ('staging') }), { code: 'invalid_input', field: 'environment' })
  })

  test('wrong JavaScript types reject as invalid_input instead of throwing synchronously', async () => {
    const promise = client.registerUser(/** @type {any} */ (undefined))
    assert.ok(promise instanceof Promise)
    await assert.rejects(promise, (e) => e instanceof BrokerlinkError && e.code === 'invalid_input' && e.cause instanceof Error)
    await assert.rejects(client.connections(/** @type {any} */ ({})), { code: 'invalid_input' })
    assert.throws(() => Client.snaptrade(/** @type {any} */ ({ clientId: 'x' })), { code: 'invalid_input' })
  })

  test('retry and timeout options reach the core', async () => {
    const fast = Client.snaptrade({
      clientId: sandbox.clientId,
      consumerKey: sandbox.consumerKey,
      baseUrl: sandbox.url,
      timeoutMs: 200,
      retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 5 },
      userAgent: 'brokerlink-node-test',
    })
    sandbox.injectFault({ delay_ms: 1000 }, { method: 'GET', pathPrefix: '/snapTrade/listUsers', count: 2 })
    await assert.rejects(fast.listUsers(), { code: 'timeout', attempts: 2 })
    sandbox.clearFaults()
    sandbox.injectFault({ status: 503 }, { pathPrefix: '/snapTrade/listUsers' })
    assert.ok(Array.isArray(await fast.listUsers()), 'one 503 is retried')
  })
})

test('a SnapTrade Personal API key acts as its own user', async () => {
  const client = Client.snaptradePersonal({
    clientId: sandbox.personalClientId,
    consumerKey: sandbox.personalConsumerKey,
    baseUrl: sandbox.url,
  })
  assert.deepEqual(await client.connections(), [])
  await assert.rejects(client.registerUser('someone'), { code: 'invalid_input', field: 'register_user' })
  await assert.rejects(client.accounts({ userId: 'someone', userSecret: 's' }), { code: 'invalid_input', field: 'user' })
  const link = await client.portalUrl(null, { connectionType: 'read' })
  assert.equal(sandbox.completePortal({ url: link.url, username: 'user_good', password: 'pass_good' }).type, 'success')
  const connection = await client.waitForConnection(null, { timeoutMs: 10_000, pollIntervalMs: 50 })
  assert.equal(connection.status, 'active')
  const accounts = await client.accounts(null)
  assert.equal(accounts.length, 2)
  assert.ok((await client.positions(null, accounts[0].id)).length > 0)
  const partner = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
  await assert.rejects(partner.accounts(null), { code: 'invalid_input', field: 'user' })
})

describe('Finatic', () => {
  test('session, portal, user and connections', async () => {
    const finatic = Client.finatic({ apiKey: sandbox.apiKey, baseUrl: sandbox.url, environment: 'sandbox' })
    assert.equal(finatic.provider, 'finatic')
    assert.equal(Client.finatic({ apiKey: 'fntc_sandbox_x' }).baseUrl, 'https://api.finatic.dev')
    const session = await finatic.startSession()
    assert.equal(session.status, 'pending')
    assert.equal(session.userId, null)
    const link = await finatic.sessionPortalUrl(session, { brokers: ['alpaca'], theme: { primary: '#123456' } })
    const result = sandbox.completePortal({ url: link.url, username: 'user_good', password: 'pass_good' })
    assert.equal(result.type, 'success')
    const user = await finatic.sessionUser(session)
    assert.equal(user.userSecret, null)
    const [connection] = await finatic.connections(user)
    assert.equal(connection.status, 'active')
    assert.equal(connection.broker.slug, 'alpaca')
    // A saved Finatic user, as plain JSON, starts a new session.
    const again = await finatic.startSession(JSON.parse(JSON.stringify(user)).userId)
    assert.equal(again.userId, user.userId)
    await assert.rejects(finatic.registerUser('x'), { code: 'invalid_input' })
  })

  test('a front end built from a one-time token never holds the API key', async () => {
    const server = Client.finatic({ apiKey: sandbox.apiKey, baseUrl: sandbox.url })
    const oneTimeToken = await server.mintOneTimeToken()
    assert.equal(typeof oneTimeToken, 'string')
    const front = Client.finatic({ oneTimeToken, baseUrl: sandbox.url })
    await assert.rejects(front.mintOneTimeToken(), { code: 'invalid_input', field: 'mint_one_time_token' })
    await assert.rejects(front.webhookSubscriptions(), { code: 'invalid_input', field: 'webhook_subscriptions' })
    const session = await front.startSession()
    await assert.rejects(front.startSession(), { code: 'invalid_input', field: 'one_time_token' })
    const link = await front.sessionPortalUrl(session)
    assert.equal(sandbox.completePortal({ url: link.url, username: 'user_good', password: 'pass_good' }).type, 'success')
    const user = await front.sessionUser(session)
    assert.deepEqual((await front.connections(user)).map((c) => c.status), ['active', 'active'])
    assert.ok((await front.accounts(user)).length > 0)
    await assert.rejects(front.accounts({ userId: 'someone-else' }), { code: 'invalid_input', field: 'user' })
    assert.throws(() => Client.finatic({ apiKey: sandbox.apiKey, oneTimeToken }), { code: 'invalid_input', field: 'one_time_token' })
    assert.throws(() => Client.finatic({}), { code: 'invalid_input', field: 'api_key' })
  })
})

test('parsePortalResult returns the discriminated union', () => {
  assert.deepEqual(parsePortalResult('https://app.example/cb?status=SUCCESS&connection_id=abc'), {
    type: 'success',
    connectionId: 'abc',
    userId: null,
  })
  assert.deepEqual(parsePortalResult('{"status":"ERROR","errorCode":"1006","statusCode":"400","detail":"expired"}'), {
    type: 'error',
    code: '1006',
    message: 'expired',
    statusCode: 400,
  })
  assert.deepEqual(parsePortalResult('CLOSED'), { type: 'closed' })
  assert.deepEqual(parsePortalResult('status=ABANDONED'), { type: 'abandoned' })
  assert.deepEqual(parsePortalResult('{"type":"portal-resize","height":640}'), { type: 'resize', height: 640 })
  assert.throws(() => parsePortalResult('hello'), (e) => e instanceof BrokerlinkError && e.code === 'invalid_input' && e.field === 'input')
})

test('a SnapTrade OAuth app authorizes a user and refreshes once for a refused token', async () => {
  const app = Client.snaptradeOauth({
    clientId: sandbox.oauthClientId,
    clientSecret: sandbox.oauthClientSecret,
    baseUrl: sandbox.url,
  })
  const request = await app.oauthAuthorizationUrl('http://127.0.0.1:9/callback', ['read', 'openid', 'email'])
  assert.ok(!inspect(request).includes(request.codeVerifier))
  const callback = sandbox.authorizeOauth(request.url, 'user_good', 'pass_good')
  assert.throws(() => sandbox.authorizeOauth(request.url, 'user_good', 'wrong'), { code: 'invalid_input' })
  // Kept in the user's session as plain JSON, and handed back.
  const tokens = await app.oauthExchangeCode(JSON.parse(JSON.stringify(request)), callback)
  assert.equal(tokens.email, 'user_good@personal.sandbox.test')
  assert.ok(!inspect(tokens).includes(tokens.accessToken))

  const heard = []
  const user = app.withOauthTokens({ ...tokens, accessToken: 'at_unknown' }, (fresh) => heard.push(fresh))
  assert.deepEqual(await user.accounts(), [])
  for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(heard.length, 1)
  assert.notEqual(heard[0].refreshToken, tokens.refreshToken)
  assert.equal(user.oauthTokens.refreshToken, heard[0].refreshToken)
  await assert.rejects(user.registerUser('x'), { code: 'invalid_input' })
  await app.oauthRevoke(user.oauthTokens)
  await assert.rejects(user.accounts(), { code: 'unauthorized', providerCode: 'invalid_grant' })
})
