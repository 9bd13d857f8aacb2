// brokerlink/portal in Chromium, as the sandbox serves it: its parser on every case of the shared
// fixture (tests/conformance/portal-messages.json), the postable ones delivered for real by
// postMessage to openPortal() on a host page of another origin, and openPortal's bookkeeping.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { FIXTURE, ROOT, WAIT, launchChromium, newPage, openHost, startOrigins, startSandbox } from './lib/harness.mjs'

describe('parsePortalResult in Chromium', () => {
  let sandbox
  let origins
  let browser
  before(async () => {
    sandbox = await startSandbox()
    origins = await startOrigins()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await origins?.close()
    await sandbox?.close()
  })

  test('the sandbox serves brokerlink/portal, the npm package file as is, to any origin', { timeout: 30_000 }, async () => {
    const response = await fetch(`${sandbox.url}/portal/assets/open-portal.js`, { headers: { Origin: origins.host } })
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type'), /^text\/javascript/)
    assert.equal(response.headers.get('access-control-allow-origin'), '*')
    const source = readFileSync(path.join(ROOT, 'sandbox/src/portal/open-portal.js'), 'utf8')
    assert.equal(await response.text(), source, 'rebuild the addon (tests/browser/run.sh does) after editing open-portal.js')
  })

  test('every fixture case gives the expected result', { timeout: 60_000 }, async () => {
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox })
    const got = await page.evaluate((cases) => cases.map(({ input }) => {
      try {
        return window.parsePortalResult(input)
      } catch (error) {
        return { error: error.code }
      }
    }), FIXTURE.cases)
    FIXTURE.cases.forEach((c, i) => assert.deepEqual(got[i], c.expect, `${c.kind} / ${c.name}`))
    assert.deepEqual(page.errors, [])
  })

  test('messages posted by the portal reach the callbacks as the same results; the rest are ignored', { timeout: 120_000 }, async () => {
    // A stand-in portal (fake-portal.html, on the "foreign" origin, which here plays the portal's)
    // posts each case's value with its own origin, then an end marker.
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox })
    const portalUrl = `${origins.foreign}/fake-portal.html`
    const postable = FIXTURE.cases.filter((c) => c.post)
    assert.ok(postable.length >= 50)
    for (const c of postable) {
      const trimmed = c.input.trim()
      const value = trimmed[0] === '{' || trimmed[0] === '"' ? JSON.parse(c.input) : c.input
      const delivered = await page.evaluate(async ({ url, value, wait }) => {
        window.events = []
        window.openPortalHere(url)
        const frame = window.portal.frame
        const seen = () => window.events.filter((e) => e.kind === 'event').map((e) => e.result)
        const until = async (test) => {
          const started = Date.now()
          while (!test()) {
            if (Date.now() - started > wait) throw new Error(`timed out; events ${JSON.stringify(window.events)}`)
            await new Promise((resolve) => setTimeout(resolve, 10))
          }
        }
        // The stand-in announces itself with a resize of 321 once loaded.
        await until(() => seen().some((r) => r.type === 'resize' && r.height === 321))
        const before = seen().length
        frame.contentWindow.postMessage({ post: value }, '*')
        await until(() => window.portal.closed || seen().slice(before).some((r) => r.type === 'resize' && r.height === 7))
        const results = seen().slice(before).filter((r) => !(r.type === 'resize' && r.height === 7))
        const callbacks = window.events.filter((e) => e.kind !== 'event').map((e) => e.kind)
        window.portal.close()
        return { results, callbacks }
      }, { url: portalUrl, value, wait: WAIT })
      const where = `${c.kind} / ${c.name}`
      if (c.expect.error) {
        assert.deepEqual(delivered.results, [], `${where}: an invalid message must be ignored`)
        continue
      }
      assert.deepEqual(delivered.results, [c.expect], where)
      const expectedCallback = { success: 'success', error: 'error', closed: 'close', abandoned: 'close', resize: null }[c.expect.type]
      assert.deepEqual(delivered.callbacks, expectedCallback ? [expectedCallback] : [], where)
    }
    assert.deepEqual(page.errors, [])
  })

  test('close() removes the frame and the listeners, and gives back focus and scrolling; focus stays in the dialog', { timeout: 60_000 }, async () => {
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox })
    await page.evaluate(() => {
      // Count the listeners openPortal adds and removes.
      window.listeners = { message: 0, keydown: 0 }
      for (const target of [window, document]) {
        const add = target.addEventListener.bind(target)
        const remove = target.removeEventListener.bind(target)
        target.addEventListener = (type, ...rest) => {
          if (type in window.listeners) window.listeners[type]++
          return add(type, ...rest)
        }
        target.removeEventListener = (type, ...rest) => {
          if (type in window.listeners) window.listeners[type]--
          return remove(type, ...rest)
        }
      }
      document.documentElement.style.overflow = 'clip'
    })
    await page.evaluate((url) => {
      window.portalUrl = url
    }, `${origins.foreign}/fake-portal.html`)
    await page.locator('#connect').click()
    await page.waitForFunction(() => window.events.some((e) => e.result.type === 'resize'), null, { timeout: WAIT })
    const open = await page.evaluate(() => ({
      listeners: { ...window.listeners },
      overflow: document.documentElement.style.overflow,
      focusInFrame: document.activeElement === window.portal.frame,
    }))
    assert.deepEqual(open, { listeners: { message: 1, keydown: 1 }, overflow: 'hidden', focusInFrame: true })
    // Tab and Shift+Tab go round the modal's close button and its frame, never to the page behind.
    const closeButton = page.locator('[data-brokerlink-portal] button[aria-label="Close"]')
    await closeButton.focus()
    await page.keyboard.press('Shift+Tab')
    assert.equal(await page.evaluate(() => document.activeElement === window.portal.frame), true)
    await closeButton.focus()
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement === window.portal.frame), true)

    await page.evaluate(() => window.portal.close())
    const closed = await page.evaluate(() => ({
      listeners: { ...window.listeners },
      overflow: document.documentElement.style.overflow,
      overlays: document.querySelectorAll('[data-brokerlink-portal], iframe').length,
      closed: window.portal.closed,
      focus: document.activeElement.id,
      closeCallbacks: window.events.filter((e) => e.kind === 'close').length,
    }))
    assert.deepEqual(closed, { listeners: { message: 0, keydown: 0 }, overflow: 'clip', overlays: 0, closed: true, focus: 'connect', closeCallbacks: 0 })
    assert.deepEqual(page.errors, [])
  })

  test('openPortal refuses a URL that is not http(s), and a mode that is neither light nor dark', { timeout: 30_000 }, async () => {
    const page = await newPage(browser)
    await openHost(page, { host: origins.host, sandbox })
    const refused = await page.evaluate(() => ['javascript:alert(1)', 'data:text/html,x'].map((url) => {
      try {
        window.openPortalHere(url)
        return 'opened'
      } catch (error) {
        return error.name
      }
    }))
    assert.deepEqual(refused, ['TypeError', 'TypeError'])
    const mode = await page.evaluate(() => {
      try {
        window.openPortalHere('https://portal.example/', { mode: 'blue' })
        return 'opened'
      } catch (error) {
        return error.name
      }
    })
    assert.equal(mode, 'TypeError')
    assert.equal(await page.locator('[data-brokerlink-portal]').count(), 0)
  })
})
