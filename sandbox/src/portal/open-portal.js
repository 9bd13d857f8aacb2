// brokerlink/portal: shows a connection portal link (SnapTrade or Finatic) in a modal iframe or a
// popup and hands the app typed results. A browser ES module with no dependencies; the same file
// is served by the brokerlink sandbox at /portal/assets/open-portal.js.
//
//   import { openPortal } from 'brokerlink/portal'
//   const portal = openPortal(link.url, {
//     onSuccess: (r) => save(r.connectionId ?? r.userId),
//     onError: (r) => show(r.code, r.message),
//     onClose: () => refresh(),
//   })
//
// The results are those of the core's parse_portal_result (the Node package's PortalResult):
// parsePortalResult below follows the same rules, and a shared fixture
// (tests/conformance/portal-messages.json) holds both to the same answers.

/* ---------------------------------------------------------------- results */

/** Thrown by parsePortalResult for input that is no portal result (kind `invalid_input`). */
export class PortalResultError extends Error {
  constructor(detail) {
    super(`invalid_input: input: ${detail}`)
    this.name = 'PortalResultError'
    this.code = 'invalid_input'
    this.field = 'input'
  }
}

const invalid = (detail) => new PortalResultError(detail)

// Rust's str::trim: the Unicode White_Space characters (NEL included, BOM not).
const WHITESPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const TRIM = new RegExp(`^[${WHITESPACE}]+|[${WHITESPACE}]+$`, 'g')
const trim = (s) => s.replace(TRIM, '')

// What a string becomes on its way into Rust: lone surrogates turn into U+FFFD.
const wellFormed = (s) =>
  s.replace(/[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]/g, (m) => (m.length === 2 ? m : '\ufffd'))

const nonEmpty = (s) => {
  const t = trim(s)
  return t === '' ? null : t
}

// Only ASCII letters change case, as with Rust's to_ascii_uppercase.
const asciiUpper = (s) => s.replace(/[a-z]+/g, (m) => m.toUpperCase())

const success = (connectionId, userId) => ({ type: 'success', connectionId, userId })
const failure = (code, message, statusCode) => ({ type: 'error', code, message, statusCode })

/**
 * What the portal reported, from a redirect URL (or its query), a window message (a string, or
 * an object as posted), or a legacy message string. Throws PortalResultError otherwise.
 */
export function parsePortalResult(input) {
  let source = input
  if (typeof source !== 'string') {
    try {
      source = JSON.stringify(input)
    } catch {
      source = undefined
    }
    if (typeof source !== 'string') throw invalid('is not a portal message')
  }
  source = trim(wellFormed(source))
  if (source === '') throw invalid('is empty')
  if (source[0] === '{' || source[0] === '"') return messageResult(parseJson(source))
  const plain = plainMessage(source)
  if (plain) return plain
  const query = queryPart(source)
  if (query !== null) return redirectResult(query)
  throw invalid('is neither a portal redirect URL nor a portal message')
}

function queryPart(source) {
  const mark = source.indexOf('?')
  if (mark >= 0) return source.slice(mark + 1).split('#')[0]
  return source.includes('status=') ? source.replace(/^#+/, '') : null
}

const ENCODER = new TextEncoder()
const DECODER = new TextDecoder('utf-8', { ignoreBOM: true })
const HEX = /^[0-9a-fA-F]{2}$/

// application/x-www-form-urlencoded: + is a space, %XX a byte, bad UTF-8 becomes U+FFFD.
function formDecode(s) {
  const bytes = ENCODER.encode(s.replace(/\+/g, ' '))
  const out = new Uint8Array(bytes.length)
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes[i] === 0x25 && i + 2 < bytes.length ? String.fromCharCode(bytes[i + 1], bytes[i + 2]) : ''
    if (HEX.test(hex)) {
      out[n++] = parseInt(hex, 16)
      i += 2
    } else {
      out[n++] = bytes[i]
    }
  }
  return DECODER.decode(out.subarray(0, n))
}

