/**
 * A button that opens a small menu (WAI-ARIA menu button): Enter/Space/ArrowDown open it and
 * focus the first item, arrows move, Escape closes and returns focus, a click outside closes.
 */
import { h, icon } from './dom.js';
import { Icons } from './icons.js';

export interface MenuItem {
  label: string;
  hint?: string;
  run(): void;
}

export function createMenuButton(label: string, iconPath: string, items: MenuItem[], testId: string): HTMLElement {
  const button = h(
    'button',
    { type: 'button', class: 'btn btn--ghost', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'data-testid': testId },
    icon(iconPath),
    h('span', { class: 'btn__text' }, label),
    icon(Icons.chevronDown),
  );
  const menu = h('div', { class: 'menu', role: 'menu', 'aria-label': label, hidden: true });
  const entries = items.map((item) =>
    h(
      'button',
      {
        type: 'button',
        role: 'menuitem',
        class: 'menu__item',
        tabindex: -1,
        onclick: () => {
          close(true);
          item.run();
        },
      },
      h('span', {}, item.label),
      item.hint ? h('span', { class: 'menu__hint' }, item.hint) : null,
    ),
  );
  menu.append(...entries);
  const wrapper = h('div', { class: 'menu-button' }, button, menu);

  const onOutside = (event: Event): void => {
    if (!wrapper.contains(event.target as Node)) close(false);
  };
  function open(): void {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    entries[0]?.focus();
    document.addEventListener('pointerdown', onOutside);
  }
  function close(returnFocus: boolean): void {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', onOutside);
    if (returnFocus) button.focus();
  }

  button.addEventListener('click', () => (menu.hidden ? open() : close(true)));
  button.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      open();
    }
  });
  menu.addEventListener('keydown', (event) => {
    const index = entries.indexOf(document.activeElement as HTMLButtonElement);
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: entries.length - 1 };
    if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    } else if (event.key === 'Tab') {
      close(false);
    } else if (moves[event.key] !== undefined) {
      event.preventDefault();
      entries[((moves[event.key] ?? 0) + entries.length) % entries.length]?.focus();
    }
  });
  return wrapper;
}
