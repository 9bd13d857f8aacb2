// The in-process Sandbox: options, portal completion, faults, admin calls, close.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BrokerlinkError, Client, Sandbox } from 'brokerlink'

test('start with given credentials on a free loopback port', async () => {
  const sandbox = await Sandbox.start({ clientId: 'MY-CLIENT', consumerKey: 'my-key', apiKey: 'fntc_sandbox_mine' })
  try {
    assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(sandbox.clientId, 'MY-CLIENT')
    assert.equal(sandbox.consumerKey, 'my-key')
    assert.equal(sandbox.apiKey, 'fntc_sandbox_mine')
    const other = await Sandbox.start()
    assert.notEqual(other.url, sandbox.url)
    assert.notEqual(other.consumerKey, sandbox.consumerKey)
    await other.close()
  } finally {
    await sandbox.close()
  }
  await assert.rejects(Sandbox.start({ pendingActivationMs: -1 }), { code: 'invalid_input', field: 'pending_activation_ms' })
})

test('completePortal outcomes, faults, connection changes, reset and state', async () => {
  const sandbox = await Sandbox.start({ expiringAfterMs: 60_000 })
  const client = Client.snaptrade({
    clientId: sandbox.clientId,
    consumerKey: sandbox.consumerKey,
    baseUrl: sandbox.url,
    retry: { maxAttempts: 1 },
  })
  try {
    const user = await client.registerUser('sandbox-user')
    const completeAs = async (username, extra = {}, connectionType = 'read') => {
      const link = await client.portalUrl(user, { connectionType })
      return sandbox.completePortal({ url: link.url, username, password: 'pass_good', ...extra })
    }
    const widened = await completeAs('user_good', { connectionType: 'trade' })
    assert.ok(widened.type === 'error' && widened.code === '1012', JSON.stringify(widened))
    const locked = await completeAs('user_locked')
    assert.equal(locked.type, 'error')
    assert.ok(locked.type === 'error' && locked.code === '3000' && locked.statusCode !== null && locked.message)
    const mfa = await completeAs('user_mfa')
    assert.equal(mfa.type, 'error')
    const ok = await completeAs('user_mfa', { mfaCode: '123456', broker: 'SCHWAB', connectionType: 'trade' }, 'trade')
    assert.equal(ok.type, 'success')
    const id = ok.type === 'success' ? ok.connectionId ?? '' : ''
    assert.equal((await client.connection(user, id)).broker.slug, 'SCHWAB')

    const faultId = sandbox.injectFault({ status: 503 }, { method: 'GET', pathPrefix: '/snapTrade/listUsers', count: 2 })
    assert.match(faultId, /^flt_[0-9a-f]{32}$/)
    assert.equal(sandbox.armedFaults(), 1)
    await assert.rejects(client.listUsers(), { code: 'server', status: 503 })
    sandbox.clearFaults()
    assert.equal(sandbox.armedFaults(), 0)
    sandbox.injectFault({ reset: true })
    await assert.rejects(client.listUsers(), { code: 'network' })
    sandbox.injectFault({ invalid_json: true })
    await assert.rejects(client.listUsers(), { code: 'decode' })
    assert.throws(() => sandbox.injectFault(/** @type {any} */ ({ explode: true })), { code: 'invalid_input', field: 'fault' })

    const changed = sandbox.changeConnection(id, 'disable')
    assert.equal(changed.status, 'disabled')
    assert.equal(changed.id, id)
    assert.equal((await client.connection(user, id)).status, 'disabled')
    assert.throws(() => sandbox.changeConnection(id, /** @type {any} */ ('explode')), { code: 'invalid_input' })
    assert.throws(
      () => sandbox.changeConnection('00000000-0000-4000-8000-000000000000', 'remove'),
      (e) => e instanceof BrokerlinkError && e.code === 'not_found',
    )

    const state = sandbox.state()
    assert.equal(state.users, 1)
    assert.equal(state.connections, 1)
    assert.ok(state.requestsServed > 5)
    sandbox.reset()
    assert.equal(sandbox.state().users, 0)
    assert.deepEqual(await client.listUsers(), [])
  } finally {
    await sandbox.close()
  }
  await sandbox.close() // a second close is a no-op
  assert.throws(() => sandbox.state(), { code: 'invalid_input', field: 'sandbox' })
  await assert.rejects(client.listUsers(), { code: 'network' })
})

test("the sandbox's OAuth app authenticates at its token endpoint", async () => {
  const sandbox = await Sandbox.start()
  try {
    const metadata = await (await fetch(`${sandbox.url}/.well-known/oauth-authorization-server`)).json()
    assert.equal(metadata.issuer, sandbox.url)
    const token = async (secret) => {
      const basic = Buffer.from(`${sandbox.oauthClientId}:${secret}`).toString('base64')
      const answer = await fetch(metadata.token_endpoint, {
        method: 'POST',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code&code=code_unknown',
      })
      return [answer.status, (await answer.json()).error]
    }
    assert.deepEqual(await token(sandbox.oauthClientSecret), [400, 'invalid_grant'])
    assert.deepEqual(await token('wrong'), [401, 'invalid_client'])
    assert.notEqual(sandbox.personalClientId, sandbox.clientId)
  } finally {
    await sandbox.close()
  }
})