function redirectResult(query) {
  // A repeated name keeps its last value.
  const params = new Map()
  for (const pair of query.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    params.set(formDecode(eq < 0 ? pair : pair.slice(0, eq)), formDecode(eq < 0 ? '' : pair.slice(eq + 1)))
  }
  if (!params.has('status')) throw invalid('redirect has no status parameter')
  const status = asciiUpper(params.get('status'))
  switch (status) {
    case 'SUCCESS':
      return success(text(params, ['connection_id', 'authorizationId']), text(params, ['user_id', 'userId']))
    case 'ERROR':
      return errorResult(params, ['error_code', 'errorCode'], ['status_code', 'statusCode'])
    case 'ABANDONED':
      return { type: 'abandoned' }
    case 'CLOSED':
    case 'CLOSE_MODAL':
      return { type: 'closed' }
    default:
      throw invalid(`unknown portal status ${JSON.stringify(status)}`)
  }
}

function messageResult(value) {
  if (typeof value === 'string') {
    const plain = plainMessage(trim(value))
    if (!plain) throw invalid(`unknown portal message ${JSON.stringify(value)}`)
    return plain
  }
  if (!(value instanceof Map)) throw invalid('message must be a JSON object or string')
  if (value.has('type')) return finaticResult(value)
  const status = value.get('status')
  if (typeof status !== 'string') throw invalid('message has neither status nor type')
  const upper = asciiUpper(status)
  if (upper === 'SUCCESS') {
    return success(
      text(value, ['authorizationId', 'connection_id', 'connectionId']),
      text(value, ['userId', 'user_id']),
    )
  }
  if (upper === 'ERROR') return errorResult(value, ['errorCode', 'error_code'], ['statusCode', 'status_code'])
  const plain = plainMessage(upper)
  if (!plain) throw invalid(`unknown portal status ${JSON.stringify(upper)}`)
  return plain
}

// SnapTrade's plain strings, current (CLOSED) and legacy (SUCCESS:<id>, ERROR:<code>).
function plainMessage(message) {
  if (message === 'CLOSED' || message === 'CLOSE_MODAL' || message === 'CLOSE') return { type: 'closed' }
  if (message === 'ABANDONED') return { type: 'abandoned' }
  if (message.startsWith('SUCCESS:')) return success(nonEmpty(message.slice(8)), null)
  if (message.startsWith('ERROR:')) return failure(trim(message.slice(6)), null, null)
  return null
}

// Finatic's {type: 'portal-…'}, with the payload at the top level or under `data`.
function finaticResult(map) {
  const kind = typeof map.get('type') === 'string' ? map.get('type') : ''
  const data = map.get('data') instanceof Map ? map.get('data') : null
  const field = (keys) => text(map, keys) ?? (data && text(data, keys))
  switch (kind) {
    case 'portal-success':
      return success(field(['connectionId', 'connection_id']), field(['userId', 'user_id']))
    case 'portal-error': {
      const message = field(['error', 'message'])
      return failure(field(['code', 'errorCode']) ?? 'portal_error', message, null)
    }
    case 'portal-close':
      return { type: 'closed' }
    case 'portal-resize': {
      const raw = map.has('height') ? map.get('height') : data && data.has('height') ? data.get('height') : undefined
      const height = raw === undefined ? null : u32(raw)
      if (height === null) throw invalid('portal-resize needs a numeric height')
      return { type: 'resize', height }
    }
    default:
      throw invalid(`unknown portal message type ${JSON.stringify(kind)}`)
  }
}

function errorResult(map, codeKeys, statusKeys) {
  const statusKey = statusKeys.find((k) => map.has(k))
  const status = statusKey === undefined ? null : u32(map.get(statusKey))
  return failure(
    text(map, codeKeys) ?? 'UNKNOWN',
    text(map, ['detail', 'message']),
    status !== null && status <= 0xffff ? status : null,
  )
}

/** The first of `keys` that holds text or a number, as text. */
function text(map, keys) {
  for (const key of keys) {
    if (!map.has(key)) continue
    const value = map.get(key)
    if (typeof value === 'string') {
      const t = nonEmpty(value)
      if (t !== null) return t
    } else if (value instanceof JsonNumber) {
      return value.toString()
    }
  }
  return null
}

/** A non-negative integer up to 2^32-1, from a JSON integer or decimal text (`+` allowed). */
function u32(value) {
  if (value instanceof JsonNumber) return value.kind === 'u64' && value.int <= 0xffffffffn ? Number(value.int) : null
  if (typeof value !== 'string') return null
  const digits = /^\+?([0-9]+)$/.exec(trim(value))
  if (!digits) return null
  const n = digits[1].replace(/^0+(?=.)/, '')
  return n.length <= 10 && Number(n) <= 0xffffffff ? Number(n) : null
}

