// A typed tour of the whole public API of `brokerlink` (checked by `tsc --strict`; run it with
// any TypeScript runner: it talks to an in-process Sandbox only).
import {
  __napiBindingTarget,
  type Account,
  type Broker,
  BrokerlinkError,
  type BrokerlinkErrorFields,
  Client,
  type CompletePortalRequest,
  type Connection,
  type ConnectionStatus,
  type ConnectionType,
  type Environment,
  type ErrorKind,
  type Fault,
  type FaultOptions,
  type FinaticOptions,
  type Money,
  parsePortalResult,
  type Permission,
  type PortalLink,
  type PortalMode,
  type PortalOptions,
  type PortalResult,
  type ProviderKind,
  type RetryPolicy,
  Sandbox,
  type SandboxConnection,
  type SandboxOptions,
  type SandboxState,
  type Session,
  type SessionStatus,
  type SnapTradeOptions,
  type UserCredentials,
  type WaitOptions,
  type NewWebhookRequest,
  type SandboxDelivery,
  type SandboxWebhook,
  signWebhook,
  verifyWebhook,
  type WebhookOptions,
  type WebhookEvent,
  type WebhookEventKind,
  type WebhookInvalidReason,
  type WebhookSigner,
} from 'brokerlink'

function describeResult(result: PortalResult): string {
  switch (result.type) {
    case 'success':
      return `connected ${result.connectionId ?? '?'} for ${result.userId ?? '?'}`
    case 'error':
      return `error ${result.code} (${result.statusCode ?? '-'}): ${result.message ?? ''}`
    case 'closed':
    case 'abandoned':
      return result.type
    case 'resize':
      return `resize to ${result.height}px`
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof BrokerlinkError)) throw error
  const kind: ErrorKind = error.code
  const fields: BrokerlinkErrorFields = {
    code: kind,
    field: error.field,
    status: error.status,
    requestId: error.requestId,
    retryAfterMs: error.retryAfterMs,
    attempts: error.attempts,
    providerCode: error.providerCode,
    providerCategory: error.providerCategory,
    reason: error.reason,
  }
  return `${error.name} ${JSON.stringify(fields)}`
}

function describeConnection(c: Connection): string {
  const broker: Broker = c.broker
  const status: ConnectionStatus = c.status
  const permission: Permission = c.permission
  const since: Date | null = c.createdAt
  return `${c.id} ${broker.slug} ${broker.displayName ?? broker.name} ${status} (${c.rawStatus}) ${permission} ${since?.toISOString()} ${c.updatedAt} ${c.disabledAt} ${c.name} ${broker.allowsTrading}`
}

function describeAccount(a: Account): string {
  const money: Money | null = a.balance
  return `${a.id} ${a.connectionId} ${a.name} ${a.number} ${a.institutionName} ${money?.amount} ${money?.currency} ${a.isPaper} ${a.rawStatus} ${a.createdAt} ${a.synced}`
}

