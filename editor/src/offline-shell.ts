/**
 * Registers the service worker (service-worker.ts) so the editor opens offline, and hands it
 * the assets this page loaded so they are cached too.
 */

export function enableOfflineShell(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).then(
    () => void reportLoadedAssets(),
    // Without it the app works as before, only not offline: nothing to tell the user.
    () => undefined,
  );
}

/** Called again after lazily loaded code arrives (the document page). */
export async function reportLoadedAssets(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.ready;
  const urls = performance
    .getEntriesByType('resource')
    .map((entry) => entry.name)
    .filter((name) => new URL(name).pathname.startsWith('/assets/'));
  registration.active?.postMessage({ type: 'cache-assets', urls });
}