/* ------------------------------------------------------------------- JSON */
// JSON as the core reads it: numbers keep whether they were integers (u64, i64) or floats,
// and print as the core prints them; at most 127 levels; strict escapes and surrogates.

const U64_MAX = 0xffffffffffffffffn
const I64_MIN = -0x8000000000000000n
const MAX_DEPTH = 127

class JsonNumber {
  constructor(kind, int, float) {
    this.kind = kind // 'u64' | 'i64' | 'f64'
    this.int = int
    this.float = float
  }

  toString() {
    return this.kind === 'f64' ? formatFloat(this.float) : this.int.toString()
  }
}

// Shortest round-trip digits (as Number#toString), laid out fixed for exponents -5..=15 with a
// `.0` on whole numbers, else as d.ddde±N.
function formatFloat(f) {
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0'
  const sign = f < 0 ? '-' : ''
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(f)))
  let digits = m[1] + (m[2] || '')
  let point = m[1].length + Number(m[3] || 0) // value = 0.digits × 10^point
  const lead = digits.match(/^0*/)[0].length
  digits = digits.slice(lead).replace(/0+$/, '')
  point -= lead
  const exp = point - 1
  const n = digits.length
  if (exp >= -5 && exp <= 15) {
    if (n - 1 <= exp) return `${sign}${digits}${'0'.repeat(exp - n + 1)}.0`
    if (exp >= 0) return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
  }
  const mantissa = n > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y
const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

function parseJson(source) {
  let i = 0
  const fail = (why) => {
    throw invalid(`is not valid JSON: ${why} at offset ${i}`)
  }
  const space = () => {
    while (i < source.length) {
      const c = source[i]
      if (c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') break
      i++
    }
  }
  const hex4 = () => {
    const digits = source.slice(i, i + 4)
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) fail('invalid escape')
    i += 4
    return parseInt(digits, 16)
  }
  const escape = () => {
    const c = source[i++]
    if (c !== 'u') return Object.prototype.hasOwnProperty.call(ESCAPES, c) ? ESCAPES[c] : fail('invalid escape')
    const first = hex4()
    if (first >= 0xdc00 && first <= 0xdfff) fail('lone leading surrogate in hex escape')
    if (first < 0xd800 || first > 0xdbff) return String.fromCharCode(first)
    if (source[i] !== '\\' || source[i + 1] !== 'u') fail('unexpected end of hex escape')
    i += 2
    const second = hex4()
    if (second < 0xdc00 || second > 0xdfff) fail('lone leading surrogate in hex escape')
    return String.fromCharCode(first, second)
  }
  const string = () => {
    i++
    let out = ''
    let start = i
    for (;;) {
      if (i >= source.length) fail('EOF while parsing a string')
      const c = source.charCodeAt(i)
      if (c === 0x22) {
        out += source.slice(start, i++)
        return out
      }
      if (c < 0x20) fail('control character in a string')
      if (c === 0x5c) {
        out += source.slice(start, i++)
        out += escape()
        start = i
      } else {
        i++
      }
    }
  }
  const number = () => {
    NUMBER.lastIndex = i
    const m = NUMBER.exec(source)
    if (!m) fail('invalid number')
    i += m[0].length
    if (!m[1] && !m[2]) {
      const int = BigInt(m[0])
      if (m[0][0] !== '-' && int <= U64_MAX) return new JsonNumber('u64', int, 0)
      if (int < 0n && int >= I64_MIN) return new JsonNumber('i64', int, 0)
      // -0 and integers beyond 64 bits are floats.
    }
    const float = Number(m[0])
    if (!Number.isFinite(float)) fail('number out of range')
    return new JsonNumber('f64', 0n, float)
  }
  const value = (depth) => {
    space()
    const c = source[i]
    if (c === '{' || c === '[') {
      if (depth + 1 > MAX_DEPTH) fail('recursion limit exceeded')
      return c === '{' ? object(depth + 1) : array(depth + 1)
    }
    if (c === '"') return string()
    if (c === '-' || (c >= '0' && c <= '9')) return number()
    for (const [word, literal] of [['true', true], ['false', false], ['null', null]]) {
      if (source.startsWith(word, i)) {
        i += word.length
        return literal
      }
    }
    return fail('expected value')
  }
  const object = (depth) => {
    i++
    const map = new Map() // a repeated key keeps its last value
    space()
    if (source[i] === '}') {
      i++
      return map
    }
    for (;;) {
      space()
      if (source[i] !== '"') fail('key must be a string')
      const key = string()
      space()
      if (source[i++] !== ':') fail('expected `:`')
      map.set(key, value(depth))
      space()
      const c = source[i++]
      if (c === '}') return map
      if (c !== ',') fail('expected `,` or `}`')
    }
  }
  const array = (depth) => {
    i++
    const items = []
    space()
    if (source[i] === ']') {
      i++
      return items
    }
    for (;;) {
      items.push(value(depth))
      space()
      const c = source[i++]
      if (c === ']') return items
      if (c !== ',') fail('expected `,` or `]`')
    }
  }
  const result = value(0)
  space()
  if (i < source.length) fail('trailing characters')
  return result
}

