// verifyWebhook / signWebhook, and the sandbox delivering signed webhooks to a local server.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { test } from 'node:test'
import { inspect } from 'node:util'
import { BrokerlinkError, Client, Sandbox, signWebhook, verifyWebhook } from 'brokerlink'

const body = JSON.stringify({
  eventType: 'CONNECTION_ADDED',
  eventTimestamp: '2026-01-02T03:04:05Z',
  webhookId: 'evt-1',
  userId: 'josé',
  brokerageAuthorizationId: '0f6662a7-62e4-45e0-a557-573ffe5d4b00',
  brokerageId: 'ALPACA',
  clientId: 'X',
})

test('signWebhook output verifies, for every signer', () => {
  const now = Math.floor(Date.now() / 1000)
  const signers = [
    [{ type: 'snaptrade', consumerKey: 'ck' }, 'ck'],
    [{ type: 'standard', secret: 'whsec_c2VjcmV0LWJ5dGVz', id: 'msg_1', timestamp: now }, 'whsec_c2VjcmV0LWJ5dGVz'],
  ]
  for (const [signer, secret] of signers) {
    const headers = signWebhook(body, signer)
    const event = verifyWebhook(Buffer.from(body), headers, ['other', secret])
    assert.equal(event.kind, 'connection_added')
    assert.equal(event.provider, 'snaptrade')
    assert.equal(event.eventType, 'CONNECTION_ADDED')
    assert.equal(event.userId, 'josé')
    assert.ok(event.occurredAt instanceof Date)
    assert.equal(event.raw.brokerageId, 'ALPACA')
  }
  const finatic = JSON.stringify({ id: 'evt_2', type: 'account.grant.created', data: { user_id: 'u', connection_id: 'c' } })
  const headers = signWebhook(finatic, { type: 'finatic', secret: 'fin-secret' })
  assert.equal(verifyWebhook(finatic, headers, ['fin-secret']).kind, 'connection_added')
})

test('the deprecated webhookSecret never prints; oauth_v1 fields show; empty secrets are refused', () => {
  const oauth = JSON.stringify({
    webookId: 'w-9',
    schemaVersion: 'oauth_v1',
    oauthClientId: 'app-7',
    eventType: 'CONNECTION_ADDED',
    connectionId: 'c1',
    webhookSecret: 'legacy-webhook-secret',
  })
  const event = verifyWebhook(oauth, signWebhook(oauth, { type: 'snaptrade', consumerKey: 'ck' }), ['ck'])
  assert.deepEqual([event.id, event.schemaVersion, event.oauthClientId], ['w-9', 'oauth_v1', 'app-7'])
  assert.equal(event.raw.webhookSecret, '***')
  for (const printed of [inspect(event, { depth: 10 }), JSON.stringify(event)]) {
    assert.ok(!printed.includes('legacy-webhook-secret'), printed)
  }
  const headers = signWebhook(body, { type: 'snaptrade', consumerKey: 'ck' })
  for (const empty of ['', 'whsec_']) {
    assert.throws(() => verifyWebhook(body, headers, [empty]), (e) => e.code === 'invalid_input' && e.field === 'secrets')
  }
})

test('failures are webhook_invalid with a reason', () => {
  const headers = signWebhook(body, { type: 'snaptrade', consumerKey: 'ck' })
  const reason = (fn) => {
    try {
      fn()
    } catch (e) {
      assert.ok(e instanceof BrokerlinkError)
      return `${e.code}/${e.reason}`
    }
    return 'no error'
  }
  assert.equal(reason(() => verifyWebhook(body, headers, ['wrong'])), 'webhook_invalid/no_matching_signature')
  assert.equal(reason(() => verifyWebhook(body, {}, ['ck'])), 'webhook_invalid/missing_header')
  assert.equal(reason(() => verifyWebhook(body, headers, [])), 'invalid_input/null')
  const old = signWebhook(body, { type: 'standard', secret: 'whsec_c2VjcmV0', id: 'm', timestamp: 1_000_000 })
  assert.equal(reason(() => verifyWebhook(body, old, ['whsec_c2VjcmV0'])), 'webhook_invalid/timestamp_out_of_tolerance')
  // An injected clock makes the old delivery valid again.
  const event = verifyWebhook(body, old, ['whsec_c2VjcmV0'], { now: new Date(1_000_000 * 1000), toleranceMs: 60_000 })
  assert.equal(event.id, 'evt-1')
  assert.equal(reason(() => verifyWebhook(body, headers, ['ck'], { maxEventAgeMs: 60_000 })), 'webhook_invalid/timestamp_out_of_tolerance')
})

test('the sandbox delivers signed webhooks that verify from req.headers and the raw body', async () => {
  const received = []
  let refuse = 1
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks), headers: req.headers })
      res.statusCode = refuse-- > 0 ? 500 : 204
      res.end()
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const sandbox = await Sandbox.start({ webhookRetryDelaysMs: [50, 50] })
  try {
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
    const endpoint = sandbox.addWebhook({ url: `http://127.0.0.1:${port}/hooks`, provider: 'snaptrade', eventTypes: ['CONNECTION_ADDED'] })
    assert.match(endpoint.secret, /^whsec_/)
    const client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
    const user = await client.registerUser('hooked')
    const link = await client.portalUrl(user)
    const done = sandbox.completePortal({ url: link.url, username: 'user_good', password: 'pass_good' })
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50))
    assert.equal(received.length, 2, 'one refused attempt and its retry')
    const events = received.map(({ body, headers }) => verifyWebhook(body, headers, [endpoint.secret]))
    assert.equal(events[0].id, events[1].id, 'a retry keeps the event id')
    assert.equal(events[0].connectionId, done.type === 'success' ? done.connectionId : '')
    // SnapTrade's own signature, keyed by the consumer key, is there too.
    assert.equal(verifyWebhook(received[1].body, received[1].headers, [sandbox.consumerKey]).id, events[0].id)

    let deliveries = sandbox.webhookDeliveries()
    for (let i = 0; i < 100 && deliveries[0]?.status !== 'delivered'; i++) {
      await new Promise((r) => setTimeout(r, 20))
      deliveries = sandbox.webhookDeliveries()
    }
    assert.equal(deliveries.length, 1)
    assert.equal(deliveries[0].status, 'delivered')
    assert.equal(deliveries[0].attempts, 2)
    const replayed = sandbox.replayDelivery(deliveries[0].id)
    assert.equal(typeof replayed, 'string')
    const rotated = sandbox.rotateWebhookSecret(endpoint.id, 60_000)
    assert.notEqual(rotated, endpoint.secret)
    assert.throws(() => sandbox.replayDelivery('nope'), { code: 'not_found' })
    assert.equal(sandbox.removeWebhook(endpoint.id), true)
    assert.equal(sandbox.removeWebhook(endpoint.id), false)
    assert.throws(() => sandbox.addWebhook({ url: 'http://example.com/hooks' }), { code: 'invalid_input' })
  } finally {
    await sandbox.close()
    server.close()
  }
})
