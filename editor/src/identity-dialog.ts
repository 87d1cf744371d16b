/** The dialog where users pick how others see them: a name and a colour, remembered. */
import { h } from './dom.js';
import { MAX_NAME_LENGTH, PALETTE, cleanName, type Identity } from './identity.js';

export interface IdentityDialogOptions {
  current: Identity;
  /** Set when the access token fixes the name: it is what the server records as the author. */
  nameLockedBy: string | null;
  onSave(identity: Identity): void;
  /** Called when the dialog closes, saved or not (to give the focus back to the editor). */
  onClose(): void;
}

export function openIdentityDialog(options: IdentityDialogOptions): void {
  const { current, nameLockedBy } = options;
  const nameInput = h('input', {
    id: 'identity-name',
    type: 'text',
    value: current.name,
    maxlength: MAX_NAME_LENGTH,
    autocomplete: 'nickname',
    required: true,
    readonly: nameLockedBy !== null,
    'aria-describedby': nameLockedBy ? 'identity-name-hint' : null,
  });
  const swatches = PALETTE.map((color, i) =>
    h(
      'label',
      { class: 'swatch', style: `--swatch: ${color}`, title: `Colour ${i + 1}` },
      h('input', { type: 'radio', name: 'identity-color', value: color, checked: color === current.color, 'aria-label': `Colour ${i + 1} (${color})` }),
    ),
  );
  const form = h(
    'form',
    { method: 'dialog', class: 'dialog__body' },
    h('h2', { class: 'dialog__title' }, 'How others see you'),
    h('label', { for: 'identity-name', class: 'field-label' }, 'Your name'),
    nameInput,
    nameLockedBy ? h('p', { id: 'identity-name-hint', class: 'hint' }, `Set by your access link (${nameLockedBy}).`) : null,
    h('fieldset', { class: 'swatches' }, h('legend', { class: 'field-label' }, 'Your colour'), ...swatches),
    h(
      'div',
      { class: 'dialog__actions' },
      h('button', { type: 'button', class: 'btn btn--ghost', value: 'cancel', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'btn btn--primary', value: 'save' }, 'Save'),
    ),
  );
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'identity-title' }, form);
  form.querySelector('h2')?.setAttribute('id', 'identity-title');

  form.addEventListener('submit', (event) => {
    const name = cleanName(nameInput.value);
    if (name === '') {
      event.preventDefault();
      nameInput.focus();
      return;
    }
    const checked = form.querySelector<HTMLInputElement>('input[name="identity-color"]:checked');
    options.onSave({ name, color: checked?.value ?? current.color });
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    options.onClose();
  });
  document.body.append(dialog);
  dialog.showModal();
  nameInput.select();
}