/* ------------------------------------------------------------- openPortal */

const FRAME_SANDBOX = 'allow-scripts allow-forms allow-same-origin allow-popups allow-popups-to-escape-sandbox'
const LABEL = 'Connect a brokerage account'

// SnapTrade links say darkMode=true|false; Finatic's say mode=light|dark.
function portalUrl(url, mode) {
  const base = typeof document !== 'undefined' ? document.baseURI : undefined
  const target = new URL(String(url), base)
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new TypeError('openPortal: the portal URL must be an http(s) URL')
  }
  if (mode === undefined || mode === null) return target
  if (mode !== 'light' && mode !== 'dark') throw new TypeError("openPortal: mode must be 'light' or 'dark'")
  const snaptrade = /snaptrade/i.test(target.pathname) || /(^|&)clientId=/.test(target.search.slice(1))
  const [name, value] = snaptrade ? ['darkMode', String(mode === 'dark')] : ['mode', mode]
  const kept = target.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && pair.split('=')[0] !== name)
  target.search = [...kept, `${name}=${value}`].join('&')
  return target
}

function css(element, styles) {
  for (const [property, value] of Object.entries(styles)) element.style.setProperty(property, value)
  return element
}

function prefersDark() {
  try {
    return window.matchMedia('(prefers-color-scheme: dark)').matches
  } catch {
    return false
  }
}

/**
 * Opens the portal at `url` (a SnapTrade or Finatic link) in a modal iframe, or in a popup with
 * `{ popup: true }`. Listens only to messages from the portal URL's origin and from the portal's
 * own window; callbacks receive parsePortalResult's results. `onClose` runs once when the user
 * closes the portal (its messages, the modal's close button, Escape, or the popup's window);
 * `handle.close()` removes everything without calling back.
 */
