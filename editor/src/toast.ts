/** Short messages at the bottom of the screen ("Link copied"), announced to screen readers. */
import { h } from './dom.js';

let region: HTMLElement | null = null;

function toastRegion(): HTMLElement {
  if (!region || !region.isConnected) {
    region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  return region;
}

export function showToast(message: string, kind: 'info' | 'error' = 'info', ms = 4000): void {
  const toast = h('div', { class: `toast toast--${kind}`, role: kind === 'error' ? 'alert' : null }, message);
  toastRegion().append(toast);
  setTimeout(() => toast.remove(), ms);
}
