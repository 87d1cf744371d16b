/**
 * Shows whom this user follows: a pill at the bottom of the document ("Following Ada — Esc to
 * stop", with a stop button) and, for screen readers, a spoken line when following starts and
 * stops and why.
 */
import type { FollowedPerson, StopReason } from './caret-follower.js';
import { h, icon } from './dom.js';
import { Icons } from './icons.js';

export interface FollowIndicator {
  /** Goes at the end of the scrolling canvas: it sticks to the bottom of what is in view. */
  element: HTMLElement;
  update(followed: FollowedPerson | null, previous: FollowedPerson | null, reason: StopReason | null): void;
}

export function createFollowIndicator(onStop: () => void): FollowIndicator {
  const who = h('span', { class: 'follow-pill__name' });
  const pill = h(
    'div',
    { class: 'follow-pill', 'data-testid': 'follow-pill', hidden: true },
    h('span', { class: 'follow-pill__dot', 'aria-hidden': 'true' }),
    h('span', {}, 'Following ', who),
    h('span', { class: 'follow-pill__hint', 'aria-hidden': 'true' }, '— ', h('kbd', {}, 'Esc'), ' to stop'),
    h('button', { type: 'button', class: 'icon-btn follow-pill__stop', 'aria-label': 'Stop following', title: 'Stop following (Esc)', onclick: onStop }, icon(Icons.close)),
  );
  const spoken = h('span', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'follow-announcement' });
  // The spoken line stays in the page when the pill goes: a hidden live region says nothing.
  const element = h('div', { class: 'follow-bar' }, pill, spoken);

  return {
    element,
    update(followed, previous, reason) {
      if (followed) {
        pill.hidden = false;
        who.textContent = followed.name;
        pill.style.setProperty('--user-color', followed.color);
        // A new person, not a rename: say so.
        if (previous?.clientId !== followed.clientId) spoken.textContent = `Following ${followed.name}. Press Escape to stop.`;
        return;
      }
      pill.hidden = true;
      if (!previous) return;
      spoken.textContent = reason === 'left' ? `${previous.name} left the document. Stopped following.` : `Stopped following ${previous.name}.`;
    },
  };
}
