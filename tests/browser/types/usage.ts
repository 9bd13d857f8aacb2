// Type-checks brokerlink/portal's declarations (bindings-node/portal/open-portal.d.ts) as a
// browser app would use them, and that its PortalResult is the Node package's PortalResult.
import type { PortalResult as NativePortalResult } from '../../../bindings-node/index.js'
import {
  type OpenPortalOptions,
  type PortalHandle,
  type PortalResult,
  PortalResultError,
  openPortal,
  parsePortalResult,
} from '../../../bindings-node/portal/open-portal.js'

// The same type, both ways.
const fromNative = (r: NativePortalResult): PortalResult => r
const toNative = (r: PortalResult): NativePortalResult => r

const options: OpenPortalOptions = {
  mode: 'dark',
  onSuccess: (r) => console.log(r.connectionId ?? r.userId),
  onError: (r) => console.log(r.code, r.message, r.statusCode),
  onClose: (r) => console.log(r.type === 'closed' || r.type === 'abandoned'),
  onEvent: (r) => {
    if (r.type === 'resize') console.log(r.height)
  },
}
const handle: PortalHandle = openPortal(new URL('https://portal.example/?token=t'), options)
const frame: HTMLIFrameElement | null = handle.frame
const win: Window | null = handle.window
if (!handle.closed) handle.close()
openPortal('https://portal.example/?token=t', { popup: true })

try {
  const result = parsePortalResult({ status: 'SUCCESS', authorizationId: 'abc' })
  if (result.type === 'success') console.log(result.connectionId)
} catch (error) {
  if (error instanceof PortalResultError) console.log(error.code satisfies 'invalid_input', error.field)
}
console.log(fromNative, toNative, frame, win)
