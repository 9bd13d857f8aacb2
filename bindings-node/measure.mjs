// Prints the addon's size and the median time of `require('brokerlink')` over 10 fresh
// processes (the time inside the process, from before `require` to after it).
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const addon = process.env.NAPI_RS_NATIVE_LIBRARY_PATH ?? `${dir}brokerlink.linux-x64-gnu.node`
const probe = `const t = process.hrtime.bigint(); require(${JSON.stringify(dir)}); console.log(Number(process.hrtime.bigint() - t) / 1e6)`
const times = Array.from({ length: 10 }, () => Number(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })))
times.sort((a, b) => a - b)
const median = (times[4] + times[5]) / 2
const mib = statSync(addon).size / 2 ** 20
console.log(`addon ${addon.slice(addon.lastIndexOf('/') + 1)}: ${mib.toFixed(1)} MiB; require('brokerlink'): median ${median.toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[9].toFixed(1)}) over 10 processes`)
