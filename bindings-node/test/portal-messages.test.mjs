// brokerlink/portal's parser (JavaScript, for browsers) against the core's parse_portal_result
// (the native binding): the shared fixture, then generated inputs that must get the same answer
// from both.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parsePortalResult as nativeParse } from 'brokerlink'
import { PortalResultError, openPortal, parsePortalResult } from 'brokerlink/portal'

const fixture = JSON.parse(readFileSync(new URL('../../tests/conformance/portal-messages.json', import.meta.url), 'utf8'))

/** A result, or `{error: kind}` when the parser threw. */
function outcome(parse, input) {
  try {
    return parse(input)
  } catch (error) {
    return { error: error.code }
  }
}

test('the fixture: core (native) and brokerlink/portal (JavaScript) give the expected results', () => {
  assert.ok(fixture.cases.length >= 100)
  for (const { kind, name, input, expect } of fixture.cases) {
    assert.deepEqual(outcome(nativeParse, input), expect, `native: ${kind} / ${name}`)
    assert.deepEqual(outcome(parsePortalResult, input), expect, `portal: ${kind} / ${name}`)
  }
})

test('a posted object is read as its JSON, as the core would read it', () => {
  for (const { input, post } of fixture.cases) {
    if (!post) continue
    const trimmed = input.trim()
    const posted = trimmed[0] === '{' || trimmed[0] === '"' ? JSON.parse(input) : input
    const expected = outcome(nativeParse, typeof posted === 'string' ? posted : JSON.stringify(posted))
    assert.deepEqual(outcome(parsePortalResult, posted), expected, input)
  }
  assert.deepEqual(parsePortalResult({ status: 'SUCCESS', authorizationId: 'abc', extra: [1, { a: null }] }), {
    type: 'success',
    connectionId: 'abc',
    userId: null,
  })
  for (const notAMessage of [undefined, () => 1, Symbol('x'), 10n]) {
    assert.throws(() => parsePortalResult(notAMessage), PortalResultError)
  }
  const cyclic = { status: 'CLOSED' }
  cyclic.self = cyclic
  assert.throws(() => parsePortalResult(cyclic), (e) => e instanceof PortalResultError && e.code === 'invalid_input')
})

test('errors look like the native ones: code invalid_input, field input', () => {
  const js = outcome(() => parsePortalResult('hello'), null)
  assert.equal(js.error, 'invalid_input')
  try {
    parsePortalResult('hello')
  } catch (error) {
    assert.ok(error instanceof Error && error instanceof PortalResultError)
    assert.equal(error.field, 'input')
    assert.match(error.message, /^invalid_input: input: /)
  }
})

test('openPortal refuses to run without a browser window', () => {
  assert.throws(() => openPortal('https://portal.example/?token=x'), /browser window/)
})

/* ------------------------------------------------------------------------------------------- */
// Generated inputs: a seeded generator of portal-ish text, biased towards the places where two
// implementations drift apart (number spelling, escapes, surrogates, percent-encoding, Unicode
// whitespace, case, nesting).

