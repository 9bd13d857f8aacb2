// ES module entry: re-exports the CommonJS entry, so `BrokerlinkError` (and every class) is
// one and the same whether the package is imported or required.
import cjs from './index.js'

export const {
  BrokerlinkError,
  Client,
  ActivityPages,
  Sandbox,
  parsePortalResult,
  verifyWebhook,
  signWebhook,
  __napiBindingTarget,
} = cjs
export default cjs
