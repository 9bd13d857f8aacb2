// Finatic webhook subscriptions through the client: catalogue, create (with its one-time
// secret, hidden from util.inspect), list, pause, revoke; bad input refused before a request.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { inspect } from 'node:util'
import { BrokerlinkError, Client, Sandbox } from 'brokerlink'

let sandbox
let client
before(async () => {
  sandbox = await Sandbox.start({ rateLimitPerMinute: 0 })
  client = Client.finatic({ apiKey: sandbox.apiKey, baseUrl: sandbox.url })
})
after(() => sandbox.close())

test('subscriptions are created, listed, paused and revoked', async () => {
  const catalog = await client.webhookCatalog()
  assert.equal(catalog.find((t) => t.eventType === 'account.grant.revoked')?.category, 'account')
  const created = await client.createWebhookSubscription({
    url: 'http://127.0.0.1:9/hook',
    eventTypes: ['account.grant.created'],
    description: 'node',
  })
  assert.equal(created.status, 'active')
  assert.equal(typeof created.secret, 'string')
  assert.ok(!inspect(created).includes(created.secret), inspect(created))
  assert.ok(inspect(created).includes("secret: '***'"), inspect(created))
  const listed = (await client.webhookSubscriptions()).find((s) => s.id === created.id)
  assert.deepEqual(listed?.eventTypes, ['account.grant.created'])
  assert.equal(listed?.secret, null)

  const paused = await client.updateWebhookSubscription(created.id, { enabled: false, description: 'paused' })
  assert.equal(paused.status, 'disabled')
  assert.equal(paused.description, 'paused')
  assert.equal((await client.revokeWebhookSubscription(created.id)).status, 'revoked')
  await assert.rejects(client.revokeWebhookSubscription('no-such-subscription'), { code: 'not_found' })
})

test('bad subscriptions fail before a request; SnapTrade refuses by name', async () => {
  const served = sandbox.state().requestsServed
  await assert.rejects(
    client.createWebhookSubscription({ url: 'not a url', eventTypes: ['order.filled'] }),
    (e) => e instanceof BrokerlinkError && e.code === 'invalid_input' && e.field === 'url',
  )
  await assert.rejects(client.createWebhookSubscription({ url: 'https://app.example/h', eventTypes: [] }), {
    code: 'invalid_input',
    field: 'event_types',
  })
  assert.equal(sandbox.state().requestsServed, served)
  const snaptrade = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
  await assert.rejects(snaptrade.webhookCatalog(), { code: 'invalid_input', field: 'webhook_catalog' })
})
