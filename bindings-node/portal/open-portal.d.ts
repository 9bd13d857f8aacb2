// Types of `brokerlink/portal` (open-portal.js): a browser module, so these use the DOM's types.

/** What the portal reported, discriminated by `type`: the same shape as `PortalResult` of `brokerlink`. */
export type PortalResult =
  | PortalSuccess
  | PortalFailure
  | { type: 'closed' }
  | { type: 'abandoned' }
  | { type: 'resize'; height: number }

/** A connection was made: SnapTrade gives the connection id, Finatic the user id. */
export interface PortalSuccess {
  type: 'success'
  connectionId: string | null
  userId: string | null
}

/** The portal ended in an error; `code` is the provider's (e.g. SnapTrade's `1006`: the link expired). */
export interface PortalFailure {
  type: 'error'
  code: string
  message: string | null
  statusCode: number | null
}

/** How the portal went away: the user closed it, or left without finishing. */
export type PortalClosed = Extract<PortalResult, { type: 'closed' | 'abandoned' }>

export interface OpenPortalOptions {
  /** A connection was made. The portal stays open until the user closes it (or `close()`). */
  onSuccess?: (result: PortalSuccess) => void
  /** The portal reported an error; it stays open to show it. */
  onError?: (result: PortalFailure) => void
  /** The user closed the portal; listeners and the frame are already gone. Not called by `close()`. */
  onClose?: (result: PortalClosed) => void
  /** Every result, resizes included, before the callbacks above. */
  onEvent?: (result: PortalResult) => void
  /**
   * Light or dark portal (`mode=` on Finatic links, `darkMode=` on SnapTrade links); unset keeps
   * the link's own choice, or the system preference.
   */
  mode?: 'light' | 'dark'
  /** Open a popup window instead of a modal iframe; call `openPortal` from a click handler then. */
  popup?: boolean
}

export interface PortalHandle {
  /** Removes the frame (or closes the popup) and the listeners, without calling back. */
  close(): void
  readonly closed: boolean
  /** The modal's iframe; `null` for a popup. */
  readonly frame: HTMLIFrameElement | null
  /** The portal's window (the iframe's or the popup), while open. */
  readonly window: Window | null
}

/**
 * Opens a portal link (SnapTrade's `redirectURI` or Finatic's `portal_url`) in a modal iframe, or
 * a popup with `{ popup: true }`. Only messages from the link's origin, sent by the portal's own
 * window, are read. Throws `TypeError` for a URL that is not http(s).
 */
export declare function openPortal(url: string | URL, options?: OpenPortalOptions): PortalHandle

/**
 * What the portal reported, from a redirect URL (or its query), a window message (text, or an
 * object as posted, read as its JSON) or a legacy message string. The same rules and results as
 * `parsePortalResult` of `brokerlink` (the core's), in plain JavaScript.
 * @throws {PortalResultError} for anything else
 */
export declare function parsePortalResult(input: unknown): PortalResult

/** Input that is no portal result. */
export declare class PortalResultError extends Error {
  readonly name: 'PortalResultError'
  readonly code: 'invalid_input'
  readonly field: 'input'
}
