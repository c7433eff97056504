// Form pieces every settings section uses: a copyable value, a labelled field, an error line and
// the "Delete X?" dialog.

import { h, toast } from '../dom.js';
import { api } from '../api.js';
import { openModal } from '../ui.js';

/** A copyable value: the text in a read-only box and a Copy button that says when it worked. */
export function copyable(label, value, testid) {
  const box = h('input', { class: 'copy-value', readonly: true, value, testid, 'aria-label': label });
  const said = h('span', { class: 'muted copy-said', role: 'status' });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch (e) {
      // without clipboard permission the selection is copied the older way
      box.select();
      document.execCommand('copy');
    }
    said.textContent = 'Copied';
    setTimeout(() => { said.textContent = ''; }, 2000);
  };
  return h('div', { class: 'copy-row' },
    h('span', { class: 'copy-label' }, label),
    h('div', { class: 'row' }, box, h('button', { class: 'btn btn-sm', testid: `${testid}-copy`, 'aria-label': `Copy ${label}`, onclick: copy }, 'Copy'), said));
}

/** A labelled input whose id ties the label to it (axe wants every field named). */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h('div', { class: 'set-field' }, h('label', { for: id }, label), input, hint ? h('span', { class: 'muted set-hint' }, hint) : null);
}

/** An error line for a form, hidden until show(text). */
export function errorLine(testid) {
  const el = h('p', { class: 'error', testid, role: 'alert', hidden: true });
  el.show = (text) => { el.textContent = text; el.hidden = !text; };
  return el;
}

/** "Delete X?" with what it means; on Delete (or okLabel), DELETE path, then done() (the dialog stays with the server's refusal). */
export function confirmDelete(title, consequence, path, done, testid, okLabel = 'Delete') {
  const error = errorLine(`${testid}-error`);
  openModal(title, h('div', {}, h('p', {}, consequence), error), async (close) => {
    try {
      await api.del(path);
      close(); toast(`${okLabel}d`); done();
    } catch (e) { error.show(e.message); }
  }, okLabel, testid);
}
