// Settings → Labels and Custom fields: every name in use with its number of contacts; rename
// (into a name in use it is a merge, asked first) and delete from every contact. The server does
// each in one transaction and tells every open inbox (names.changed). Both can also be created
// before any contact carries them (listed with 0 contacts), so the team's labels and fields are
// offered from the first day: a label's spelling, a field's exact name for {{name}}.

import { h, mount, toast } from '../dom.js';
import { api, enc } from '../api.js';
import { refreshNames } from '../reference.js';
import { openModal } from '../ui.js';
import { field, errorLine, confirmDelete } from './forms.js';

const KINDS = {
  labels: {
    one: 'label', title: 'New label', max: 64,
    intro: 'Labels group contacts; agents add them in the contact pane and filter the list by them. A name differing only in case is the same label.',
    hint: 'Agents then pick this spelling; a name differing only in case is the same label.',
    empty: 'No label yet: create one above, or add one to a contact.',
  },
  fields: {
    one: 'field', title: 'New field', max: 100,
    intro: 'Custom fields hold a value per contact; saved replies and templates insert them as {{name}}. A rename reaches the saved replies and bot flows that name the field.',
    hint: 'Agents then pick it in the contact pane, and saved replies insert it as {{name}}. Case matters: “Plan” and “plan” are two fields.',
    empty: 'No field yet: create one above, or add one to a contact.',
  },
};

export const renderLabels = (into) => renderNames(into, 'labels');
export const renderFields = (into) => renderNames(into, 'fields');

async function renderNames(into, kind) {
  const { intro } = KINDS[kind];
  const list = h('div', { class: 'set-list', testid: `${KINDS[kind].one}-list` }, h('p', { class: 'muted' }, 'Loading…'));
  mount(into, h('p', { class: 'muted' }, intro), newNameForm(kind, () => renderList(list, kind)), list);
  await renderList(list, kind);
}

/**
 * "New label" or "New field": a name and Create, Enter submits. The server's refusal (a name that
 * exists, one too long) shows under the field and the focus stays in it, so the admin corrects and
 * retries. Once created, this page's own menus (the saved-reply editor's "Insert field", the contact
 * pane) offer it at once, without waiting for the event every other page gets.
 */
function newNameForm(kind, created) {
  const { one, title, max, hint } = KINDS[kind];
  const error = errorLine(`${one}-create-error`);
  error.id = `${one}-create-error`;
  const name = h('input', { testid: `${one}-create-name`, maxlength: max, autocomplete: 'off', 'aria-describedby': `${one}-create-error` });
  const fail = (text) => { error.show(text); name.setAttribute('aria-invalid', 'true'); name.focus(); };
  const form = h('form', { class: 'set-card set-form', testid: `${one}-create-form`, 'aria-labelledby': `${one}-create-title` },
    h('h2', { class: 'set-card-title', id: `${one}-create-title` }, title),
    field('Name', name, hint),
    error,
    h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', testid: `${one}-create-save` }, `Create ${one}`)));
  name.addEventListener('input', () => { error.show(''); name.removeAttribute('aria-invalid'); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const to = name.value.trim();
    if (!to) { fail('A name is needed.'); return; }
    if (/[{}]/.test(to)) { fail('A name cannot contain { or }.'); return; }
    try {
      const r = await api.post(`/${kind}`, { name: to });
      form.reset();
      error.show('');
      name.removeAttribute('aria-invalid');
      toast(`${one === 'label' ? 'Label' : 'Field'} “${r.name}” created`);
      await Promise.all([created(), refreshNames()]);
    } catch (ex) { fail(ex.message); }
  });
  return form;
}

async function renderList(list, kind) {
  const { one } = KINDS[kind];
  let items;
  try {
    items = (await api.get(`/${kind}/usage`)).items || [];
  } catch (e) {
    mount(list, h('p', { class: 'error' }, e.message));
    return;
  }
  const again = () => renderList(list, kind);
  mount(list, items.length ? items.map((n) => h('article', { class: 'set-card set-row', testid: `${one}-row`, dataset: { name: n.name } },
    h('div', { class: 'grow' },
      h('div', { class: 'set-card-title', testid: `${one}-name` }, n.name),
      h('div', { class: 'muted set-hint', testid: `${one}-count` }, `${n.contacts} contact${n.contacts === 1 ? '' : 's'}`)),
    h('button', { class: 'btn btn-sm', testid: `${one}-rename`, 'aria-label': `Rename ${n.name}`, onclick: () => openRename(kind, n, items, again) }, 'Rename'),
    h('button', { class: 'btn btn-sm', testid: `${one}-delete`, 'aria-label': `Delete ${n.name}`, onclick: () => confirmDelete(`Delete ${one} “${n.name}”?`, n.contacts ? `It is removed from ${n.contacts} contact${n.contacts === 1 ? '' : 's'}. This cannot be undone.` : 'No contact carries it; it is no longer offered.', `/${kind}/${enc(n.name)}`, again, `${one}-delete-confirm`) }, 'Delete')))
    : h('p', { class: 'muted' }, KINDS[kind].empty));
}

function openRename(kind, n, items, done) {
  const { one } = KINDS[kind];
  const name = h('input', { testid: `${one}-new-name`, value: n.name, maxlength: kind === 'labels' ? 64 : 100, autocomplete: 'off' });
  const error = errorLine(`${one}-rename-error`);
  const same = (a, b) => (kind === 'labels' ? a.toLowerCase() === b.toLowerCase() : a === b);
  let asked = null;
  const { modal } = openModal(`Rename ${one} “${n.name}”`, h('div', { class: 'set-form' }, field('New name', name), error), async (close) => {
    const to = name.value.trim();
    if (!to) { error.show('A name is needed.'); return; }
    if (/[{}]/.test(to)) { error.show('A name cannot contain { or }.'); return; }
    const into = items.find((x) => x !== n && same(x.name, to) && !same(n.name, to));
    if (into && asked !== to) {
      // a merge cannot be undone: the first click says so, the second does it
      asked = to;
      error.show(`“${into.name}” exists already (${into.contacts} contact${into.contacts === 1 ? '' : 's'}). Merge “${n.name}” into it? Contacts with both keep ${kind === 'labels' ? 'one' : `their “${into.name}” value`}. Press Merge to go on.`);
      modal.querySelector(`[data-testid=${one}-rename-save]`).textContent = 'Merge';
      return;
    }
    try {
      const r = await api.patch(`/${kind}/${enc(n.name)}`, { name: to });
      close();
      const also = [r.flows ? `${r.flows} flow${r.flows === 1 ? '' : 's'}` : '', r.savedReplies ? `${r.savedReplies} saved repl${r.savedReplies === 1 ? 'y' : 'ies'}` : '']
        .filter(Boolean).join(' and ');
      toast((r.merged ? `Merged into “${r.name}” (${r.contacts} contacts)` : `Renamed to “${r.name}”`) + (also ? `, also in ${also}` : ''));
      done();
    } catch (e) { error.show(e.message); }
  }, 'Rename', `${one}-rename-save`);
  name.addEventListener('input', () => { asked = null; modal.querySelector(`[data-testid=${one}-rename-save]`).textContent = 'Rename'; });
  name.select();
}
