/**
 * The keyboard-shortcut sheet (Mod-/ or the toolbar's keyboard button): every key the command
 * table binds, by toolbar group, then the keys Tiptap handles itself and the Markdown-style
 * typing shortcuts. A modal dialog: the page behind is inert, Tab stays inside, Escape closes,
 * and focus goes back where it was.
 */
import { h, icon } from './dom.js';
import { trapFocus } from './focus-trap.js';
import { Icons } from './icons.js';
import { COMMAND_GROUPS, EDITOR_KEYS, TYPING_SHORTCUTS, shortcutLabel } from './editor-commands.js';

function keysCell(keys: string): HTMLElement {
  return h('td', { class: 'shortcuts__keys' }, h('kbd', {}, shortcutLabel(keys)));
}

function section(title: string, rows: HTMLTableRowElement[]): HTMLElement | null {
  if (rows.length === 0) return null;
  return h(
    'section',
    { class: 'shortcuts__section' },
    h('h3', { class: 'shortcuts__heading' }, title),
    h('table', { class: 'shortcuts__table' }, h('tbody', {}, ...rows)),
  );
}

export function openShortcutSheet(onClose: () => void): void {
  // Groups whose commands have no keys (inserting, the table and image tools) have nothing to list.
  const groups = COMMAND_GROUPS.filter((group) => group.commands.some((c) => c.keys)).map((group) =>
    section(
      group.label,
      group.commands.flatMap((command) => (command.keys ? [h('tr', { 'data-command': command.id }, h('th', { scope: 'row' }, command.label), keysCell(command.keys))] : [])),
    ),
  );
  const editorKeys = section(
    'In the editor',
    EDITOR_KEYS.map((k) => h('tr', {}, h('th', { scope: 'row' }, k.label), keysCell(k.keys))),
  );
  const typing = section(
    'As you type',
    TYPING_SHORTCUTS.map((t) => h('tr', {}, h('th', { scope: 'row' }, t.label), h('td', { class: 'shortcuts__keys' }, h('code', {}, t.type)))),
  );
  const close = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close', 'data-testid': 'shortcuts-close', onclick: () => dialog.close() }, icon(Icons.close));
  const dialog = h(
    'dialog',
    { class: 'dialog dialog--wide', 'aria-labelledby': 'shortcuts-title', 'data-testid': 'shortcut-sheet' },
    h(
      'div',
      { class: 'dialog__body' },
      h('div', { class: 'dialog__header' }, h('h2', { class: 'dialog__title', id: 'shortcuts-title' }, 'Keyboard shortcuts'), close),
      // Focusable, so the list scrolls from the keyboard too.
      h('div', { class: 'shortcuts', tabindex: 0, role: 'region', 'aria-label': 'Shortcuts' }, ...groups, editorKeys, typing),
    ),
  );
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose();
  });
  trapFocus(dialog);
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}
