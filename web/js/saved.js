// Saved replies (pick one, create one) and inserting a custom field as {{name}}.

import { h, mount, toast } from './dom.js';
import { api } from './api.js';
import { state as S, dispatch } from './store.js';
import { openPopover, closePopover, openModal } from './ui.js';

export function insertAtCursor(textarea, snippet) {
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? textarea.value.length;
  textarea.value = textarea.value.slice(0, start) + snippet + textarea.value.slice(end);
  const pos = start + snippet.length;
  textarea.focus();
  textarea.setSelectionRange(pos, pos);
}

/** A dropdown of the account's custom field names; choosing one calls onPick(name). */
export function fieldSelect(onPick, testid) {
  const select = h('select', { testid, class: 'btn-sm', title: 'Insert a custom field', 'aria-label': 'Insert a custom field' },
    h('option', { value: '' }, '{ } Insert field'),
    S.fields.map((f) => h('option', { value: f }, f)));
  select.addEventListener('change', () => {
    if (select.value) onPick(select.value);
    select.value = '';
  });
  return select;
}

export function openSavedReplies(anchor, onPick) {
  const filter = h('input', { placeholder: 'Find a saved reply…', testid: 'saved-reply-filter', 'aria-label': 'Find a saved reply' });
  const list = h('div', { style: 'display:flex;flex-direction:column;max-height:260px;overflow-y:auto;width:300px' });
  const show = () => {
    const q = filter.value.toLowerCase();
    const items = S.savedReplies.filter((r) => !q || r.title.toLowerCase().includes(q) || r.content.toLowerCase().includes(q));
    mount(list, items.length ? items.map((r) => h('button', { class: 'sr-item', testid: 'saved-reply-item', dataset: { id: r.id }, onclick: () => { closePopover(); onPick(r.content); } },
      h('span', { class: 't' }, r.title), h('span', { class: 'c' }, r.content)))
      : h('div', { class: 'muted', style: 'padding:8px', testid: 'saved-reply-empty' }, S.savedReplies.length ? `No saved reply matches “${filter.value}”.` : 'No saved replies yet.'));
  };
  filter.addEventListener('input', show);
  show();
  const pop = openPopover(anchor, [filter, list,
    h('button', { class: 'btn btn-sm', testid: 'saved-reply-new', onclick: () => { closePopover(); newSavedReply(onPick); } }, '+ New saved reply')], true);
  pop.style.bottom = 'calc(100% + 4px)';
  pop.style.top = 'auto';
  filter.focus();
}

function newSavedReply(onPick) {
  const title = h('input', { testid: 'sr-title', maxlength: 200, placeholder: 'e.g. Membership status' });
  const content = h('textarea', { testid: 'sr-content', rows: 5, maxlength: 4096, placeholder: 'Hello! Your membership is {{membership}}.' });
  const error = h('div', { class: 'error', testid: 'sr-error', hidden: true });
  openModal('New saved reply', [
    h('label', {}, 'Title', title),
    h('label', {}, 'Content', content),
    h('div', { class: 'row' }, fieldSelect((name) => insertAtCursor(content, `{{${name}}}`), 'sr-field-select'), h('span', { class: 'muted', style: 'font-size:12px' }, 'Fields are filled in when the message is sent.')),
    error,
  ], async (close) => {
    if (!title.value.trim() || !content.value.trim()) { error.textContent = 'A title and a content are needed.'; error.hidden = false; return; }
    try {
      const r = await api.post('/saved-replies', { title: title.value.trim(), content: content.value });
      dispatch({ type: 'savedReplies/set', items: S.savedReplies.concat([r]) });
      close();
      toast('Saved reply created');
      onPick(r.content);
    } catch (e) { error.textContent = e.message; error.hidden = false; }
  }, 'Save', 'sr-save');
  title.focus();
}
