// The right pane: the contact's display name (edit + Save), platform name (refresh), details,
// custom fields (add, edit, remove; names from the account's list) and labels (add, ×).
//
// The pane is built once per conversation and contact, then updated in place: live events redraw
// it often, and what the agent is typing (the display name, a field's value, a new field or label)
// stays in the very inputs they type in, with the caret, the selection and the focus. Opening
// another conversation builds a new pane, so nothing typed for one contact reaches another.

import { h, mount, initials, platformName, toast, contactLabel, platformLabel } from './dom.js';
import { api, enc } from './api.js';
import { state, dispatch, subscribe } from './store.js';
import { currentConversation, refreshConversation } from './conversation.js';
import { refreshNames } from './reference.js';
import { setView } from './route.js';

// the pane being shown: its key (conversation and contact), its parts, and whether the name is being edited
let shown = null;

/** Applies a contact returned by the API everywhere it shows. */
function applyContact(contact) {
  dispatch({ type: 'contact/updated', contact });
  const cur = currentConversation();
  if (cur) refreshConversation(cur.id);
  refreshNames();
}

async function call(promise) {
  try {
    applyContact(await promise);
    return true;
  } catch (e) {
    toast(e.message);
    return false;
  }
}

/** WhatsApp's request for the customer's phone number; their answer fills the contact's phone. */
async function requestPhone(button, conv) {
  button.disabled = true;
  try {
    await api.post(`/conversations/${enc(conv.id)}/request-phone`, {}, { 'Idempotency-Key': crypto.randomUUID() });
    toast('Phone number requested');
  } catch (e) {
    toast(e.message);
  } finally {
    button.disabled = false;
  }
}

const base = (ct) => `/contacts/${enc(ct.id)}`;

export function renderContact(pane) {
  if (!pane) return;
  const conv = currentConversation();
  if (!conv || !conv.contact) {
    shown = null;
    pane.dataset.contact = '';
    mount(pane, h('div', { class: 'thread-empty', style: 'padding:30px;text-align:center' }, 'Contact details appear here.'));
    return;
  }
  const key = `${conv.id}/${conv.contact.id}`;
  if (!shown || shown.key !== key || shown.pane !== pane || !pane.contains(shown.head)) build(pane, conv, key);
  update(conv);
}

/** The pane's parts for one conversation's contact; every value in them is filled in by update(). */
function build(pane, conv, key) {
  const s = { key, pane, editing: false, fieldRows: new Map() };
  shown = s;
  pane.dataset.contact = String(conv.contact.id);
  const ct = () => currentConversation().contact;

  s.avatar = h('span', { class: 'avatar' });
  s.nameSlot = h('div', { class: 'name-slot', style: 'display:contents' });
  s.platformLine = h('span', { class: 'muted', style: 'font-size:12px' });
  s.head = h('div', { class: 'contact-head' }, s.avatar, s.nameSlot, s.platformLine);
  s.info = h('div', { class: 'info', style: 'display:contents' });

  s.fieldList = h('div', { class: 'field-list', style: 'display:contents' });
  s.noFields = h('span', { class: 'muted', style: 'font-size:13px' }, 'No custom fields yet.');
  s.fieldNames = h('datalist', { id: 'field-names' });
  const newName = h('input', { testid: 'field-name-input', maxlength: 100, placeholder: 'Field name', list: 'field-names', 'aria-label': 'New field name' });
  const newValue = h('input', { testid: 'field-value-input', maxlength: 4096, placeholder: 'Value', 'aria-label': 'New field value' });
  const addField = async () => {
    const name = newName.value.trim();
    if (!name) { newName.focus(); return; }
    const value = newValue.value;
    newName.value = ''; newValue.value = '';
    if (!await call(api.put(`${base(ct())}/fields/${enc(name)}`, { value }))) { newName.value = name; newValue.value = value; }
  };
  newValue.addEventListener('keydown', (e) => { if (e.key === 'Enter') addField(); });

  s.labelChips = h('div', { class: 'labels' });
  s.labelNames = h('datalist', { id: 'label-names' });
  const labelInput = h('input', { testid: 'label-input', maxlength: 64, placeholder: 'Add a label', list: 'label-names', 'aria-label': 'Add a label' });
  const addLabel = async () => {
    const name = labelInput.value.trim();
    if (!name) return;
    labelInput.value = '';
    if (!await call(api.post(`${base(ct())}/labels`, { name }))) labelInput.value = name;
  };
  labelInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') addLabel(); });

  mount(pane,
    h('div', { class: 'narrow-only pane-back' }, h('button', { class: 'btn btn-sm', testid: 'back-to-thread', onclick: () => setView('thread') }, '← Conversation')),
    s.head,
    h('div', { class: 'section' }, h('h3', {}, 'Contact info'), s.info),
    h('div', { class: 'section', testid: 'fields-section' }, h('h3', {}, 'Custom fields'),
      s.fieldList, s.noFields, s.fieldNames,
      h('div', { class: 'field-add' }, newName, newValue, h('button', { class: 'btn btn-sm', testid: 'field-add', onclick: addField }, 'Add'))),
    h('div', { class: 'section', testid: 'labels-section' }, h('h3', {}, 'Labels'),
      s.labelChips, s.labelNames,
      h('div', { class: 'row' }, labelInput, h('button', { class: 'btn btn-sm', testid: 'label-add', onclick: addLabel }, 'Add'))));
  showName(false);
}