async function main(): Promise<void> {
  const sandboxOptions: SandboxOptions = { pendingActivationMs: 500, expiringAfterMs: 10_000, portalLinkLifetimeMs: 300_000, rateLimitPerMinute: 0 }
  const sandbox: Sandbox = await Sandbox.start(sandboxOptions)
  console.log(__napiBindingTarget, sandbox.url, sandbox.clientId, sandbox.consumerKey.length, sandbox.apiKey.length)

  const retry: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 500, maxRetryAfterMs: 2000 }
  const snaptradeOptions: SnapTradeOptions = {
    clientId: sandbox.clientId,
    consumerKey: sandbox.consumerKey,
    baseUrl: sandbox.url,
    timeoutMs: 10_000,
    retry,
    userAgent: 'usage-example',
  }
  const client = Client.snaptrade(snaptradeOptions)
  const provider: ProviderKind = client.provider

  const user: UserCredentials = await client.registerUser('usage-user')
  const users: string[] = await client.listUsers()
  const rotated: UserCredentials = await client.rotateUserSecret(user)
  const connectionType: ConnectionType = 'read'
  const mode: PortalMode = 'light'
  const options: PortalOptions = {
    broker: 'ALPACA',
    connectionType,
    mode,
    locale: 'en',
    redirectUrl: 'https://app.example/connected',
    immediateRedirect: false,
    showCloseButton: true,
    portalVersion: 'v4',
  }
  const link: PortalLink = await client.portalUrl(rotated, options)
  const request: CompletePortalRequest = { url: link.url, username: 'user_mfa', password: 'pass_good', mfaCode: '123456', broker: 'ALPACA', connectionType }
  console.log(provider, users, link.sessionId, link.expiresAt.toISOString(), describeResult(sandbox.completePortal(request)))

  const wait: WaitOptions = { timeoutMs: 5000, pollIntervalMs: 100, maxPollIntervalMs: 500, since: new Date(Date.now() - 60_000) }
  const connection = await client.waitForConnection(rotated, wait)
  console.log(describeConnection(connection))
  console.log((await client.connections(rotated)).map(describeConnection))
  console.log(describeConnection(await client.connection(rotated, connection.id)))
  const accounts = await client.accounts(rotated)
  console.log(accounts.map(describeAccount), describeAccount(await client.account(rotated, accounts[0]!.id)))
  console.log((await client.connectionAccounts(rotated, connection.id)).length)
  await client.refreshConnection(rotated, connection.id)
  await client.disableConnection(rotated, connection.id)
  const repair = await client.portalUrl(rotated, { reconnect: connection.id })
  sandbox.completePortal({ url: repair.url, username: 'user_mfa', password: 'pass_good', mfaCode: '123456' })
  const repaired = await client.waitForConnection(rotated, { connectionId: connection.id, timeoutMs: 5000 })
  console.log(describeConnection(repaired))

  const fault: Fault = { status: 503, retry_after: 1 }
  const faultOptions: FaultOptions = { method: 'GET', pathPrefix: '/accounts', count: 1 }
  const faultId: string = sandbox.injectFault(fault, faultOptions)
  sandbox.injectFault({ delay_ms: 10 })
  console.log(faultId, sandbox.armedFaults())
  sandbox.clearFaults()
  const changed: SandboxConnection = sandbox.changeConnection(connection.id, 'expire')
  const state: SandboxState = sandbox.state()
  console.log(changed.status, state.users, state.sessions, state.connections, state.accounts, state.faults, state.requestsServed)
  await client.removeConnection(rotated, connection.id)
  await client.deleteUser(rotated)

  try {
    await client.registerUser('')
  } catch (error) {
    console.log(describeError(error))
  }

  const environment: Environment = 'sandbox'
  const finaticOptions: FinaticOptions = { apiKey: sandbox.apiKey, baseUrl: sandbox.url, environment, timeoutMs: 10_000, retry, userAgent: 'usage-example' }
  const finatic = Client.finatic(finaticOptions)
  const session: Session = await finatic.startSession()
  const sessionStatus: SessionStatus = session.status
  const finaticLink = await finatic.sessionPortalUrl(session, {
    brokers: ['alpaca'],
    email: 'ana@example.com',
    theme: { primary: '#123456' },
    brokerType: 'broker',
    capabilities: ['equity'],
    stages: ['production'],
  })
  sandbox.completePortal({ url: finaticLink.url, username: 'user_good', password: 'pass_good' })
  const finaticUser = await finatic.sessionUser(session)
  const later: Session = await finatic.startSession(finaticUser.userId)
  console.log(sessionStatus, session.companyId, session.expiresAt, session.userId, later.userId, finaticUser.userSecret)

  console.log(describeResult(parsePortalResult('https://app.example/connected?status=SUCCESS&connection_id=abc')))
  console.log(new BrokerlinkError('internal: example', { code: 'internal' }).code)

  const hook: NewWebhookRequest = { url: 'http://127.0.0.1:9/hooks', provider: 'snaptrade', eventTypes: ['CONNECTION_ADDED'] }
  const endpoint: SandboxWebhook = sandbox.addWebhook(hook)
  const deliveries: SandboxDelivery[] = sandbox.webhookDeliveries()
  const rotatedSecret: string = sandbox.rotateWebhookSecret(endpoint.id, 60_000)
  console.log(endpoint.id, deliveries.length, rotatedSecret.startsWith('whsec_'), sandbox.removeWebhook(endpoint.id))
  try {
    sandbox.replayDelivery('no-such-delivery')
  } catch (error) {
    console.log(describeError(error))
  }

  const payload = JSON.stringify({ eventType: 'CONNECTION_ADDED', webhookId: 'evt-1', userId: 'usage-user' })
  const signer: WebhookSigner = { type: 'standard', secret: endpoint.secret, id: 'msg_1', timestamp: Math.floor(Date.now() / 1000) }
  const headers: Record<string, string> = signWebhook(payload, signer)
  const verifyOptions: WebhookOptions = { toleranceMs: 300_000, now: new Date() }
  const event: WebhookEvent = verifyWebhook(Buffer.from(payload), headers, [endpoint.secret], verifyOptions)
  const kind: WebhookEventKind = event.kind
  console.log(event.id, event.provider, kind, event.eventType, event.userId, event.connectionId, event.accountId, event.broker, event.result, event.occurredAt, event.raw)
  try {
    verifyWebhook(payload, headers, ['whsec_d3Jvbmc='])
  } catch (error) {
    if (error instanceof BrokerlinkError && error.code === 'webhook_invalid') {
      const reason: WebhookInvalidReason | null = error.reason
      console.log(reason)
    }
  }

  sandbox.reset()
  await sandbox.close()
}

await main()
