// BrokerlinkError from ESM and CommonJS, secrets kept out of messages and util.inspect, and
// panics arriving as `internal` errors.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { inspect } from 'node:util'
import { after, before, test } from 'node:test'
import * as esm from 'brokerlink'
import esmDefault from 'brokerlink'

// A forced panic prints its message (and, with RUST_BACKTRACE=1, a slow backtrace) to stderr.
process.env.RUST_BACKTRACE = '0'
const require = createRequire(import.meta.url)
const cjs = require('brokerlink')
const { BrokerlinkError, Client, Sandbox } = esm

let sandbox
before(async () => {
  sandbox = await Sandbox.start()
})
after(() => sandbox.close())

test('one BrokerlinkError class for import and require', async () => {
  assert.equal(cjs.BrokerlinkError, esm.BrokerlinkError)
  assert.equal(cjs.Client, esm.Client)
  assert.equal(esmDefault, cjs)
  const client = cjs.Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
  const error = await client.registerUser('').catch((e) => e)
  assert.ok(error instanceof esm.BrokerlinkError)
  assert.ok(error instanceof cjs.BrokerlinkError)
  assert.ok(error instanceof Error)
  assert.equal(error.name, 'BrokerlinkError')
  assert.equal(error.code, 'invalid_input')
  assert.deepEqual(
    { field: error.field, status: error.status, requestId: error.requestId, retryAfterMs: error.retryAfterMs },
    { field: 'user_id', status: null, requestId: null, retryAfterMs: null },
  )
  assert.deepEqual({ attempts: error.attempts, providerCode: error.providerCode, providerCategory: error.providerCategory }, {
    attempts: 0,
    providerCode: null,
    providerCategory: null,
  })
})

test('BrokerlinkError can be constructed by users (e.g. in their own mocks)', () => {
  const error = new BrokerlinkError('rate_limited: slow down', { code: 'rate_limited', status: 429, retryAfterMs: 2000, attempts: 3 })
  assert.equal(error.code, 'rate_limited')
  assert.equal(error.retryAfterMs, 2000)
  assert.equal(error.field, null)
  assert.equal(new BrokerlinkError('x').code, 'internal')
})

test('rate_limited carries retryAfterMs in milliseconds', async () => {
  const limited = await Sandbox.start({ rateLimitPerMinute: 1 })
  try {
    const client = Client.snaptrade({
      clientId: limited.clientId,
      consumerKey: limited.consumerKey,
      baseUrl: limited.url,
      retry: { maxAttempts: 1 },
    })
    await client.listUsers()
    // The first answer said the bucket is empty for most of a minute, longer than the client
    // waits (10 s): the second call fails at once, without a request.
    const error = await client.listUsers().catch((e) => e)
    assert.equal(error.code, 'rate_limited')
    assert.equal(error.status, null)
    assert.equal(error.attempts, 0)
    assert.ok(error.retryAfterMs > 10_000 && error.retryAfterMs <= 60_000, String(error.retryAfterMs))
    // The same wait from the server's own 429, with the client knowing nothing yet.
    const fresh = Client.snaptrade({ clientId: limited.clientId, consumerKey: limited.consumerKey, baseUrl: limited.url, retry: { maxAttempts: 1 } })
    const refused = await fresh.listUsers().catch((e) => e)
    assert.equal(refused.status, 429)
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 60_000 && refused.retryAfterMs % 1000 === 0, String(refused.retryAfterMs))
  } finally {
    await limited.close()
  }
})

test('user secrets and link tokens never show in util.inspect; JSON keeps the secret', async () => {
  const client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
  const user = await client.registerUser('inspect-user')
  const secret = user.userSecret
  assert.ok(secret && secret.length > 8)
  for (const shown of [inspect(user), inspect({ nested: [user] }, { depth: 5 }), inspect(user, { showHidden: true })]) {
    assert.ok(!shown.includes(secret), shown)
    assert.ok(shown.includes('***'), shown)
  }
  assert.ok(JSON.stringify(user).includes(secret))
  assert.deepEqual(Object.keys(user), ['userId', 'userSecret'])

  const link = await client.portalUrl(user)
  const token = new URL(link.url).searchParams.get('token')
  assert.ok(token)
  const shown = inspect(link)
  assert.ok(!shown.includes(token), shown)
  assert.ok(shown.includes('token=***'), shown)
  assert.ok(link.url.includes(token), 'the url itself is intact')

  const rotated = await client.rotateUserSecret(user)
  assert.ok(!inspect(rotated).includes(rotated.userSecret))
})