/** The name block: the name and ✎, or (editing) the input with Save and Cancel. */
function showName(editing) {
  const s = shown;
  s.editing = editing;
  s.nameInput = null;
  if (!editing) {
    s.nameText = h('span', { class: 'dn', testid: 'contact-display-name' });
    mount(s.nameSlot, h('div', { class: 'row' }, s.nameText,
      h('button', { class: 'btn-icon', testid: 'contact-edit', title: 'Edit display name', onclick: () => { showName(true); update(currentConversation()); } }, '✎')));
    return;
  }
  const ct = currentConversation().contact;
  const input = h('input', { testid: 'contact-name-input', maxlength: 200, value: ct.displayName || '', 'aria-label': 'Display name' });
  s.nameInput = input;
  s.nameNote = h('span', { class: 'muted field-note', testid: 'contact-name-note', hidden: true }, '');
  input.addEventListener('input', () => showNameNote());
  const stop = () => { showName(false); update(currentConversation()); };
  const save = async () => {
    const c = currentConversation();
    if (await call(api.patch(base(c.contact), { displayName: input.value.trim() })) && shown === s && s.nameInput === input) stop();
  };
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') save(); if (e.key === 'Escape') stop(); });
  mount(s.nameSlot, h('div', { class: 'name-edit' }, h('div', { class: 'row' }, input,
    h('button', { class: 'btn btn-primary btn-sm', testid: 'contact-save', onclick: save }, 'Save'),
    h('button', { class: 'btn btn-sm', testid: 'contact-cancel', onclick: stop }, 'Cancel')), s.nameNote));
  setTimeout(() => { if (input.isConnected) input.focus(); }, 0);
}

/** An empty name is a choice to show the platform's name: said before it is saved, not after. */
function showNameNote() {
  const s = shown;
  if (!s || !s.nameInput) return;
  const ct = currentConversation().contact;
  const fallback = platformLabel(ct);
  const empty = !s.nameInput.value.trim();
  s.nameNote.hidden = !empty;
  s.nameNote.textContent = empty ? `Without a display name, “${fallback}” (from ${platformName(ct.platform)}) is shown.` : '';
}

/** Fills the pane from the contact as the store has it now; inputs being typed in are left as they are. */
function update(conv) {
  const s = shown;
  const ct = conv.contact;
  const display = contactLabel(ct);
  s.avatar.textContent = initials(display);
  s.platformLine.textContent = `${platformName(ct.platform)} contact`;
  if (s.editing) showNameNote(); else s.nameText.textContent = display;

  // the details and the labels are drawn again only when they change (a focused button stays)
  const infoKey = JSON.stringify([ct.platform, ct.platformName, ct.phone, ct.username, ct.email, ct.platformUserId]);
  if (s.infoKey !== infoKey) { s.infoKey = infoKey; showInfo(conv); }

  updateFields(ct);
  s.noFields.hidden = s.fieldRows.size > 0;
  options(s.fieldNames, state.fields);

  const labelsKey = JSON.stringify(ct.labels || []);
  if (s.labelsKey !== labelsKey) {
    s.labelsKey = labelsKey;
    mount(s.labelChips, (ct.labels || []).map((name) => h('span', { class: 'chip label-chip', testid: 'label-chip', dataset: { name } },
      // a long name ends in an ellipsis; the whole of it in the tooltip
      h('span', { class: 'chip-text', title: name }, name),
      h('button', { testid: 'label-remove', dataset: { name }, title: `Remove ${name}`, onclick: () => call(api.del(`${base(ct)}/labels/${enc(name)}`)) }, '×'))),
    (ct.labels || []).length ? null : h('span', { class: 'muted', style: 'font-size:13px' }, 'No labels.'));
  }
  options(s.labelNames, state.labels);
}

