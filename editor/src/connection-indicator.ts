/**
 * The connection and save state in words: "Connecting…", "Live · Saving…",
 * "Live · All changes saved", "Offline · 3 changes waiting". Screen readers hear connection changes only (a live region
 * announcing "Saving…" on every keystroke would drown the typing); `data-connection` and
 * `data-pending` carry the same facts for scripts and tests.
 */
import { h } from './dom.js';
import type { SessionStatus } from './collab-session.js';
import { plural } from './format.js';

function describe(status: SessionStatus): { label: string; detail: string } {
  const waiting = status.pending > 0 ? `${plural(status.pending, 'change')} waiting` : '';
  switch (status.connection) {
    case 'connecting':
      return { label: 'Connecting…', detail: waiting };
    case 'live':
      return { label: 'Live', detail: status.pending > 0 ? 'Saving…' : 'All changes saved' };
    case 'offline':
      return {
        label: 'Offline',
        detail: waiting ? `${waiting}; kept on this device until you reconnect` : 'Reconnecting when the network is back',
      };
    case 'denied':
      return { label: 'No access', detail: status.deniedReason ?? '' };
  }
}

export function createConnectionIndicator(): { element: HTMLElement; update(status: SessionStatus): void } {
  const label = h('span', { class: 'connection__label' });
  const detail = h('span', { class: 'connection__detail' });
  const announcer = h('span', { class: 'visually-hidden', role: 'status' });
  const element = h(
    'div',
    { class: 'connection', 'data-testid': 'connection' },
    h('span', { class: 'connection__dot', 'aria-hidden': 'true' }),
    label,
    detail,
    announcer,
  );
  let announced: SessionStatus['connection'] | null = null;
  return {
    element,
    update(status) {
      const text = describe(status);
      if (status.connection !== announced) {
        announced = status.connection;
        announcer.textContent = status.connection === 'live' ? 'Connected' : text.label;
      }
      element.dataset['connection'] = status.connection;
      element.dataset['pending'] = String(status.pending);
      element.dataset['synced'] = String(status.everSynced);
      label.textContent = text.label;
      detail.textContent = text.detail ? ` · ${text.detail}` : '';
      element.title = status.connection === 'live' ? 'Connected: changes are shared live' : text.detail || text.label;
    },
  };
}
