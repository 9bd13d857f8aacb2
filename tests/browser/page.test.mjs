// The sandbox's portal page itself, in Chromium: nothing from outside, broker search with logos,
// preselected broker, read vs trade (and trade-if-available), themes, languages, the close
// button, labels, keyboard-only use, and the layout at 375 and 1280 px.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  launchChromium,
  logIn,
  newPage,
  snaptradeClient,
  startSandbox,
  waitForScreen,
} from './lib/harness.mjs'

const T = { timeout: 60_000 }

/** Relative luminance (0 black … 1 white) of a CSS rgb() colour. */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((v) => Number(v) / 255)
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

describe('the portal page', () => {
  let sandbox
  let client
  let browser
  let user
  before(async () => {
    sandbox = await startSandbox()
    client = snaptradeClient(sandbox)
    browser = await launchChromium()
    user = await client.registerUser('page-user')
  })
  after(async () => {
    await browser?.close()
    await sandbox?.close()
  })

  const open = async (options = {}, context = {}) => {
    const link = await client.portalUrl(user, options)
    const page = await newPage(browser, context)
    await page.goto(link.url)
    await page.waitForFunction(() => document.body.hasAttribute('data-current'))
    return page
  }

  test('loads nothing from outside the sandbox, through a whole connection', T, async () => {
    const link = await client.portalUrl(user)
    const page = await newPage(browser)
    const requested = []
    page.on('request', (request) => requested.push(request.url()))
    const response = await page.goto(link.url)
    assert.match(response.headers()['content-security-policy'], /default-src 'self'/)
    await logIn(page, { broker: 'WEALTHSIMPLE' })
    await waitForScreen(page, 'success')
    const outside = requested.filter((url) => !url.startsWith(`${sandbox.url}/`) && !url.startsWith('data:'))
    assert.deepEqual(outside, [])
    assert.ok(requested.some((url) => url.includes('/portal/logos/')), 'logos come from the sandbox')
    assert.deepEqual(page.errors, [])
  })

  test('broker search: every broker with its logo; filtering; a clear no-match message', T, async () => {
    const page = await open()
    await waitForScreen(page, 'brokers')
    const logos = await page.locator('.broker img.logo').evaluateAll((imgs) =>
      imgs.map((img) => ({ alt: img.alt, loaded: img.complete && img.naturalWidth > 0 })))
    assert.ok(logos.length >= 6)
    assert.ok(logos.every((l) => l.loaded && /logo$/.test(l.alt)), JSON.stringify(logos))
    await page.locator('#search').fill('fid')
    assert.deepEqual(await page.locator('.broker:visible').evaluateAll((b) => b.map((x) => x.dataset.broker)), ['FIDELITY'])
    await page.locator('#search').fill('zzz')
    assert.equal(await page.locator('.broker:visible').count(), 0)
    assert.match(await page.locator('#no-match').textContent(), /zzz/)
    await page.locator('#search').press('Escape')
    assert.equal(await page.locator('#search').inputValue(), '')
    assert.equal(await page.locator('.broker:visible').count(), logos.length)
  })

  test('keyboard only: search, pick, allow, log in and finish without a mouse', T, async () => {
    const page = await open({ connectionType: 'read' })
    await waitForScreen(page, 'brokers')
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.dataset?.broker || document.activeElement?.tagName)
    const tabTo = async (id, limit = 25) => {
      for (let i = 0; i < limit && (await focused()) !== id; i++) await page.keyboard.press('Tab')
      assert.equal(await focused(), id, `Tab reaches #${id}`)
    }
    await tabTo('search')
    await page.keyboard.type('robin')
    await page.keyboard.press('ArrowDown')
    assert.equal(await focused(), 'ROBINHOOD')
    // The focused control shows a focus ring.
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none')
    await page.keyboard.press('Enter')
    await waitForScreen(page, 'permission')
    await tabTo('allow')
    await page.keyboard.press('Enter')
    await waitForScreen(page, 'login')
    assert.equal(await focused(), 'username', 'the login form starts focused')
    await page.keyboard.type('user_good')
    await page.keyboard.press('Tab')
    assert.equal(await focused(), 'password')
    await page.keyboard.type('pass_good')
    await page.keyboard.press('Enter')
    await waitForScreen(page, 'success')
    assert.equal(await focused(), 'continue')
    await page.keyboard.press('Enter')
    await waitForScreen(page, 'closed')
    const connections = await client.connections(user)
    assert.ok(connections.some((c) => c.broker.slug === 'ROBINHOOD'))
  })

  test('every input has a label and every button a name, on each screen', T, async () => {
    const page = await open({ broker: 'ALPACA' })
    const check = async (screen) => {
      await waitForScreen(page, screen)
      const unnamed = await page.evaluate(() => {
        const visible = (el) => el.offsetParent !== null || el.getClientRects().length > 0
        const inputs = [...document.querySelectorAll('input')].filter(visible)
          .filter((i) => i.labels.length === 0 && !i.getAttribute('aria-label'))
        const buttons = [...document.querySelectorAll('button')].filter(visible)
          .filter((b) => !(b.getAttribute('aria-label') || b.textContent).trim())
        return [...inputs, ...buttons].map((el) => el.outerHTML.slice(0, 80))
      })
      assert.deepEqual(unnamed, [], screen)
    }
    await check('permission')
    await page.locator('#allow').click()
    await check('login')
    await page.locator('#username').fill('user_mfa')
    await page.locator('#password').fill('pass_good')
    await page.locator('#submit-login').click()
    await check('mfa')
    await page.locator('#submit-mfa').click() // empty: an inline error tied to the field
    assert.equal(await page.locator('#mfa-code').getAttribute('aria-invalid'), 'true')
    assert.equal(await page.locator('#mfa-code').getAttribute('aria-describedby'), 'mfa-error')
    await page.locator('#mfa-code').fill('123456')
    await page.locator('#submit-mfa').click()
    await check('success')
  })

  test('a preselected broker skips the picker; read and trade permission screens', T, async () => {
    const read = await open({ broker: 'ALPACA', connectionType: 'read' })
    await waitForScreen(read, 'permission')
    assert.match(await read.locator('h1').textContent(), /Connect Alpaca/)
    assert.equal(await read.locator('#perm-kind').textContent(), 'Read-only access')
    assert.match(await read.locator('.perm-list .no').first().textContent(), /Place orders/)

    const trade = await open({ broker: 'ALPACA', connectionType: 'trade' })
    await waitForScreen(trade, 'permission')
    assert.equal(await trade.locator('#perm-kind').textContent(), 'Trading access')
    assert.match(await trade.locator('.perm-list .ok').allTextContents().then((t) => t.join('|')), /Place and cancel orders/)

    // trade on a broker without trading: a clear screen, not a login that cannot work.
    const refused = await open({ broker: 'VANGUARD', connectionType: 'trade' })
    await waitForScreen(refused, 'error-generic')
    assert.match(await refused.locator('h1').textContent(), /Trading isn.t available/)
  })

  test('trade-if-available: trading where the broker has it, read-only (and said so) where not', T, async () => {
    const picker = await open({ connectionType: 'trade-if-available' })
    await waitForScreen(picker, 'brokers')
    const tagged = await picker.locator('.broker:has(.tag)').evaluateAll((b) => b.map((x) => x.dataset.broker))
    assert.deepEqual(tagged.sort(), ['FIDELITY', 'VANGUARD', 'WEALTHSIMPLE'])
    await picker.locator('[data-broker="ALPACA"]').click()
    assert.equal(await picker.locator('#perm-kind').textContent(), 'Trading access')

    const fallback = await open({ broker: 'FIDELITY', connectionType: 'trade-if-available' })
    await waitForScreen(fallback, 'permission')
    assert.equal(await fallback.locator('#perm-kind').textContent(), 'Read-only access')
    assert.match(await fallback.locator('#trade-note').textContent(), /does not support trading/)
    await logIn(fallback, { picker: false })
    await waitForScreen(fallback, 'success')
    const fidelity = (await client.connections(user)).find((c) => c.broker.slug === 'FIDELITY')
    assert.equal(fidelity.permission, 'read')

    const tradeOnly = await open({ connectionType: 'trade' })
    await waitForScreen(tradeOnly, 'brokers')
    const listed = await tradeOnly.locator('.broker').evaluateAll((b) => b.map((x) => x.dataset.broker))
    assert.ok(!listed.includes('FIDELITY') && listed.includes('ALPACA'), 'trade lists brokers with trading only')
  })

  test('light and dark: darkMode wins, else the system preference', T, async () => {
    const cardLuminance = (page) => page.locator('.card').evaluate((c) => getComputedStyle(c).backgroundColor).then(luminance)
    const darkLink = await open({ mode: 'dark' }, { colorScheme: 'light' })
    assert.equal(await darkLink.locator('html').getAttribute('data-theme'), 'dark')
    assert.ok((await cardLuminance(darkLink)) < 0.1)
    const lightLink = await open({ mode: 'light' }, { colorScheme: 'dark' })
    assert.equal(await lightLink.locator('html').getAttribute('data-theme'), 'light')
    assert.ok((await cardLuminance(lightLink)) > 0.8)
    for (const [scheme, dark] of [['dark', true], ['light', false]]) {
      const system = await open({}, { colorScheme: scheme })
      assert.equal(await system.locator('html').getAttribute('data-theme'), null)
      assert.equal((await cardLuminance(system)) < 0.1, dark, `system ${scheme}`)
    }
  })

  test('English and Brazilian Portuguese', T, async () => {
    const en = await open({ broker: 'SCHWAB' })
    await waitForScreen(en, 'permission')
    assert.equal(await en.locator('html').getAttribute('lang'), 'en')
    assert.equal(await en.locator('#allow').textContent(), 'Continue')

    const pt = await open({ locale: 'pt-BR' })
    await waitForScreen(pt, 'brokers')
    assert.equal(await pt.locator('html').getAttribute('lang'), 'pt-BR')
    assert.equal(await pt.title(), 'Conecte sua conta de corretora')
    assert.equal(await pt.locator('h1').textContent(), 'Selecione sua corretora')
    assert.equal(await pt.locator('#search').getAttribute('placeholder'), 'Buscar pelo nome')
    await logIn(pt, { broker: 'ALPACA', username: 'user_locked', password: 'x' })
    await waitForScreen(pt, 'error-locked')
    assert.equal(await pt.locator('h1').textContent(), 'Conta bloqueada')
    assert.equal(await pt.locator('#retry').textContent(), 'Tentar novamente')
  })

  test('the close button follows showCloseButton', T, async () => {
    const shown = await open({ showCloseButton: true })
    assert.equal(await shown.locator('#close').isVisible(), true)
    assert.equal(await shown.locator('#close').getAttribute('aria-label'), 'Close')
    const hidden = await open({ showCloseButton: false })
    assert.equal(await hidden.locator('#close').isVisible(), false)
  })

  test('fits 375 px and 1280 px: no sideways scrolling, comfortable tap targets', T, async () => {
    for (const width of [375, 1280]) {
      const page = await open({ broker: 'ROBINHOOD' }, { viewport: { width, height: 800 } })
      for (const step of ['permission', 'login', 'error-locked']) {
        await waitForScreen(page, step)
        const layout = await page.evaluate(() => {
          const card = document.querySelector('.card').getBoundingClientRect()
          const targets = [...document.querySelectorAll('button, input, .broker')]
            .filter((el) => el.getClientRects().length > 0 && !el.closest('.banner'))
            .map((el) => Math.round(el.getBoundingClientRect().height))
          return {
            overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            card: [Math.round(card.left), Math.round(card.right)],
            smallest: Math.min(...targets),
          }
        })
        assert.equal(layout.overflow, 0, `${width}px ${step}: no horizontal scroll`)
        assert.ok(layout.card[0] >= 0 && layout.card[1] <= width, `${width}px ${step}: the card fits (${layout.card})`)
        assert.ok(layout.smallest >= 32, `${width}px ${step}: tap targets (${layout.smallest}px)`)
        if (width === 1280) assert.ok(layout.card[1] - layout.card[0] <= 520, `${width}px: a card, not a stretched page`)
        if (step === 'permission') await page.locator('#allow').click()
        if (step === 'login') {
          await page.locator('#username').fill('user_locked')
          await page.locator('#password').fill('x')
          await page.locator('#submit-login').click()
        }
      }
    }
  })

  test('a forged link cannot make the page redirect: no session, no customRedirect from the query', T, async () => {
    const page = await newPage(browser)
    const requested = []
    page.on('request', (request) => requested.push(request.url()))
    const forged = new URLSearchParams({ token: 'forged', customRedirect: 'https://example.org/', immediateRedirect: 'true' })
    await page.goto(`${sandbox.url}/snapTrade/redeemToken?${forged}`)
    await waitForScreen(page, 'error-expired')
    await page.locator('#continue').click()
    await page.waitForTimeout(300)
    assert.ok(page.url().startsWith(`${sandbox.url}/`), page.url())
    assert.deepEqual(requested.filter((url) => new URL(url).hostname === 'example.org'), [])
    assert.deepEqual(page.errors, [])
  })
})
