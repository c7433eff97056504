// The right pane: the contact's display name (edit + Save), platform name (refresh), details,
// custom fields (add, edit, remove; names from the account's list) and labels (add, ×).

import { h, mount, initials, platformName, toast, contactLabel } from './dom.js';
import { api, enc } from './api.js';
import { S, currentConversation, refreshConversation, refreshNames, setView } from './app.js';

let editingName = false;
let lastContactId = null;

function datalist(id, names) {
  return h('datalist', { id }, names.map((n) => h('option', { value: n })));
}

/** Applies a contact returned by the API everywhere it shows. */
function applyContact(contact) {
  const cur = currentConversation();
  if (cur && cur.contact && cur.contact.id === contact.id) { cur.contact = { ...cur.contact, ...contact }; cur.labels = cur.contact.labels; }
  for (const c of S.convs.values()) if (c.contact && c.contact.id === contact.id) c.contact = { ...c.contact, ...contact };
  renderContact(document.getElementById('contact-pane'));
  if (cur) refreshConversation(cur.id);
  refreshNames().then(() => renderContact(document.getElementById('contact-pane')));
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

export function renderContact(pane) {
  const conv = currentConversation();
  if (!pane) return;
  if (!conv || !conv.contact) {
    pane.dataset.contact = '';
    mount(pane, h('div', { class: 'thread-empty', style: 'padding:30px;text-align:center' }, 'Contact details appear here.'));
    return;
  }
  const ct = conv.contact;
  if (ct.id !== lastContactId) { editingName = false; lastContactId = ct.id; }
  // keep what the agent is typing when a live update re-renders the pane, but only for the
  // contact it was typed for: another contact's pane starts from that contact's stored values
  const typing = {};
  const sameContact = pane.dataset.contact === String(ct.id);
  pane.dataset.contact = String(ct.id);
  for (const el of sameContact ? pane.querySelectorAll('input[data-testid]') : []) {
    // a field value is kept only while it is being edited (differs from what the server said)
    if (el.dataset.testid === 'field-value' && el.value === el.dataset.orig) continue;
    typing[el.dataset.testid + (el.dataset.name || '')] = el.value;
  }
  const focused = document.activeElement && pane.contains(document.activeElement) ? document.activeElement.dataset.testid + (document.activeElement.dataset.name || '') : null;

  const base = `/contacts/${enc(ct.id)}`;
  const display = contactLabel(ct);

  let nameBlock;
  if (editingName) {
    const input = h('input', { testid: 'contact-name-input', value: ct.displayName || '', 'aria-label': 'Display name' });
    const fallback = ct.platformName || ct.phone || (ct.username ? `@${ct.username}` : '') || ct.platformUserId || '';
    const note = h('span', { class: 'muted field-note', testid: 'contact-name-note', hidden: true }, '');
    // an empty name is a choice to show the platform's name: said before it is saved, not after
    const showNote = () => {
      const empty = !input.value.trim();
      note.hidden = !empty;
      note.textContent = empty ? `Without a display name, “${fallback}” (from ${platformName(ct.platform)}) is shown.` : '';
    };
    input.addEventListener('input', showNote);
    const save = async () => { if (await call(api.patch(base, { displayName: input.value.trim() }))) { editingName = false; renderContact(pane); } };
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') save(); if (e.key === 'Escape') { editingName = false; renderContact(pane); } });
    nameBlock = h('div', { class: 'name-edit' }, h('div', { class: 'row' }, input,
      h('button', { class: 'btn btn-primary btn-sm', testid: 'contact-save', onclick: save }, 'Save'),
      h('button', { class: 'btn btn-sm', testid: 'contact-cancel', onclick: () => { editingName = false; renderContact(pane); } }, 'Cancel')), note);
    showNote();
    setTimeout(() => input.focus(), 0);
  } else {
    nameBlock = h('div', { class: 'row' }, h('span', { class: 'dn', testid: 'contact-display-name' }, display),
      h('button', { class: 'btn-icon', testid: 'contact-edit', title: 'Edit display name', onclick: () => { editingName = true; renderContact(pane); } }, '✎'));
  }

  const canRefresh = ct.platform !== 'whatsapp';
  const fieldNames = Object.keys(ct.fields || {}).sort();
  const fieldRows = fieldNames.map((name) => {
    const value = h('input', { testid: 'field-value', dataset: { name, orig: ct.fields[name] }, value: ct.fields[name], 'aria-label': `Value of ${name}` });
    const saveField = () => {
      if (value.value === ct.fields[name]) return;
      value.dataset.orig = value.value; // what the server is about to say
      call(api.put(`${base}/fields/${enc(name)}`, { value: value.value }));
    };
    value.addEventListener('keydown', (e) => { if (e.key === 'Enter') saveField(); });
    return h('div', { class: 'field-row', testid: 'field-row', dataset: { name } },
      h('span', { class: 'fname', testid: 'field-name' }, name), value,
      h('button', { class: 'btn-icon', testid: 'field-save', dataset: { name }, title: 'Save value', onclick: saveField }, '✓'),
      h('button', { class: 'btn-icon', testid: 'field-remove', dataset: { name }, title: 'Remove field', onclick: () => call(api.del(`${base}/fields/${enc(name)}`)) }, '×'));
  });
  const newName = h('input', { testid: 'field-name-input', placeholder: 'Field name', list: 'field-names', 'aria-label': 'New field name' });
  const newValue = h('input', { testid: 'field-value-input', placeholder: 'Value', 'aria-label': 'New field value' });
  const addField = async () => {
    const name = newName.value.trim();
    if (!name) { newName.focus(); return; }
    const value = newValue.value;
    // cleared before the answer re-renders the pane (which keeps whatever is typed)
    newName.value = ''; newValue.value = '';
    if (!await call(api.put(`${base}/fields/${enc(name)}`, { value }))) {
      pane.querySelector('[data-testid=field-name-input]').value = name;
      pane.querySelector('[data-testid=field-value-input]').value = value;
    }
  };
  newValue.addEventListener('keydown', (e) => { if (e.key === 'Enter') addField(); });

  const labelInput = h('input', { testid: 'label-input', placeholder: 'Add a label', list: 'label-names', 'aria-label': 'Add a label' });
  const addLabel = async () => {
    const name = labelInput.value.trim();
    if (!name) return;
    labelInput.value = '';
    if (!await call(api.post(`${base}/labels`, { name }))) pane.querySelector('[data-testid=label-input]').value = name;
  };
  labelInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') addLabel(); });

  mount(pane,
    h('div', { class: 'narrow-only pane-back' }, h('button', { class: 'btn btn-sm', testid: 'back-to-thread', onclick: () => setView('thread') }, '← Conversation')),
    h('div', { class: 'contact-head' },
      h('span', { class: 'avatar' }, initials(display)),
      nameBlock,
      h('span', { class: 'muted', style: 'font-size:12px' }, `${platformName(ct.platform)} contact`)),
    h('div', { class: 'section' }, h('h3', {}, 'Contact info'),
      h('div', { class: 'kv' },
        h('span', { class: 'k' }, 'Platform name'), h('span', { class: 'v', testid: 'contact-platform-name' }, ct.platformName || '—'),
        canRefresh ? h('button', { class: 'btn-icon', testid: 'contact-refresh', title: `Fetch the current name from ${platformName(ct.platform)}`,
          onclick: () => call(api.post(`${base}/refresh-name`, {})) }, '⟳') : h('span'),
        h('span', { class: 'k' }, 'Phone'), h('span', { class: 'v', testid: 'contact-phone' }, ct.phone || '—'), h('span'),
        ct.username ? [h('span', { class: 'k' }, 'Username'), h('span', { class: 'v', testid: 'contact-username' }, `@${ct.username}`), h('span')] : null,
        h('span', { class: 'k' }, 'Email'), h('span', { class: 'v', testid: 'contact-email' }, ct.email || '—'), h('span'),
        h('span', { class: 'k' }, 'User ID'), h('span', { class: 'v', testid: 'contact-user-id' }, ct.platformUserId || '—'), h('span')),
      ct.platform === 'whatsapp' && !ct.phone ? h('div', { class: 'row' },
        h('button', { class: 'btn btn-sm', testid: 'request-phone', title: 'Ask the customer to share their phone number on WhatsApp',
          onclick: (e) => requestPhone(e.currentTarget, conv) }, 'Request phone number')) : null,
      ct.platform === 'instagram' ? h('div', { class: 'info-note', testid: 'instagram-note' },
        'Instagram does not allow collecting email or phone numbers. Record them separately, e.g. in a custom field.') : null),
    h('div', { class: 'section', testid: 'fields-section' }, h('h3', {}, 'Custom fields'),
      fieldRows.length ? fieldRows : h('span', { class: 'muted', style: 'font-size:13px' }, 'No custom fields yet.'),
      datalist('field-names', S.fields),
      h('div', { class: 'field-add' }, newName, newValue, h('button', { class: 'btn btn-sm', testid: 'field-add', onclick: addField }, 'Add'))),
    h('div', { class: 'section', testid: 'labels-section' }, h('h3', {}, 'Labels'),
      h('div', { class: 'labels' }, (ct.labels || []).map((name) => h('span', { class: 'chip label-chip', testid: 'label-chip', dataset: { name } }, name,
        h('button', { testid: 'label-remove', dataset: { name }, title: `Remove ${name}`, onclick: () => call(api.del(`${base}/labels/${enc(name)}`)) }, '×'))),
      (ct.labels || []).length ? null : h('span', { class: 'muted', style: 'font-size:13px' }, 'No labels.')),
      datalist('label-names', S.labels),
      h('div', { class: 'row' }, labelInput, h('button', { class: 'btn btn-sm', testid: 'label-add', onclick: addLabel }, 'Add'))));

  for (const el of pane.querySelectorAll('input[data-testid]')) {
    const key = el.dataset.testid + (el.dataset.name || '');
    if (typing[key] !== undefined) el.value = typing[key];
    if (key === focused) el.focus();
  }
}
