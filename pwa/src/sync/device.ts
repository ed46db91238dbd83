// What the app reports about itself when it registers (DESIGN §5 step 8).

/** platform is the OS the browser reports. */
export function platform(): string {
  if (typeof navigator === 'undefined') return ''
  return navigator.userAgentData?.platform || navigator.platform || ''
}

/** installed is true when the app runs from the home screen (standalone). */
export function installed(): boolean {
  if (typeof window === 'undefined') return false
  return Boolean(window.matchMedia?.('(display-mode: standalone)').matches || navigator.standalone)
}

/** appVersion is the version of this build. */
export const appVersion: string = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev'

/** online is the browser's own idea of the network; a failed request is the other half. */
export function online(): boolean {
  return typeof navigator === 'undefined' ? true : navigator.onLine !== false
}