test('Finatic session ids never show in util.inspect or errors', async () => {
  const client = Client.finatic({ apiKey: sandbox.apiKey, baseUrl: sandbox.url })
  const session = await client.startSession()
  const link = await client.sessionPortalUrl(session)
  assert.ok(session.id && link.sessionId === session.id)
  for (const shown of [inspect(session), inspect({ nested: [session, link] }, { depth: 5 }), inspect(link)]) {
    assert.ok(!shown.includes(session.id), shown)
    assert.ok(shown.includes('***'), shown)
  }
  assert.ok(JSON.stringify(session).includes(session.id), 'the value itself stays readable')
  const error = await client.sessionUser(session).catch((e) => e)
  assert.equal(error.code, 'not_found')
  assert.ok(!inspect(error).includes(session.id) && !error.message.includes(session.id))
})

test('no secret in error messages or in the client', async () => {
  const consumerKey = 'super-secret-consumer-key-0123456789'
  const wrong = Client.snaptrade({ clientId: sandbox.clientId, consumerKey, baseUrl: sandbox.url })
  const error = await wrong.listUsers().catch((e) => e)
  assert.equal(error.code, 'unauthorized')
  assert.ok(!inspect(error).includes(consumerKey))
  assert.ok(!inspect(wrong, { showHidden: true }).includes(consumerKey))

  // The request URL carries the user secret; transport errors must not repeat it.
  const userSecret = 'user-secret-that-must-not-leak'
  const closed = await Sandbox.start()
  const url = closed.url
  await closed.close()
  const offline = Client.snaptrade({ clientId: 'c', consumerKey, baseUrl: url, retry: { maxAttempts: 1 } })
  const network = await offline.connections({ userId: 'u', userSecret }).catch((e) => e)
  assert.equal(network.code, 'network')
  for (const text of [network.message, inspect(network), String(network.stack)]) {
    assert.ok(!text.includes(userSecret) && !text.includes(consumerKey), text)
  }
})

test('a panic reaches JavaScript as an internal BrokerlinkError, sync and async', async (t) => {
  if (typeof cjs.__panicSync !== 'function') {
    t.skip('release build without test hooks')
    return
  }
  assert.throws(() => cjs.__panicSync(), (e) => e instanceof BrokerlinkError && e.code === 'internal' && /panicked/.test(e.message))
  await assert.rejects(cjs.__panicAsync(), (e) => e instanceof BrokerlinkError && e.code === 'internal')
  // The addon keeps working afterwards.
  const client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
  assert.ok(Array.isArray(await client.listUsers()))
})

test('durations and counts that do not fit are invalid_input naming the field, never wrapped', async () => {
  const client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
  const user = { userId: 'nobody', userSecret: 'not-a-secret' }
  const field = async (call) => {
    try {
      await call()
    } catch (e) {
      assert.equal(e.code, 'invalid_input', e.message)
      return e.field
    }
    return 'no error'
  }
  assert.equal(await field(() => Sandbox.start({ pendingActivationMs: 1e21 })), 'pending_activation_ms')
  assert.equal(await field(() => sandbox.injectFault({ status: 503 }, { count: 2 ** 40 })), 'count')
  assert.equal(await field(() => sandbox.injectFault({ status: 503 }, { count: -1 })), 'count')
  assert.equal(await field(() => client.waitForConnection(user, { timeoutMs: 1e30 })), 'timeout_ms')
  assert.equal(await field(() => client.waitForConnection(user, { timeoutMs: -1 })), 'timeout_ms')
  assert.equal(await field(() => Client.snaptrade({ clientId: 'c', consumerKey: 'k', timeoutMs: 2 ** 53 * 1e9 })), 'timeout_ms')
  assert.equal(await field(() => sandbox.rotateWebhookSecret('we_x', 1e300)), 'grace_ms')
  assert.equal(sandbox.armedFaults(), 0)
})