function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function generator(random) {
  const int = (n) => Math.floor(random() * n)
  const pick = (items) => items[int(items.length)]
  const chance = (p) => random() < p
  const repeat = (n, f) => Array.from({ length: n }, f).join('')

  const randomDouble = () => {
    const view = new DataView(new ArrayBuffer(8))
    view.setUint32(0, int(2 ** 32))
    view.setUint32(4, int(2 ** 32))
    const x = view.getFloat64(0)
    return Number.isFinite(x) ? x : 1.5
  }
  const niceDouble = () => pick([0, 1, 10, 0.1, 1e15, 1e16, 1e-5, 1e-6, 123.456, 2 ** 53, 2 ** 64, 400, 65535, 65536])
  const numberText = () => {
    const x = chance(0.5) ? randomDouble() : niceDouble() * (chance(0.3) ? -1 : 1)
    switch (int(8)) {
      case 0:
        return String(x)
      case 1:
        return x.toExponential()
      case 2:
        return x.toExponential(int(20)).replace('e', pick(['e', 'E']))
      case 3:
        return x.toPrecision(1 + int(21))
      case 4:
        return Number.isInteger(x) && Math.abs(x) < 1e21 ? `${x}.0` : String(x)
      case 5:
        return (chance(0.3) ? '-' : '') + String(1 + int(9)) + repeat(int(25), () => String(int(10)))
      case 6:
        return pick(['0', '-0', '-0.0', '0e5', '1e400', '-1e-400', '18446744073709551615', '18446744073709551616',
          '-9223372036854775808', '-9223372036854775809', '4294967295', '4294967296', '01', '1.', '.5', '+1', '1e',
          '-', '1E+2', '1e-7'])
      default:
        return String(int(70000))
    }
  }
  const escapes = ['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u00e9', '\\u0000', '\\ud83d\\ude00',
    '\\ud800', '\\udc00', '\\ud83d\\n', '\\ud83d\\u0041', '\\x41', '\\u12', '\\U0041']
  const chars = ['a', 'Z', ' ', '\t', '\u00a0', '\u0085', '\u2028', '\u3000', '\ufeff', '\u00e9', '\u017f', '\u0131',
    'ß', '\ud83d\ude00', '\ud800', '\udc00', '\u0001', '+', '%', '=', '&', '?', '#', ':', '"', "'", '{', '}']
  const words = ['SUCCESS', 'success', 'ERROR', 'error', 'CLOSED', 'closed', 'CLOSE_MODAL', 'CLOSE', 'ABANDONED',
    'SUCCESS:abc', 'ERROR:1006', 'portal-success', 'portal-error', 'portal-close', 'portal-resize', 'ſuccess', 'abc', '']
  const jsonString = () => {
    const parts = repeat(int(4), () => (chance(0.5) ? pick(words) : chance(0.5) ? pick(escapes) : pick(chars)))
    return `"${parts}"`
  }
  const keys = ['status', 'type', 'authorizationId', 'connection_id', 'connectionId', 'userId', 'user_id', 'errorCode',
    'error_code', 'statusCode', 'status_code', 'detail', 'message', 'error', 'code', 'height', 'data', 'x']
  const jsonValue = (depth) => {
    switch (depth > 2 ? int(4) : int(7)) {
      case 0:
      case 1:
        return jsonString()
      case 2:
        return numberText()
      case 3:
        return pick(['true', 'false', 'null'])
      case 4:
        return `[${Array.from({ length: int(3) }, () => jsonValue(depth + 1)).join(',')}]`
      default:
        return jsonObject(depth + 1)
    }
  }
  const jsonObject = (depth) => {
    const entries = Array.from({ length: int(4) }, () => {
      const key = chance(0.9) ? `"${pick(keys)}"` : jsonString()
      let value = jsonValue(depth)
      if (key === '"status"' && chance(0.7)) value = `"${pick(words)}"`
      if (key === '"type"' && chance(0.7)) value = `"${pick(words.filter((w) => w.startsWith('portal')))}"`
      return `${key}:${value}`
    })
    // Mostly message-shaped at the top: a status or a type first, a height for resizes.
    if (depth === 0 && chance(0.8)) {
      const type = pick(['portal-success', 'portal-error', 'portal-close', 'portal-resize', 'portal-resize', 'x'])
      const head = chance(0.5) ? [`"status":"${pick(words)}"`] : [`"type":"${type}"`]
      if (type === 'portal-resize' && chance(0.8)) head.push(`"height":${chance(0.7) ? int(5000) : numberText()}`)
      entries.unshift(...head)
    }
    if (entries.length === 0) entries.push(`"${pick(keys)}":${jsonValue(depth)}`)
    const ws = () => pick(['', '', ' ', '\n', '\t', '\r', '\u00a0'])
    return `{${ws()}${entries.join(`${ws()},${ws()}`)}${ws()}}`
  }
  const percent = () => `%${int(256).toString(16).padStart(2, '0').toUpperCase()}`
  const queryValue = () => repeat(int(5), () => (chance(0.4) ? percent() : chance(0.5) ? pick(chars) : pick(words)))
  const queryString = () => {
    const pairs = Array.from({ length: 1 + int(5) }, () => {
      const key = chance(0.85) ? pick(keys) : queryValue()
      const value = key === 'status' && chance(0.7) ? pick(words) : queryValue()
      return chance(0.1) ? key : `${key}=${value}`
    })
    return pairs.join(pick(['&', '&', '&&', ';']))
  }
  const deep = () => {
    const n = 120 + int(12)
    return `{"status":"CLOSED","x":${'['.repeat(n)}${']'.repeat(n)}}`
  }
  const mutate = (s) => {
    if (s.length === 0) return s
    const at = int(s.length)
    switch (int(3)) {
      case 0:
        return s.slice(0, at)
      case 1:
        return s.slice(0, at) + pick(chars) + s.slice(at)
      default:
        return s.slice(0, at) + s.slice(at + 1)
    }
  }
  const pad = () => pick(['', '', ' ', '\n', '\u0085', '\u2003', '\ufeff', '\u00a0 '])

  return () => {
    let input
    switch (int(9)) {
      case 0:
        input = `https://app.example/cb?${queryString()}${chance(0.2) ? '#frag' : ''}`
        break
      case 1:
        input = pick(['', '?', '#', '##', 'x?', 'a??']) + queryString()
        break
      case 2:
      case 3:
      case 4:
        input = jsonObject(0)
        break
      case 5:
        input = jsonString()
        break
      case 6:
        input = pick(words) + (chance(0.5) ? pick(chars) + pick(words) : '')
        break
      case 7:
        input = deep()
        break
      default:
        input = mutate(jsonObject(0))
    }
    return pad() + input + pad()
  }
}

test('generated inputs: brokerlink/portal and the core agree on every one', () => {
  const seed = Number(process.env.PORTAL_FUZZ_SEED ?? 20261123)
  const count = Number(process.env.PORTAL_FUZZ_CASES ?? 20000)
  const next = generator(rng(seed))
  const tally = {}
  for (let i = 0; i < count; i++) {
    const input = next()
    const native = outcome(nativeParse, input)
    const js = outcome(parsePortalResult, input)
    assert.deepEqual(js, native, `seed ${seed}, case ${i}: ${JSON.stringify(input)}`)
    const kind = native.type ?? native.error
    tally[kind] = (tally[kind] ?? 0) + 1
  }
  // The generator reaches every kind of result, not just errors.
  for (const kind of ['success', 'error', 'closed', 'abandoned', 'resize', 'invalid_input']) {
    assert.ok(tally[kind] > count / 200, `only ${tally[kind] ?? 0} ${kind} in ${JSON.stringify(tally)}`)
  }
})

test('numbers print as the core prints them, for random doubles', () => {
  const random = rng(7)
  const view = new DataView(new ArrayBuffer(8))
  for (let i = 0; i < 20000; i++) {
    view.setUint32(0, Math.floor(random() * 2 ** 32))
    view.setUint32(4, Math.floor(random() * 2 ** 32))
    const x = view.getFloat64(0)
    if (!Number.isFinite(x)) continue
    const spelled = i % 2 ? x.toExponential() : String(x)
    const input = `{"status":"ERROR","errorCode":${spelled}${Number.isInteger(x) && !/e/.test(spelled) ? '.0' : ''}}`
    assert.deepEqual(parsePortalResult(input), nativeParse(input), input)
  }
})
