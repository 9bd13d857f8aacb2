// Account data in JavaScript: amounts as exact decimal strings, dates as `YYYY-MM-DD`, pages by
// `for await`, bad queries refused before any request (synchronously where the call is).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ActivityPages, BrokerlinkError, Client, Sandbox } from 'brokerlink'

let sandbox
let client
before(async () => {
  sandbox = await Sandbox.start({ rateLimitPerMinute: 0, historyActivities: 1234 })
  client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
})
after(() => sandbox.close())

const DECIMAL = /^-?\d+(\.\d+)?$/

async function accountsOf(userId, username = 'user_good') {
  const user = await client.registerUser(userId)
  const link = await client.portalUrl(user)
  assert.equal(sandbox.completePortal({ url: link.url, username, password: 'pass_good' }).type, 'success')
  await client.waitForConnection(user, { timeoutMs: 10_000, pollIntervalMs: 50 })
  return { user, accounts: await client.accounts(user) }
}

describe('account data', () => {
  test('positions, balances and orders are exact strings and real enums', async () => {
    const { user, accounts } = await accountsOf('node-data-1')
    const account = accounts[0]
    assert.equal(account.sync?.holdingsReady, true)
    const positions = await client.positions(user, account.id)
    const kinds = new Set(positions.map((p) => p.instrument.kind))
    for (const kind of ['equity', 'etf', 'option', 'crypto']) assert.ok(kinds.has(kind), kind)
    for (const p of positions) {
      assert.match(p.quantity, DECIMAL)
      if (p.marketValue !== null) assert.match(p.marketValue, DECIMAL)
    }
    const option = positions.find((p) => p.instrument.option !== null)
    assert.match(option.instrument.option.expiry, /^\d{4}-\d{2}-\d{2}$/)
    assert.equal(option.instrument.option.multiplier, '100')
    const [balance] = await client.balances(user, account.id)
    assert.match(balance.cash, DECIMAL)
    const orders = await client.orders(user, account.id)
    const working = await client.orders(user, account.id, { state: 'open', days: 90 })
    assert.ok(working.length > 0 && working.length < orders.length)
    const filled = orders.find((o) => o.status === 'filled')
    assert.deepEqual(await client.order(user, account.id, filled.id), filled)
    assert.ok(filled.placedAt instanceof Date)
    const history = await client.balanceHistory(user, account.id)
    assert.equal(history.points.at(-1).total, account.balance.amount)
  })

  test('a long history comes every page at once or page by page with for await', async () => {
    const { user, accounts } = await accountsOf('node-data-2', 'user_history')
    const [account] = accounts
    const all = await client.activities(user, account.id)
    assert.equal(all.length, 1234)
    const pages = client.activityPages(user, account.id, { pageSize: 500 })
    assert.ok(pages instanceof ActivityPages)
    const sizes = []
    const streamed = []
    for await (const page of pages) {
      sizes.push(page.length)
      streamed.push(...page)
    }
    assert.deepEqual(sizes, [500, 500, 234])
    assert.deepEqual(streamed, all)
    assert.equal(await pages.next(), null)
    const [start, end] = [all[600].tradeDate, all[100].tradeDate]
    const range = await client.activities(user, account.id, { start, end, pageSize: 77 })
    assert.deepEqual(
      range.map((a) => a.id),
      all.filter((a) => a.tradeDate >= start && a.tradeDate <= end).map((a) => a.id),
    )
  })

  test('a fixture loads exactly', async () => {
    const { user, accounts } = await accountsOf('node-data-3')
    const fixture = {
      positions: [{ symbol: 'ABC', units: '3', price: '10.123456789', cost: '9' }],
      activities: [{ id: 'x1', type: 'FEE', amount: '-0.005', currency: 'USD', trade_date: '2026-01-02' }],
    }
    assert.deepEqual(sandbox.loadPortfolio(user.userId, fixture, accounts[0].id), [accounts[0].id])
    const [position] = await client.positions(user, accounts[0].id)
    assert.equal(position.openPnl, '3.370370367')
    const [fee] = await client.activities(user, accounts[0].id)
    assert.deepEqual([fee.kind, fee.amount, fee.tradeDate], ['fee', '-0.005', '2026-01-02'])
    // Every field of the declared type is present, absent values as null (never undefined),
    // however the rows crossed from Rust.
    assert.deepEqual(Object.keys(fee).sort(), [
      'accountId', 'amount', 'currency', 'description', 'externalReferenceId', 'fee', 'id', 'instrument',
      'kind', 'price', 'quantity', 'rawType', 'settlementDate', 'tradeDate',
    ])
    assert.equal(fee.instrument, null)
    assert.equal(fee.externalReferenceId, null)
  })

  test('bad queries fail before any request', async () => {
    const { user, accounts } = await accountsOf('node-data-4', 'user_cash_only')
    const id = accounts[0].id
    const served = sandbox.state().requestsServed
    assert.throws(() => client.activityPages(user, id, { pageSize: 0 }), { code: 'invalid_input', field: 'page_size' })
    assert.throws(() => client.activityPages(user, id, { start: '01/02/2026' }), { code: 'invalid_input', field: 'start' })
    await assert.rejects(client.activities(user, id, { start: '2026-02-01', end: '2026-01-01' }), {
      code: 'invalid_input',
      field: 'start',
      attempts: 0,
    })
    await assert.rejects(client.orders(user, id, { state: 'done' }), { code: 'invalid_input', field: 'state' })
    await assert.rejects(client.orders(user, id, { days: 91 }), { code: 'invalid_input', field: 'days' })
    assert.equal(sandbox.state().requestsServed, served)
    await assert.rejects(client.positions(user, '00000000-0000-4000-8000-000000000000'), (e) => {
      return e instanceof BrokerlinkError && e.code === 'not_found'
    })
  })
})

describe('rate limits', () => {
  test('the account bucket is waited out, not run into', async () => {
    const limited = await Sandbox.start({ accountRateLimitPerMinute: 1, rateLimitWindowMs: 1000 })
    try {
      const c = Client.snaptrade({
        clientId: limited.clientId,
        consumerKey: limited.consumerKey,
        baseUrl: limited.url,
        retry: { maxRetryAfterMs: 5000 },
      })
      const user = await c.registerUser('node-bucket')
      const link = await c.portalUrl(user)
      assert.equal(limited.completePortal({ url: link.url, username: 'user_good', password: 'pass_good' }).type, 'success')
      const [account] = await c.accounts(user)
      for (let i = 0; i < 3; i++) assert.ok((await c.positions(user, account.id)).length > 0)
      assert.equal(limited.state().requestsThrottled, 0)
    } finally {
      limited.close()
    }
  })

  test('a window shorter than a second is refused, naming the option', async () => {
    await assert.rejects(Sandbox.start({ rateLimitWindowMs: 500 }), { code: 'invalid_input', field: 'rate_limit_window' })
  })
})
