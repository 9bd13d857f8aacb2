// The Node contenders: brokerlink's npm package (release addon) and the official
// snaptrade-typescript-sdk. One run per process, one JSON line on stdout, the same format as the
// Rust and Python contenders (bench/src/lib.rs).
//
//   node node.mjs --users FILE --contender brokerlink-node|snaptrade-ts \
//     --mode latency|bulk|portal|positions|activities
//
// BENCH_BROKERLINK_NODE is the folder of the brokerlink package; BENCH_NODE_DIR the bench-only
// folder where the official SDK is installed (never a brokerlink dependency).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    users: { type: 'string' },
    contender: { type: 'string' },
    mode: { type: 'string' },
    calls: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '50' },
  },
})
const users = JSON.parse(readFileSync(args.users, 'utf8'))
const st = users.snaptrade
const history = users.history
const historyUser = { userId: history.user_id, userSecret: history.user_secret }
// SnapTrade's largest activities page, and the pages one read may take before it is endless.
const PAGE = 1000
const MAX_PAGES = 10_000
const MODES = ['latency', 'bulk', 'portal', 'positions', 'activities']

function brokerlinkNode() {
  const { Client } = createRequire(import.meta.url)(process.env.BENCH_BROKERLINK_NODE)
  const client = Client.snaptrade({ clientId: users.client_id, consumerKey: users.consumer_key, baseUrl: users.base_url })
  return async (i) => {
    const user = { userId: st[i].user_id, userSecret: st[i].user_secret }
    if (args.mode === 'portal') return (await client.portalUrl(user)).url ? 1 : 0
    if (args.mode === 'positions') return (await client.positions(user, st[i].account_id)).length
    if (args.mode === 'activities') return (await client.activities(historyUser, history.account_id)).length
    return (await client.connections(user)).length
  }
}

function snaptradeTs() {
  const require = createRequire(path.join(process.env.BENCH_NODE_DIR, 'package.json'))
  const { Snaptrade, SnaptradeAuth } = require('snaptrade-typescript-sdk')
  const auth = SnaptradeAuth.commercialApiKey({ consumerKey: users.consumer_key, clientId: users.client_id })
  const sdk = new Snaptrade({ auth, basePath: users.base_url })
  // Every page, as the SDK's users page: offset and limit until the total is reached.
  const activities = async () => {
    const rows = []
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data } = await sdk.accountInformation.getAccountActivities({
        ...historyUser,
        accountId: history.account_id,
        offset: rows.length,
        limit: PAGE,
      })
      rows.push(...data.data)
      if (data.data.length === 0 || rows.length >= data.pagination.total) return rows.length
    }
    throw new Error('activities never ended')
  }
  return async (i) => {
    const who = { userId: st[i].user_id, userSecret: st[i].user_secret }
    if (args.mode === 'portal') return (await sdk.authentication.loginSnapTradeUser(who)).data.redirectURI ? 1 : 0
    if (args.mode === 'positions') {
      return (await sdk.accountInformation.getAllAccountPositions({ ...who, accountId: st[i].account_id })).data.results.length
    }
    if (args.mode === 'activities') return activities()
    return (await sdk.connections.listBrokerageAuthorizations(who)).data.length
  }
}

/** `call(0..count)` from `concurrency` async workers, each taking the next index. */
async function drive(call, count, concurrency) {
  const outcome = { latencies_us: [], errors: 0, items: 0, first_error: null, seconds: 0, cpu_ms: 0 }
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      const sent = process.hrtime.bigint()
      try {
        const items = await call(index) // not `items += await …`: that reads `items` before awaiting
        outcome.items += items
      } catch (error) {
        outcome.errors += 1
        outcome.first_error ??= String(error?.message ?? error).slice(0, 500)
      }
      outcome.latencies_us.push(Number((process.hrtime.bigint() - sent) / 1000n))
    }
  }
  const [started, cpuBefore] = [process.hrtime.bigint(), process.cpuUsage()]
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker))
  outcome.seconds = Number(process.hrtime.bigint() - started) / 1e9
  const cpu = process.cpuUsage(cpuBefore) // CPU time of the whole process, all threads, in µs
  outcome.cpu_ms = (cpu.user + cpu.system) / 1000
  return outcome
}

const peakRssKib = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0)

const makers = { 'brokerlink-node': brokerlinkNode, 'snaptrade-ts': snaptradeTs }
if (!makers[args.contender] || !MODES.includes(args.mode)) {
  console.error(`usage: node.mjs --users FILE --contender brokerlink-node|snaptrade-ts --mode ${MODES.join('|')}`)
  process.exit(2)
}
const call = makers[args.contender]()
let outcome
if (args.mode === 'latency') {
  await drive(() => call(0), Number(args.warmup), 1)
  outcome = await drive(() => call(0), Number(args.calls), 1)
} else if (args.mode === 'activities') {
  await call(0)
  outcome = await drive(call, Number(args.calls), 1)
} else {
  await call(0)
  outcome = await drive(call, st.length, Number(args.concurrency))
}
console.log(JSON.stringify({ ...outcome, peak_rss_kib: peakRssKib() }))
