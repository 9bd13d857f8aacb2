// The addon never keeps the process alive after the work is done, and works in worker_threads.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { test } from 'node:test'
import { Client, Sandbox } from 'brokerlink'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

/** Runs `source` as a CommonJS script in a fresh node; it must exit on its own. */
function runScript(source) {
  const started = Date.now()
  const child = spawnSync(process.execPath, ['-e', source], {
    cwd: packageDir,
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, RUST_BACKTRACE: '0' },
  })
  return { ...child, elapsed: Date.now() - started }
}

const script = (closeIt) => `
  const { Client, Sandbox } = require('brokerlink')
  ;(async () => {
    const sandbox = await Sandbox.start()
    const client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
    const user = await client.registerUser('exit-test')
    console.log(user.userId, (await client.listUsers()).length)
    ${closeIt ? 'await sandbox.close()' : '// the sandbox is never closed'}
  })()
`

test('a script that closes its sandbox exits on its own, at once', () => {
  const { status, signal, stdout, stderr, elapsed } = runScript(script(true))
  assert.equal(signal, null, `killed after ${elapsed} ms: ${stderr}`)
  assert.equal(status, 0, stderr)
  assert.equal(stdout.trim(), 'exit-test 1')
  assert.ok(elapsed < 5000, `took ${elapsed} ms`)
})

test('a script that forgets to close its sandbox still exits on its own', () => {
  const { status, signal, stdout, stderr, elapsed } = runScript(script(false))
  assert.equal(signal, null, `killed after ${elapsed} ms: ${stderr}`)
  assert.equal(status, 0, stderr)
  assert.equal(stdout.trim(), 'exit-test 1')
  assert.ok(elapsed < 5000, `took ${elapsed} ms`)
})

test('a pending call keeps the process alive until it settles', () => {
  const { status, stdout, stderr } = runScript(`
    const { Client, Sandbox } = require('brokerlink')
    Sandbox.start({ pendingActivationMs: 500 }).then(async (sandbox) => {
      const client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
      const user = await client.registerUser('waiter')
      const link = await client.portalUrl(user)
      sandbox.completePortal({ url: link.url, username: 'user_pending', password: 'pass_good' })
      // Nothing but the native Promise is pending here.
      client.waitForConnection(user, { timeoutMs: 5000, pollIntervalMs: 50 }).then((c) => console.log(c.status))
    })
  `)
  assert.equal(status, 0, stderr)
  assert.equal(stdout.trim(), 'active')
})

const workerSource = `
  const { parentPort, workerData } = require('node:worker_threads')
  const { Client, Sandbox } = require('brokerlink')
  ;(async () => {
    const sandbox = await Sandbox.start()
    const client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
    const user = await client.registerUser(workerData)
    const error = await client.registerUser(workerData).catch((e) => e)
    parentPort.postMessage({ users: await client.listUsers(), code: error.code, named: error.name, secret: typeof user.userSecret })
    if (workerData !== 'leaves-it-open') await sandbox.close()
  })()
`

function inWorker(name) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: name })
    let message
    worker.on('message', (m) => {
      message = m
    })
    worker.on('error', reject)
    worker.on('exit', (code) => (code === 0 ? resolve(message) : reject(new Error(`worker exited with ${code}`))))
  })
}

test('works inside worker_threads, several at once, and the main thread keeps working', async () => {
  const sandbox = await Sandbox.start()
  try {
    const results = await Promise.all(['w1', 'w2', 'leaves-it-open'].map(inWorker))
    for (const [i, name] of ['w1', 'w2', 'leaves-it-open'].entries()) {
      assert.deepEqual(results[i], { users: [name], code: 'conflict', named: 'BrokerlinkError', secret: 'string' })
    }
    const client = Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
    await client.registerUser('main-thread')
    assert.deepEqual(await client.listUsers(), ['main-thread'])
    // A worker terminated in the middle of a call does not disturb the others.
    const worker = new Worker(`${workerSource}`, { eval: true, workerData: 'terminated' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    await worker.terminate()
    assert.deepEqual(await client.listUsers(), ['main-thread'])
  } finally {
    await sandbox.close()
  }
})
