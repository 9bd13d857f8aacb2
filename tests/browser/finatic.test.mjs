// Finatic links in Chromium: brokerlink's openPortal() on a host page of another origin, and the
// official @finatic/client's own openPortal pointed at the sandbox (the page is faithful enough
// for the real client: portal-success {userId}, then portal-close).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  FRAME,
  WAIT,
  callback,
  events,
  finaticClient,
  launchChromium,
  logIn,
  newPage,
  openHost,
  startOrigins,
  startSandbox,
  waitForScreen,
} from './lib/harness.mjs'

const T = { timeout: 60_000 }

describe('Finatic portal in Chromium', () => {
  let sandbox
  let client
  let origins
  let browser
  before(async () => {
    sandbox = await startSandbox()
    client = finaticClient(sandbox)
    origins = await startOrigins()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await origins?.close()
    await sandbox?.close()
  })

  test('openPortal with a Finatic link: resizes the frame, onSuccess with the user id, then onClose', T, async () => {
    const session = await client.startSession()
    const link = await client.sessionPortalUrl(session, { brokers: ['alpaca', 'robinhood'] })
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox, portal: link.url, options: { mode: 'dark' } })
    await page.locator('#connect').click()
    const portal = page.frameLocator(FRAME)
    await waitForScreen(portal, 'brokers')
    // The broker filter of the link, and the mode openPortal added to it.
    assert.deepEqual(await portal.locator('[data-broker]').evaluateAll((rows) => rows.map((r) => r.dataset.broker)), ['ALPACA', 'ROBINHOOD'])
    assert.equal(await portal.locator('html').getAttribute('data-theme'), 'dark')
    // portal-resize sets the iframe's height.
    await page.waitForFunction(() => window.events.some((e) => e.kind === 'event' && e.result.type === 'resize'), null, { timeout: WAIT })
    const resizes = (await events(page, 'event')).filter((r) => r.type === 'resize')
    const last = resizes.at(-1).height
    assert.ok(last > 200, JSON.stringify(resizes))
    assert.equal(await page.locator(FRAME).evaluate((f) => f.style.height), `${last}px`)

    await logIn(portal, { broker: 'ROBINHOOD' })
    const success = await callback(page, 'success')
    assert.equal(success.type, 'success')
    assert.ok(success.userId)
    assert.deepEqual(await callback(page, 'close'), { type: 'closed' })
    assert.equal(await page.locator('[data-brokerlink-portal]').count(), 0)

    // The app's server recovers the same user id, and the connections: on Finatic one per
    // account grant, and the Robinhood login shares its two accounts.
    const user = await client.sessionUser(session)
    assert.equal(user.userId, success.userId)
    const connections = await client.connections(user)
    assert.deepEqual(
      connections.map((c) => [c.broker.slug, c.status]),
      [
        ['robinhood', 'active'],
        ['robinhood', 'active'],
      ],
    )
    const accounts = await client.accounts(user)
    assert.deepEqual(
      accounts.map((a) => a.connectionId).sort(),
      connections.map((c) => c.id).sort(),
    )
    assert.deepEqual(page.errors, [])
  })

  test('a Finatic portal error reaches onError; an expired link too', T, async () => {
    const page = await newPage(browser)
    const session = await client.startSession()
    await openHost(page, { host: origins.host, sandbox, portal: (await client.sessionPortalUrl(session)).url })
    await page.locator('#connect').click()
    const portal = page.frameLocator(FRAME)
    await logIn(portal, { broker: 'FIDELITY', username: 'user_locked', password: 'x' })
    await waitForScreen(portal, 'error-locked')
    const error = await callback(page, 'error')
    assert.equal(error.code, '3000')
    assert.match(error.message, /locked/)
    await portal.locator('#continue').click()
    assert.deepEqual(await callback(page, 'close'), { type: 'closed' })

    const short = await startSandbox({ portalLinkLifetimeMs: 1000 })
    try {
      const shortClient = finaticClient(short)
      const link = await shortClient.sessionPortalUrl(await shortClient.startSession())
      await new Promise((resolve) => setTimeout(resolve, 1300))
      await page.evaluate((url) => {
        window.events = []
        window.portalUrl = url
      }, link.url)
      await page.locator('#connect').click()
      assert.equal((await callback(page, 'error')).code, '1006')
      await waitForScreen(page.frameLocator(FRAME), 'error-expired')
    } finally {
      await short.close()
    }
  })

  test('the official @finatic/client openPortal gets onSuccess(userId) and onClose from the sandbox portal', T, async () => {
    const minted = await fetch(`${sandbox.url}/api/v1/session/init`, { method: 'POST', headers: { 'X-API-Key': sandbox.apiKey } })
    const token = (await minted.json()).success.data.one_time_token
    const page = await newPage(browser)
    const query = new URLSearchParams({ token, base: sandbox.url })
    await page.goto(`${origins.host}/finatic-official.html?${query}`)
    await page.waitForFunction(() => window.hostReady || window.hostError, null, { timeout: WAIT })
    assert.equal(await page.evaluate(() => window.hostError ?? null), null)
    const frame = page.frameLocator(`iframe[src^="${sandbox.url}/portal?"]`)
    await waitForScreen(frame, 'brokers')
    assert.equal(await frame.locator('html').getAttribute('data-theme'), 'dark', "the client's mode: 'dark'")
    await logIn(frame, { broker: 'COINBASE' })
    await page.waitForFunction(() => window.events.some((e) => e.kind === 'close'), null, { timeout: WAIT })
    const recorded = await page.evaluate(() => window.events)
    assert.deepEqual(recorded.map((e) => e.kind), ['success', 'close'])
    const userId = recorded[0].value
    assert.ok(userId)
    assert.equal(await page.evaluate(() => window.finatic.getUserId()), userId)
    // The connection is the user's, as the app's server sees it: a Finatic connection is an
    // account grant, one for each of the login's two accounts.
    const connections = await client.connections({ userId })
    assert.deepEqual(connections.map((c) => c.broker.slug), ['coinbase', 'coinbase'])
    assert.deepEqual(page.errors, [])
  })
})
