// SnapTrade links in Chromium: the redirect flow, and openPortal() (iframe and popup) on a host
// page of another origin, for success, MFA, a locked account, expired and reused links,
// reconnecting with other credentials, abandoning, and forged messages.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  FRAME,
  WAIT,
  callback,
  events,
  launchChromium,
  logIn,
  newPage,
  openHost,
  parsePortalResult,
  sleep,
  snaptradeClient,
  startOrigins,
  startSandbox,
  waitForScreen,
} from './lib/harness.mjs'

const T = { timeout: 60_000 }

describe('SnapTrade portal in Chromium', () => {
  let sandbox
  let client
  let origins
  let browser
  let users = 0
  const newUser = () => client.registerUser(`browser-user-${++users}`)

  before(async () => {
    sandbox = await startSandbox()
    client = snaptradeClient(sandbox)
    origins = await startOrigins()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await origins?.close()
    await sandbox?.close()
  })

  test('redirect flow: ends at customRedirect?status=SUCCESS&connection_id=…, and the SDK lists it', T, async () => {
    const user = await newUser()
    const link = await client.portalUrl(user, { redirectUrl: `${origins.host}/landing/connected` })
    const page = await newPage(browser)
    await page.goto(link.url)
    await waitForScreen(page, 'brokers')
    await logIn(page, { broker: 'SCHWAB' })
    await waitForScreen(page, 'success')
    await page.locator('#continue').click()
    await page.waitForURL(`${origins.host}/landing/connected?**`)
    const landed = new URL(page.url())
    assert.equal(landed.searchParams.get('status'), 'SUCCESS')
    const result = parsePortalResult(page.url())
    assert.equal(result.type, 'success')
    assert.equal(result.connectionId, landed.searchParams.get('connection_id'))
    const connections = await client.connections(user)
    assert.deepEqual(connections.map((c) => [c.id, c.broker.slug, c.status]), [[result.connectionId, 'SCHWAB', 'active']])
    assert.deepEqual(page.errors, [])
  })

  test('redirect flow with immediateRedirect goes straight back to the app', T, async () => {
    const user = await newUser()
    const link = await client.portalUrl(user, { broker: 'ALPACA', redirectUrl: `${origins.host}/landing/now`, immediateRedirect: true })
    const page = await newPage(browser)
    await page.goto(link.url)
    await logIn(page, { picker: false })
    await page.waitForURL(`${origins.host}/landing/now?**`)
    const result = parsePortalResult(page.url())
    assert.equal(result.type, 'success')
    assert.equal((await client.connection(user, result.connectionId)).broker.slug, 'ALPACA')
  })

  test('openPortal: the iframe flow delivers onSuccess on the host page, then onClose', T, async () => {
    const user = await newUser()
    const link = await client.portalUrl(user)
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox, portal: link.url, options: { mode: 'dark' } })
    assert.notEqual(new URL(page.url()).origin, new URL(sandbox.url).origin)
    await page.locator('#connect').click()
    const portal = page.frameLocator(FRAME)
    await portal.locator('[data-broker="ROBINHOOD"]').waitFor()
    // mode: 'dark' reaches a SnapTrade link as darkMode=true.
    assert.match(await page.locator(FRAME).getAttribute('src'), /[?&]darkMode=true(&|$)/)
    assert.equal(await portal.locator('html').getAttribute('data-theme'), 'dark')
    // The modal is a labelled dialog and takes the focus.
    assert.equal(await page.locator('[role="dialog"][aria-modal="true"]').getAttribute('aria-label'), 'Connect a brokerage account')
    await logIn(portal, { broker: 'ROBINHOOD' })
    const success = await callback(page, 'success')
    assert.equal(success.type, 'success')
    assert.equal(success.userId, null)
    const connections = await client.connections(user)
    assert.deepEqual(connections.map((c) => c.id), [success.connectionId])
    assert.equal(await page.evaluate(() => window.portal.closed), false, 'the portal stays open after success')
    await portal.locator('#continue').click() // Done: the portal posts CLOSE_MODAL
    assert.deepEqual(await callback(page, 'close'), { type: 'closed' })
    assert.equal(await page.locator('[data-brokerlink-portal]').count(), 0)
    assert.equal(await page.evaluate(() => window.portal.closed), true)
    assert.deepEqual((await events(page)).map((r) => r.type), ['success', 'success', 'closed', 'closed'])
    assert.deepEqual(page.errors, [])
  })

  test('MFA: a wrong code ends on its own screen (1086); the right one connects', T, async () => {
    const user = await newUser()
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox, portal: (await client.portalUrl(user, { broker: 'ALPACA' })).url })
    await page.locator('#connect').click()
    let portal = page.frameLocator(FRAME)
    await logIn(portal, { username: 'user_mfa', picker: false })
    await waitForScreen(portal, 'mfa')
    await portal.locator('#mfa-code').fill('000000')
    await portal.locator('#submit-mfa').click()
    await waitForScreen(portal, 'error-mfa')
    const error = await callback(page, 'error')
    assert.equal(error.code, '1086')
    assert.equal(error.statusCode, 401)
    await portal.locator('#continue').click() // Close
    await callback(page, 'close')

    await page.evaluate((url) => {
      window.events = []
      window.portalUrl = url
    }, (await client.portalUrl(user, { broker: 'ALPACA' })).url)
    await page.locator('#connect').click()
    portal = page.frameLocator(FRAME)
    await logIn(portal, { username: 'user_mfa', picker: false })
    await waitForScreen(portal, 'mfa')
    await portal.locator('#mfa-code').fill('123456')
    await portal.locator('#submit-mfa').click()
    const success = await callback(page, 'success')
    assert.ok(success.connectionId)
    assert.deepEqual((await client.connections(user)).map((c) => c.id), [success.connectionId])
  })

  test('a locked account: onError with code 3000, its own screen, and Close ends in onClose', T, async () => {
    const user = await newUser()
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox, portal: (await client.portalUrl(user)).url })
    await page.locator('#connect').click()
    const portal = page.frameLocator(FRAME)
    await logIn(portal, { broker: 'VANGUARD', username: 'user_locked', password: 'whatever' })
    await waitForScreen(portal, 'error-locked')
    const error = await callback(page, 'error')
    assert.deepEqual(error, { type: 'error', code: '3000', statusCode: 403, message: error.message })
    assert.match(error.message, /locked/)
    assert.match(await portal.locator('h1').textContent(), /Account locked/)
    await portal.locator('#continue').click()
    assert.deepEqual(await callback(page, 'close'), { type: 'closed' })
    assert.deepEqual(await client.connections(user), [])
  })

  test('an expired link: the 1006 screen, onError in the iframe, status=ERROR on redirect', T, async () => {
    const short = await startSandbox({ portalLinkLifetimeMs: 1000 })
    try {
      const shortClient = snaptradeClient(short)
      const user = await shortClient.registerUser('expiring-link-user')
      const framed = await shortClient.portalUrl(user)
      const redirected = await shortClient.portalUrl(user, { redirectUrl: `${origins.host}/landing/expired` })
      await sleep(1300)
      const page = await newPage(browser)
      await openHost(page, { host: origins.host, sandbox: short, portal: framed.url })
      await page.locator('#connect').click()
      const portal = page.frameLocator(FRAME)
      await waitForScreen(portal, 'error-expired')
      const error = await callback(page, 'error')
      assert.equal(error.code, '1006')
      assert.equal(error.statusCode, 410)
      assert.match(await portal.locator('h1').textContent(), /expired/)

      const direct = await newPage(browser)
      await direct.goto(redirected.url)
      await waitForScreen(direct, 'error-expired')
      await direct.locator('#continue').click() // Return to app
      await direct.waitForURL(`${origins.host}/landing/expired?**`)
      assert.deepEqual(parsePortalResult(direct.url()), { type: 'error', code: '1006', message: null, statusCode: 410 })
    } finally {
      await short.close()
    }
  })

  test('a link used once is spent: opening it again gives 1006', T, async () => {
    const user = await newUser()
    const link = await client.portalUrl(user)
    const done = sandbox.completePortal({ url: link.url, username: 'user_good', password: 'pass_good', broker: 'ALPACA' })
    assert.equal(done.type, 'success')
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox, portal: link.url })
    await page.locator('#connect').click()
    await waitForScreen(page.frameLocator(FRAME), 'error-expired')
    assert.equal((await callback(page, 'error')).code, '1006')
  })

  test('reconnect: the wording says so; other credentials end in 1023; the same ones repair the connection', T, async () => {
    const user = await newUser()
    const first = await client.portalUrl(user)
    const made = sandbox.completePortal({ url: first.url, username: 'user_good', password: 'pass_good', broker: 'QUESTRADE' })
    await client.disableConnection(user, made.connectionId)
    assert.equal((await client.connection(user, made.connectionId)).status, 'disabled')

    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox, portal: (await client.portalUrl(user, { reconnect: made.connectionId })).url })
    await page.locator('#connect').click()
    let portal = page.frameLocator(FRAME)
    await waitForScreen(portal, 'permission')
    assert.match(await portal.locator('h1').textContent(), /Reconnect your Questrade account/)
    await logIn(portal, { username: 'user_pending', picker: false })
    await waitForScreen(portal, 'error-reconnect')
    assert.equal((await callback(page, 'error')).code, '1023')
    await portal.locator('#continue').click()
    await callback(page, 'close')

    await page.evaluate((url) => {
      window.events = []
      window.portalUrl = url
    }, (await client.portalUrl(user, { reconnect: made.connectionId })).url)
    await page.locator('#connect').click()
    portal = page.frameLocator(FRAME)
    await logIn(portal, { username: 'user_good', picker: false })
    assert.equal((await callback(page, 'success')).connectionId, made.connectionId)
    assert.equal((await client.connection(user, made.connectionId)).status, 'active')
  })

  test('abandon: the redirect flow reports ABANDONED; in the iframe, onClose (portal X, modal X, Escape)', T, async () => {
    const user = await newUser()
    const link = await client.portalUrl(user, { redirectUrl: `${origins.host}/landing/left`, showCloseButton: true })
    const page = await newPage(browser)
    await page.goto(link.url)
    await waitForScreen(page, 'brokers')
    await page.locator('#close').click()
    await page.waitForURL(`${origins.host}/landing/left?**`)
    assert.deepEqual(parsePortalResult(page.url()), { type: 'abandoned' })

    const host = await newPage(browser)
    await openHost(host, { host: origins.host, sandbox, portal: (await client.portalUrl(user, { showCloseButton: true })).url })
    await host.locator('#connect').click()
    const portal = host.frameLocator(FRAME)
    await waitForScreen(portal, 'brokers')
    await portal.locator('#close').click() // the portal's own X posts CLOSED
    assert.deepEqual(await callback(host, 'close'), { type: 'closed' })
    assert.equal(await host.locator('[data-brokerlink-portal]').count(), 0)

    for (const how of ['modal close button', 'Escape in the host', 'Escape in the portal']) {
      await host.evaluate(async (url) => {
        window.events = []
        window.portalUrl = url
      }, (await client.portalUrl(user)).url)
      await host.locator('#connect').click()
      await waitForScreen(host.frameLocator(FRAME), 'brokers')
      if (how === 'modal close button') await host.locator('[data-brokerlink-portal] button[aria-label="Close"]').click()
      else if (how === 'Escape in the host') {
        await host.locator('[data-brokerlink-portal] button[aria-label="Close"]').focus()
        await host.keyboard.press('Escape')
      } else {
        await host.frameLocator(FRAME).locator('#search').focus()
        await host.keyboard.press('Escape')
      }
      assert.deepEqual(await callback(host, 'close'), { type: 'closed' }, how)
      assert.equal(await host.locator('[data-brokerlink-portal]').count(), 0, how)
      assert.equal(await host.evaluate(() => document.activeElement.id), 'connect', `${how}: focus goes back`)
    }
    assert.deepEqual(host.errors, [])
  })

  test('messages from other origins, and from other windows of the portal origin, are ignored', T, async () => {
    const user = await newUser()
    const forged = [{ status: 'SUCCESS', authorizationId: 'forged' }, 'SUCCESS:forged', 'CLOSED', { type: 'portal-close' },
      { status: 'ERROR', errorCode: '1006', statusCode: 410 }]
    const page = await newPage(browser)
    await openHost(page, {
      host: origins.host,
      sandbox,
      portal: (await client.portalUrl(user)).url,
      frame: `${origins.foreign}/forge.html?messages=${encodeURIComponent(JSON.stringify(forged))}`,
    })
    await page.locator('#connect').click()
    const portal = page.frameLocator(FRAME)
    await waitForScreen(portal, 'brokers')
    // A third-party frame, and the host page itself, post portal-looking messages; each then
    // sends a marker, which arrives after them (messages from one window keep their order).
    const marked = (send) => page.evaluate(([source, wait]) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no marker')), wait)
      window.addEventListener('message', function marker(event) {
        if (event.data !== 'forged') return
        clearTimeout(timer)
        window.removeEventListener('message', marker)
        resolve()
      })
      new Function(source)()
    }), [send, WAIT])
    await marked("document.querySelector('iframe[title=\"another site\"]').contentWindow.postMessage('forge', '*')")
    await marked(`${JSON.stringify(forged)}.forEach((m) => window.postMessage(m, '*')); window.postMessage('forged', '*')`)
    // A second window on the sandbox's origin that is not the portal: a spent link's page, framed
    // by the host, posts a real ERROR 1006 to it.
    const spent = await client.portalUrl(user)
    sandbox.completePortal({ url: spent.url, username: 'user_good', password: 'pass_good', broker: 'ALPACA' })
    await page.evaluate((url) => {
      const other = document.createElement('iframe')
      other.src = url
      other.title = 'second sandbox window'
      document.querySelector('main').append(other)
    }, spent.url)
    await waitForScreen(page.frameLocator('iframe[title="second sandbox window"]'), 'error-expired')
    await sleep(500)
    assert.deepEqual(await events(page), [], 'nothing forged got through')
    assert.equal(await page.evaluate(() => window.portal.closed), false)
    await logIn(portal, { broker: 'COINBASE' })
    const success = await callback(page, 'success')
    assert.notEqual(success.connectionId, 'forged')
    assert.deepEqual((await client.connections(user)).map((c) => c.id).includes(success.connectionId), true)
    assert.deepEqual((await events(page, 'success')).length, 1)
  })

  test('popup: openPortal({ popup: true }) opens a window and takes messages from that window only', T, async () => {
    const user = await newUser()
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox, portal: (await client.portalUrl(user)).url, options: { popup: true } })
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#connect').click()])
    await waitForScreen(popup, 'brokers')
    assert.equal(await page.locator('[data-brokerlink-portal]').count(), 0, 'no modal for a popup')
    // Another window of the sandbox's origin (a spent link's page, framed by the host) posts a
    // real ERROR 1006: not the popup, so ignored.
    const spent = await client.portalUrl(user)
    sandbox.completePortal({ url: spent.url, username: 'user_good', password: 'pass_good', broker: 'ALPACA' })
    await page.evaluate((url) => {
      const other = document.createElement('iframe')
      other.src = url
      other.title = 'second sandbox window'
      document.querySelector('main').append(other)
    }, spent.url)
    await waitForScreen(page.frameLocator('iframe[title="second sandbox window"]'), 'error-expired')
    await sleep(300)
    assert.deepEqual(await events(page), [])
    await logIn(popup, { broker: 'ALPACA' })
    const success = await callback(page, 'success')
    assert.deepEqual((await client.connections(user)).map((c) => c.id), [success.connectionId])
    // Done posts CLOSE_MODAL and openPortal closes the window, maybe before the click returns.
    const clicked = popup.locator('#continue').click().catch((error) => {
      if (!/closed/i.test(error.message)) throw error
    })
    await Promise.all([popup.waitForEvent('close'), clicked])
    assert.deepEqual(await callback(page, 'close'), { type: 'closed' })
    assert.equal(await page.evaluate(() => window.portal.closed), true)

    // A user who closes the popup window is a close too.
    await page.evaluate(async (url) => {
      window.events = []
      window.portalUrl = url
    }, (await client.portalUrl(user)).url)
    const [second] = await Promise.all([page.waitForEvent('popup'), page.locator('#connect').click()])
    await waitForScreen(second, 'brokers')
    await second.close()
    assert.deepEqual(await callback(page, 'close'), { type: 'closed' })
  })
})
