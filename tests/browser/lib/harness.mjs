// What every browser test needs: an in-process sandbox (the Node package), host pages served on
// other origins, and Debian's Chromium driven by playwright-core. Every wait is bounded.
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(here, '../../..')
const require = createRequire(import.meta.url)
const { chromium } = require('playwright-core')
/** The npm package `brokerlink`, from bindings-node/ (its addon built by bindings-node/build.sh). */
export const brokerlink = require(path.join(ROOT, 'bindings-node/index.js'))
export const { Client, Sandbox, parsePortalResult } = brokerlink

export const FIXTURE = JSON.parse(readFileSync(path.join(ROOT, 'tests/conformance/portal-messages.json'), 'utf8'))
export const CHROMIUM = process.env.BROKERLINK_CHROMIUM ?? '/usr/bin/chromium'
// Headless, and quiet: this machine's network is closed, so no background connections.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
/** The longest any single wait may take. */
export const WAIT = 10_000
export const FRAME = 'iframe[title="Connect a brokerage account"]'

/**
 * Chromium with a fresh profile: playwright-core's launch() gives every browser a new,
 * empty --user-data-dir of its own (and removes it on close).
 */
export async function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 })
}

/** A page with bounded waits that fails its test on any script error. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options })
  context.setDefaultTimeout(WAIT)
  context.setDefaultNavigationTimeout(15_000)
  const page = await context.newPage()
  page.errors = []
  page.on('pageerror', (error) => page.errors.push(error.message))
  page.on('popup', (popup) => popup.on('pageerror', (error) => page.errors.push(`popup: ${error.message}`)))
  return page
}

export async function startSandbox(options = {}) {
  return Sandbox.start({ rateLimitPerMinute: 0, pendingActivationMs: 300, ...options })
}

export function snaptradeClient(sandbox) {
  return Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
}

export function finaticClient(sandbox) {
  return Client.finatic({ apiKey: sandbox.apiKey, baseUrl: sandbox.url })
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json', '.css': 'text/css', '.map': 'application/json' }

/** Serves tests/browser/pages/ (any path under /landing is landing.html) and /node_modules/. */
function handler(request, response) {
  const url = new URL(request.url, 'http://localhost')
  let file = null
  if (url.pathname.startsWith('/landing')) file = path.join(here, '../pages/landing.html')
  else if (url.pathname.startsWith('/node_modules/')) file = path.join(here, '..', path.normalize(url.pathname))
  else file = path.join(here, '../pages', path.normalize(url.pathname))
  const inside = file.startsWith(path.join(here, '..') + path.sep)
  let ok = false
  try {
    ok = inside && statSync(file).isFile()
  } catch {
    ok = false
  }
  if (!ok) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
    return
  }
  response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
  createReadStream(file).pipe(response)
}

async function listen() {
  const server = createServer(handler)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${server.address().port}` }
}

/**
 * Two static servers on ports of their own, so two origins apart from the sandbox's: `host`
 * (the app's pages) and `foreign` (a third party's).
 */
export async function startOrigins() {
  const host = await listen()
  const foreign = await listen()
  return {
    host: host.url,
    foreign: foreign.url,
    close: () =>
      Promise.all([host, foreign].map(({ server }) => new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }))),
  }
}

/** The host page, loading openPortal from the sandbox (a cross-origin module script). */
export async function openHost(page, { host, sandbox, portal = '', options = {}, frame = null }) {
  const query = new URLSearchParams({ module: `${sandbox.url}/portal/assets/open-portal.js`, portal, options: JSON.stringify(options) })
  if (frame) query.set('frame', frame)
  await page.goto(`${host}/host.html?${query}`)
  await page.waitForFunction(() => window.hostReady || window.hostError)
  const error = await page.evaluate(() => window.hostError)
  if (error) throw new Error(`host page: ${error}`)
}

/** Waits for the host page to have recorded a callback of `kind`; returns its result. */
export async function callback(page, kind, timeout = WAIT) {
  await page.waitForFunction((k) => window.events.some((e) => e.kind === k), kind, { timeout })
  return page.evaluate((k) => window.events.find((e) => e.kind === k).result, kind)
}

export async function events(page, kind) {
  return page.evaluate((k) => window.events.filter((e) => !k || e.kind === k).map((e) => e.result), kind)
}

/** Clicks through the portal (a page or a frame locator) as a person would, up to the login's submit. */
export async function logIn(portal, { broker = 'ALPACA', username = 'user_good', password = 'pass_good', picker = true } = {}) {
  if (picker) await portal.locator(`[data-broker="${broker}"]`).click()
  await portal.locator('#allow').click()
  await portal.locator('#username').fill(username)
  await portal.locator('#password').fill(password)
  await portal.locator('#submit-login').click()
}

/** The portal page's current screen (`brokers`, `login`, `success`, `error-expired`, ...). */
export async function screenOf(portal) {
  return portal.locator('main#screen').getAttribute('data-screen')
}

export async function waitForScreen(portal, name) {
  await portal.locator(`main#screen[data-screen="${name}"]`).waitFor({ timeout: WAIT })
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
