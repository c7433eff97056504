// Settings → Saved replies: find, create, edit and delete the account's saved replies, with
// {{field}} inserted from the field names in use or defined ahead of use (the server refuses names
// that are neither).

import { h, mount, toast } from '../dom.js';
import { api, enc, ifMatch } from '../api.js';
import { state as S, dispatch } from '../store.js';
import { loadReference } from '../reference.js';
import { openModal } from '../ui.js';
import { insertAtCursor, fieldSelect } from '../saved.js';
import { field, errorLine, confirmDelete } from './forms.js';

export async function renderSavedReplies(into) {
  const search = h('input', { type: 'search', testid: 'sr-search', placeholder: 'Find by title or text', 'aria-label': 'Find a saved reply' });
  const list = h('div', { class: 'set-list', testid: 'sr-list' }, h('p', { class: 'muted' }, 'Loading…'));
  mount(into,
    h('p', { class: 'muted' }, 'Agents insert these from the composer. {{field}} is filled in from the contact\'s custom field when the message is sent.'),
    h('div', { class: 'set-actions' }, search,
      h('button', { class: 'btn btn-primary', testid: 'sr-new', onclick: () => openEditor(null, () => renderSavedReplies(into)) }, 'New saved reply')),
    list);
  let items;
  try {
    items = (await api.get('/saved-replies')).items || [];
  } catch (e) {
    mount(list, h('p', { class: 'error' }, e.message));
    return;
  }
  const show = () => {
    const q = search.value.trim().toLowerCase();
    const shown = items.filter((r) => !q || r.title.toLowerCase().includes(q) || r.content.toLowerCase().includes(q));
    mount(list, shown.length ? shown.map((r) => h('article', { class: 'set-card', testid: 'sr-row', dataset: { id: r.id } },
      h('div', { class: 'set-card-title', testid: 'sr-row-title' }, r.title),
      h('div', { class: 'sr-content', testid: 'sr-row-content' }, r.content),
      h('div', { class: 'set-actions' },
        h('button', { class: 'btn btn-sm', testid: 'sr-edit', 'aria-label': `Edit ${r.title}`, onclick: () => openEditor(r, () => renderSavedReplies(into)) }, 'Edit'),
        h('button', { class: 'btn btn-sm', testid: 'sr-delete', 'aria-label': `Delete ${r.title}`, onclick: () => confirmDelete(`Delete “${r.title}”?`, 'Agents can no longer insert it. Messages already sent keep their text.', `/saved-replies/${enc(r.id)}`, () => { dispatch({ type: 'savedReplies/set', items: S.savedReplies.filter((x) => x.id !== r.id) }); renderSavedReplies(into); }, 'srd-confirm') }, 'Delete'))))
      : h('p', { class: 'muted' }, items.length ? 'No saved reply matches.' : 'No saved reply yet.'));
  };
  search.addEventListener('input', show);
  show();
}

/**
 * "Preview for a contact": find a customer (the inbox's search), pick them, and see the text as it
 * would be sent to them, worked out by the server with the rule sending uses, or which fields they
 * lack (sending would be refused). Updated as the text changes.
 */
function previewBlock(content) {
  const find = h('input', { type: 'search', testid: 'srp-find', placeholder: 'Name or phone', autocomplete: 'off', maxlength: 200 });
  const pick = h('select', { testid: 'srp-contact' }, h('option', { value: '' }, 'Find a contact first'));
  const out = h('div', { class: 'sr-preview', testid: 'srp-text', role: 'status', 'aria-live': 'polite' });
  let timer = null;
  const update = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!pick.value || !content.value.trim()) { out.textContent = ''; return; }
      try {
        const r = await api.post('/saved-replies/preview', { content: content.value, contactId: pick.value });
        out.className = `sr-preview${r.text === null ? ' error' : ''}`;
        out.textContent = r.text !== null ? r.text
          : `Sending this to ${pick.selectedOptions[0].textContent} would be refused: no value for ${r.missing.map((f) => `{{${f}}}`).join(', ')}.`;
      } catch (e) { out.className = 'sr-preview error'; out.textContent = e.message; }
    }, 250);
  };
  const search = async () => {
    const q = find.value.trim();
    if (!q) return;
    try {
      const found = (await api.get(`/search?q=${enc(q)}&limit=10`)).items || [];
      const seen = new Set();
      const contacts = found.map((c) => c.contact).filter((c) => c && !seen.has(c.id) && seen.add(c.id));
      mount(pick, contacts.length ? contacts.map((c) => h('option', { value: c.id }, c.displayName || c.platformName || c.phone || c.platformUserId))
        : h('option', { value: '' }, 'No contact found'));
      update();
    } catch (e) { out.textContent = e.message; }
  };
  find.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); search(); } });
  find.addEventListener('input', () => { clearTimeout(find.timer); find.timer = setTimeout(search, 300); });
  pick.addEventListener('change', update);
  content.addEventListener('input', update);
  return {
    update,
    el: h('fieldset', { class: 'set-fieldset' }, h('legend', {}, 'Preview for a contact'),
      field('Find a contact', find), field('Contact', pick), out),
  };
}

function openEditor(r, done) {
  const title = h('input', { testid: 'sre-title', maxlength: 200, value: r ? r.title : '' });
  const content = h('textarea', { testid: 'sre-content', rows: 6, maxlength: 4096 });
  content.value = r ? r.content : '';
  const error = errorLine('sre-error');
  const preview = previewBlock(content);
  openModal(r ? `Edit “${r.title}”` : 'New saved reply', h('div', { class: 'set-form' },
    field('Title', title), field('Text', content),
    h('div', { class: 'row' }, fieldSelect((name) => { insertAtCursor(content, `{{${name}}}`); preview.update(); }, 'sre-field')),
    preview.el,
    error), async (close) => {
    if (!title.value.trim() || !content.value.trim()) { error.show('A title and a text are needed.'); return; }
    const body = { title: title.value.trim(), content: content.value };
    try {
      if (r) await api.put(`/saved-replies/${enc(r.id)}`, body, ifMatch(r)); else await api.post('/saved-replies', body);
      close(); toast('Saved reply saved'); loadReference(); done();
    } catch (e) {
      error.show(e.status === 412 ? 'Another admin changed this saved reply since you opened it. Close, open it again to see their version, then make your change.' : e.message);
    }
  }, 'Save', 'sre-save');
  title.focus();
}
