// The same package through `require` (CommonJS): one BrokerlinkError class for both.
import brokerlink = require('brokerlink')

export async function fromCommonJs(): Promise<brokerlink.ErrorKind | undefined> {
  const sandbox = await brokerlink.Sandbox.start()
  try {
    const client = brokerlink.Client.snaptrade({ clientId: sandbox.clientId, consumerKey: sandbox.consumerKey, baseUrl: sandbox.url })
    await client.registerUser('')
  } catch (error) {
    if (error instanceof brokerlink.BrokerlinkError) return error.code
  } finally {
    await sandbox.close()
  }
  return undefined
}