function showInfo(conv) {
  const s = shown;
  const ct = conv.contact;
  const canRefresh = ct.platform !== 'whatsapp';
  mount(s.info,
    h('div', { class: 'kv' },
      h('span', { class: 'k' }, 'Platform name'), h('span', { class: 'v', testid: 'contact-platform-name' }, ct.platformName || '—'),
      canRefresh ? h('button', { class: 'btn-icon', testid: 'contact-refresh', title: `Fetch the current name from ${platformName(ct.platform)}`,
        onclick: () => call(api.post(`${base(ct)}/refresh-name`, {})) }, '⟳') : h('span'),
      h('span', { class: 'k' }, 'Phone'), h('span', { class: 'v', testid: 'contact-phone' }, ct.phone || '—'), h('span'),
      ct.username ? [h('span', { class: 'k' }, 'Username'), h('span', { class: 'v', testid: 'contact-username' }, `@${ct.username}`), h('span')] : null,
      h('span', { class: 'k' }, 'Email'), h('span', { class: 'v', testid: 'contact-email' }, ct.email || '—'), h('span'),
      h('span', { class: 'k' }, 'User ID'), h('span', { class: 'v', testid: 'contact-user-id' }, ct.platformUserId || '—'), h('span')),
    ct.platform === 'whatsapp' && !ct.phone ? h('div', { class: 'row' },
      h('button', { class: 'btn btn-sm', testid: 'request-phone', title: 'Ask the customer to share their phone number on WhatsApp',
        onclick: (e) => requestPhone(e.currentTarget, conv) }, 'Request phone number')) : null,
    ct.platform === 'instagram' ? h('div', { class: 'info-note', testid: 'instagram-note' },
      'Instagram does not allow collecting email or phone numbers. Record them separately, e.g. in a custom field.') : null);
}

/** A datalist's suggestions, replaced only when the names change (an open suggestion list stays open). */
function options(list, names) {
  const key = JSON.stringify(names);
  if (list.dataset.names === key) return;
  list.dataset.names = key;
  mount(list, names.map((n) => h('option', { value: n })));
}

/** Field rows kept by name: a value being edited (it differs from what the server said) is left alone. */
function updateFields(ct) {
  const s = shown;
  const fields = ct.fields || {};
  const names = Object.keys(fields).sort();
  for (const [name, row] of s.fieldRows) {
    if (!(name in fields)) { row.el.remove(); s.fieldRows.delete(name); }
  }
  let at = s.fieldList.firstChild;
  for (const name of names) {
    let row = s.fieldRows.get(name);
    if (!row) {
      row = fieldRow(name);
      s.fieldRows.set(name, row);
    }
    const edited = row.input.value !== row.input.dataset.orig;
    row.server = fields[name];
    row.input.dataset.orig = fields[name];
    if (!edited) row.input.value = fields[name];
    if (row.el === at) { at = at.nextSibling; continue; }
    s.fieldList.insertBefore(row.el, at);
  }
}

function fieldRow(name) {
  const input = h('input', { testid: 'field-value', maxlength: 4096, dataset: { name, orig: '' }, value: '', 'aria-label': `Value of ${name}` });
  const row = { input, server: '' };
  // the row's contact, not whichever is open when a save runs: leaving the field for another
  // conversation saves to the contact it was typed for
  const contact = currentConversation().contact;
  const path = () => `${base(contact)}/fields/${enc(name)}`;
  const saveField = async () => {
    // unchanged, or this value's save already under way (Enter, then leaving the field)
    if (input.value === row.server || input.value === input.dataset.orig) return;
    input.dataset.orig = input.value; // what the server is about to say
    // a refused value stays in the field as an edit, with the server's reason shown
    if (!await call(api.put(path(), { value: input.value }))) input.dataset.orig = row.server;
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') saveField();
    if (e.key === 'Escape') { input.value = row.server; input.blur(); }
  });
  // an edit is saved when the agent leaves the field: clicking elsewhere does not lose it. A blank
  // one waits (× removes a field): the field emptied on the way to a new value is not saved
  input.addEventListener('blur', () => { if (input.value.trim()) saveField(); });
  row.el = h('div', { class: 'field-row', testid: 'field-row', dataset: { name } },
    h('span', { class: 'fname', testid: 'field-name' }, name), input,
    h('button', { class: 'btn-icon', testid: 'field-save', dataset: { name }, title: 'Save value', onclick: saveField }, '✓'),
    h('button', { class: 'btn-icon', testid: 'field-remove', dataset: { name }, title: 'Remove field', onclick: () => call(api.del(path())) }, '×'));
  return row;
}

// the pane follows the store: the open conversation's contact, and the account's field and label names
subscribe(['conversation', 'names', 'reference'], () => { if (state.user) renderContact(document.getElementById('contact-pane')); });