export function openPortal(url, options = {}) {
  if (typeof window === 'undefined' || typeof document === 'undefined') {
    throw new Error('openPortal needs a browser window')
  }
  const target = portalUrl(url, options.mode)
  const origin = target.origin
  const dark = options.mode === 'dark' || (options.mode !== 'light' && prefersDark())
  let closed = false
  let frame = null
  let overlay = null
  let popup = null
  let poll = 0
  let restore = () => {}

  const call = (callback, result) => {
    if (typeof callback !== 'function') return
    try {
      callback(result)
    } catch (error) {
      // An app's callback that throws must not stop the portal's bookkeeping.
      setTimeout(() => {
        throw error
      })
    }
  }

  const teardown = () => {
    if (closed) return
    closed = true
    window.removeEventListener('message', onMessage)
    document.removeEventListener('keydown', onKey, true)
    clearInterval(poll)
    if (overlay) overlay.remove()
    if (popup && !popup.closed) popup.close()
    restore()
  }

  const deliver = (result) => {
    if (closed) return
    call(options.onEvent, result)
    if (result.type === 'success') call(options.onSuccess, result)
    else if (result.type === 'error') call(options.onError, result)
    else if (result.type === 'resize') {
      if (frame) frame.style.setProperty('height', `${result.height}px`)
    } else {
      teardown()
      call(options.onClose, result)
    }
  }

  // The portal's window, or a frame inside it; for a popup, that window only.
  const fromPortal = (source) => {
    if (popup) return source === popup
    const portal = frame && frame.contentWindow
    for (let w = source, hops = 0; w && portal && hops < 8; hops++) {
      if (w === portal) return true
      if (w === w.parent) break
      w = w.parent
    }
    return false
  }

  function onMessage(event) {
    if (closed || event.origin !== origin || !fromPortal(event.source)) return
    let result
    try {
      result = parsePortalResult(event.data)
    } catch {
      return // not a portal message
    }
    deliver(result)
  }

  function onKey(event) {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault()
      deliver({ type: 'closed' })
    }
  }

  if (options.popup) {
    const width = 480
    const height = 760
    const left = Math.max(0, Math.round(window.screenX + (window.outerWidth - width) / 2))
    const top = Math.max(0, Math.round(window.screenY + (window.outerHeight - height) / 2))
    popup = window.open(target.href, '_blank', `popup=yes,width=${width},height=${height},left=${left},top=${top}`)
    if (!popup) throw new Error('openPortal: the browser blocked the popup; call openPortal from a click handler')
    poll = setInterval(() => {
      if (popup.closed) deliver({ type: 'closed' })
    }, 400)
    window.addEventListener('message', onMessage)
    return handle()
  }

  const narrow = window.innerWidth < 520
  overlay = css(document.createElement('div'), {
    position: 'fixed',
    inset: '0',
    'z-index': '2147483000',
    display: 'flex',
    'align-items': narrow ? 'stretch' : 'center',
    'justify-content': 'center',
    'box-sizing': 'border-box',
    padding: narrow ? '56px 0 0' : '56px 16px 24px',
    background: 'rgba(10, 13, 20, 0.62)',
    'overflow-y': 'auto',
    'overscroll-behavior': 'contain',
  })
  overlay.setAttribute('data-brokerlink-portal', '')
  const dialog = css(document.createElement('div'), {
    position: 'relative',
    width: '100%',
    'max-width': narrow ? 'none' : '460px',
    margin: narrow ? '0' : 'auto',
    background: dark ? '#161a22' : '#ffffff', // the portal card's, until it paints
    'border-radius': narrow ? '16px 16px 0 0' : '16px',
    overflow: 'hidden',
    'box-shadow': '0 24px 64px -12px rgba(0, 0, 0, 0.45)',
  })
  dialog.setAttribute('role', 'dialog')
  dialog.setAttribute('aria-modal', 'true')
  dialog.setAttribute('aria-label', LABEL)
  frame = css(document.createElement('iframe'), {
    display: 'block',
    width: '100%',
    height: narrow ? 'calc(100vh - 56px)' : 'min(720px, calc(100vh - 80px))',
    border: '0',
    background: 'transparent',
  })
  frame.title = LABEL
  frame.src = target.href
  frame.referrerPolicy = 'strict-origin-when-cross-origin' // the portal answers to our origin
  frame.setAttribute('sandbox', FRAME_SANDBOX)
  frame.setAttribute('allow', 'clipboard-write')
  const closeButton = css(document.createElement('button'), {
    position: 'fixed',
    top: '10px',
    right: '12px',
    width: '40px',
    height: '40px',
    padding: '0',
    margin: '0',
    border: '0',
    'border-radius': '50%',
    background: 'rgba(255, 255, 255, 0.16)',
    color: '#ffffff',
    font: '400 26px/40px system-ui, sans-serif',
    cursor: 'pointer',
  })
  closeButton.type = 'button'
  closeButton.textContent = '\u00d7'
  closeButton.setAttribute('aria-label', 'Close')
  closeButton.addEventListener('click', () => deliver({ type: 'closed' }))
  // Tab and Shift+Tab stay inside: a sentinel on each side sends focus round again.
  const sentinel = (next) => {
    const s = document.createElement('span')
    s.tabIndex = 0
    s.addEventListener('focus', () => next().focus())
    return s
  }
  dialog.append(frame)
  overlay.append(sentinel(() => frame), closeButton, dialog, sentinel(() => closeButton))

  const previous = document.activeElement
  const root = document.documentElement
  const overflow = root.style.getPropertyValue('overflow')
  restore = () => {
    if (overflow) root.style.setProperty('overflow', overflow)
    else root.style.removeProperty('overflow')
    if (previous && typeof previous.focus === 'function' && previous.isConnected) previous.focus()
  }
  root.style.setProperty('overflow', 'hidden')
  window.addEventListener('message', onMessage)
  document.addEventListener('keydown', onKey, true)
  document.body.append(overlay)
  frame.focus()
  return handle()

  function handle() {
    return {
      close: teardown,
      get closed() {
        return closed
      },
      get frame() {
        return frame
      },
      get window() {
        return popup || (frame && frame.contentWindow) || null
      },
    }
  }
}
