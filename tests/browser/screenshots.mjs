// Makes the portal screenshots in docs/ (light, dark and 375 px wide) against an in-process
// sandbox: node tests/browser/screenshots.mjs [out-dir]. Run by tests/browser/run.sh --screenshots.
import { mkdirSync, statSync } from 'node:fs'
import path from 'node:path'
import {
  FRAME,
  ROOT,
  launchChromium,
  logIn,
  newPage,
  openHost,
  snaptradeClient,
  startOrigins,
  startSandbox,
  waitForScreen,
} from './lib/harness.mjs'

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs'))
mkdirSync(out, { recursive: true })

const sandbox = await startSandbox()
const origins = await startOrigins()
const browser = await launchChromium()
const client = snaptradeClient(sandbox)
const user = await client.registerUser('screenshot-user')
const DESKTOP = { viewport: { width: 1280, height: 900 } }
const MOBILE = { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
const made = []

async function portal(options, context) {
  const page = await newPage(browser, context)
  await page.goto((await client.portalUrl(user, options)).url)
  await page.waitForFunction(() => document.body.hasAttribute('data-current'))
  return page
}

async function shoot(page, name, { fullPage = false } = {}) {
  // Settled: no focus ring left by a click, no caret, no animation half-way.
  await page.evaluate(() => document.activeElement?.blur?.())
  await page.waitForTimeout(150)
  const file = path.join(out, `${name}.png`)
  await page.screenshot({ path: file, fullPage, animations: 'disabled', caret: 'hide' })
  made.push(`${path.relative(ROOT, file)} (${Math.round(statSync(file).size / 1024)} KiB)`)
  await page.context().close()
}

try {
  // 1. Desktop, light: the broker picker, with the sandbox's test credentials beside it.
  let page = await portal({ mode: 'light', connectionType: 'trade-if-available' }, { ...DESKTOP, colorScheme: 'light' })
  await waitForScreen(page, 'brokers')
  await shoot(page, 'portal-light')

  // 2. Desktop, dark: the permission screen of a trading connection.
  page = await portal({ mode: 'dark', broker: 'ALPACA', connectionType: 'trade' }, { ...DESKTOP, colorScheme: 'dark' })
  await waitForScreen(page, 'permission')
  await shoot(page, 'portal-dark')

  // 3. 375 px, light: logging in (filled in), then the MFA step.
  page = await portal({ broker: 'ROBINHOOD' }, { ...MOBILE, colorScheme: 'light' })
  await page.locator('#allow').click()
  await page.locator('#username').fill('user_mfa')
  await page.locator('#password').fill('pass_good')
  await shoot(page, 'portal-mobile-login')

  page = await portal({ broker: 'SCHWAB', locale: 'pt-BR' }, { ...MOBILE, colorScheme: 'dark' })
  await logIn(page, { picker: false, username: 'user_mfa' })
  await waitForScreen(page, 'mfa')
  await page.locator('#mfa-code').fill('1234')
  await shoot(page, 'portal-mobile-mfa-dark-pt')

  // 4. 375 px, dark: one of the failure screens.
  page = await portal({ broker: 'VANGUARD', mode: 'dark' }, { ...MOBILE, colorScheme: 'dark' })
  await logIn(page, { picker: false, username: 'user_locked', password: 'x' })
  await waitForScreen(page, 'error-locked')
  await shoot(page, 'portal-mobile-error-dark')

  // 5. openPortal() on an app's page: the modal iframe, just connected.
  page = await newPage(browser, { ...DESKTOP, colorScheme: 'light' })
  await openHost(page, { host: origins.host, sandbox, portal: (await client.portalUrl(user, { broker: 'FIDELITY', connectionType: 'trade-if-available' })).url })
  await page.locator('#connect').click()
  const frame = page.frameLocator(FRAME)
  await waitForScreen(frame, 'permission')
  await frame.locator('#banner-dismiss').click()
  await logIn(frame, { picker: false })
  await waitForScreen(frame, 'success')
  await shoot(page, 'open-portal-modal')
} finally {
  await browser.close()
  await origins.close()
  await sandbox.close()
}
console.log(`screenshots:\n  ${made.join('\n  ')}`)
