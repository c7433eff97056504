// "Add new contact" (WhatsApp only): phone and name, then a template to open the conversation.

import { h, mount, toast, platformName } from './dom.js';
import { api, enc } from './api.js';
import { state as S, dispatch } from './store.js';
import { openModal } from './ui.js';
import { openConversation, upsertConversation } from './conversation.js';
import { templatePicker } from './templates.js';

export function openNewContact() {
  const channels = S.channels.filter((c) => c.platform === 'whatsapp');
  if (!channels.length) { toast('Add a WhatsApp channel first: new contacts can only be started on WhatsApp.'); return; }
  const channel = h('select', { testid: 'nc-channel' }, channels.map((c) => h('option', { value: c.id }, `${c.name}`)));
  const phone = h('input', { testid: 'nc-phone', placeholder: '+15551234567', type: 'tel' });
  const name = h('input', { testid: 'nc-name', maxlength: 200, placeholder: 'Display name' });
  const error = h('div', { class: 'error', testid: 'nc-error', hidden: true });
  const { modal, close } = openModal('Add new contact', [
    h('p', { class: 'muted', style: 'margin:0;font-size:13px' }, `Start a ${platformName('whatsapp')} conversation: the first message must be an approved template.`),
    h('label', {}, 'WhatsApp channel', channel),
    h('label', {}, 'Phone number (with country code, + or 00)', phone),
    h('label', {}, 'Name', name),
    error,
  ], async () => {
    error.hidden = true;
    const number = phone.value.trim();
    // the server refuses the same; saying it here keeps the agent in the form
    if (!/^(\+|00)/.test(number)) {
      error.textContent = 'Start the number with its country code: + or 00, like +1 415 555 0123 or 0044 20 7946 0958.';
      error.hidden = false;
      phone.setAttribute('aria-invalid', 'true');
      phone.focus();
      return;
    }
    phone.setAttribute('aria-invalid', 'false');
    try {
      const r = await api.post('/contacts', { channelId: channel.value, phone: number, displayName: name.value.trim() || undefined });
      const convId = String(r.conversationId);
      if (!r.created) {
        // a known number: its conversation as it is (an open window means a free-form reply)
        close();
        toast('This number is already a contact: its conversation is open.');
        openConversation(convId);
        return;
      }
      // step 2: the template that opens the conversation
      mount(modal, h('h2', {}, `Send a template to ${name.value.trim() || phone.value.trim()}`),
        templatePicker(channel.value, async (tpl) => {
          await api.post(`/conversations/${enc(convId)}/template`, tpl, { 'Idempotency-Key': crypto.randomUUID() });
          // the agent who starts a conversation handles it: the customer's answer reaches them,
          // not a Closed conversation that only bots watch
          let assigned = true;
          try {
            upsertConversation(await api.patch(`/conversations/${enc(convId)}`, { assignee: { type: 'agent', id: S.user.id } }));
          } catch { assigned = false; }
          close();
          toast(assigned ? 'Template sent — the conversation is assigned to you' : 'Template sent (assign the conversation to someone so the answer is seen)');
          dispatch({ type: 'list/stale' });
          openConversation(convId);
        }),
        h('div', { class: 'buttons' }, h('button', { class: 'btn', testid: 'nc-skip', onclick: () => { close(); dispatch({ type: 'list/stale' }); openConversation(convId); } }, 'Later')));
    } catch (e) { error.textContent = e.message; error.hidden = false; }
  }, 'Next', 'nc-submit');
  phone.focus();
}
