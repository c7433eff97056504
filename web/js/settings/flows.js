// Settings → Bot flows: the account's flows in the order the bot tries them, each with its
// switch and channel scope; a flow is edited as its JSON (the server checks it whole and says
// what is wrong); the test panel asks the server's own evaluator what a message would do.

import { h, mount, toast, platformName } from '../dom.js';
import { api, enc } from '../api.js';
import { openModal } from '../newcontact.js';
import { field, errorLine, confirmDelete } from './settings.js';

/** A starting point for a new flow: a keyword trigger and the kinds of action there are. */
const EXAMPLE = {
  name: 'Opening hours',
  enabled: true,
  channelId: null,
  trigger: { type: 'keyword', keywords: ['hours', 'open'] },
  actions: [
    { type: 'reply', text: 'We are open 9 to 17, Monday to Friday.' },
    { type: 'label', name: 'asked-hours' },
  ],
};

export async function renderFlows(into) {
  const list = h('div', { class: 'set-list', testid: 'flow-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const panel = h('div', { testid: 'flow-test-panel' });
  mount(into,
    h('p', { class: 'muted' }, 'The bot answers only Closed conversations. For each customer message it runs the first enabled flow, in this order, whose trigger matches: keyword (whole word, accents and case ignored), regex, any, first message or button payload. Actions: reply, label, field, hand-off to agents or a team.'),
    h('div', { class: 'set-actions' }, h('button', { class: 'btn btn-primary', testid: 'flow-new', onclick: () => openEditor(null, channels, again) }, 'New flow')),
    list, panel);
  let flows; let channels = [];
  const again = () => renderFlows(into);
  try {
    [flows, channels] = await Promise.all([api.get('/flows'), api.get('/channels')]).then((rs) => rs.map((r) => r.items || []));
  } catch (e) {
    mount(list, h('p', { class: 'error' }, e.message));
    return;
  }
  const scope = (f) => {
    if (!f.channelId) return 'All channels';
    const ch = channels.find((c) => String(c.id) === String(f.channelId));
    return ch ? `${ch.name} (${platformName(ch.platform)})` : `channel ${f.channelId}`;
  };
  mount(list, flows.length ? flows.map((f) => {
    const toggle = h('input', { type: 'checkbox', testid: 'flow-enabled', checked: f.enabled, 'aria-label': `${f.name} enabled` });
    toggle.addEventListener('change', async () => {
      try {
        await api.put(`/flows/${enc(f.id)}`, { enabled: toggle.checked });
        toast(`${f.name} is ${toggle.checked ? 'on' : 'off'}`);
      } catch (e) { toggle.checked = !toggle.checked; toast(e.message); }
    });
    return h('article', { class: 'set-card set-row', testid: 'flow-row', dataset: { id: f.id, name: f.name } },
      h('label', { class: 'check' }, toggle),
      h('div', { class: 'grow' },
        h('div', { class: 'set-card-title', testid: 'flow-name' }, f.name),
        h('div', { class: 'muted set-hint' }, `${triggerText(f.trigger)} · ${scope(f)} · ${f.actions.length} action${f.actions.length === 1 ? '' : 's'}`)),
      h('button', { class: 'btn btn-sm', testid: 'flow-edit', 'aria-label': `Edit ${f.name}`, onclick: () => openEditor(f, channels, again) }, 'Edit'),
      h('button', { class: 'btn btn-sm', testid: 'flow-delete', 'aria-label': `Delete ${f.name}`, onclick: () => confirmDelete(`Delete “${f.name}”?`, 'The bot stops running it at once.', `/flows/${enc(f.id)}`, again, 'flow-delete-confirm') }, 'Delete'));
  }) : h('p', { class: 'muted' }, 'No flow yet: the bot stays silent.'));
  mount(panel, testPanel(channels));
}

function triggerText(t) {
  if (!t) return '';
  if (t.type === 'keyword') return `Keyword: ${(t.keywords || []).join(', ')}`;
  if (t.type === 'regex') return `Regex: ${t.pattern}`;
  if (t.type === 'payload') return `Payload: ${(t.payloads || []).join(', ')}`;
  if (t.type === 'first_message') return 'First message';
  return t.type === 'any' ? 'Any message' : t.type;
}

function openEditor(flow, channels, done) {
  const json = flow
    ? { name: flow.name, enabled: flow.enabled, channelId: flow.channelId || null, position: flow.position, trigger: flow.trigger, actions: flow.actions }
    : EXAMPLE;
  const text = h('textarea', { testid: 'flow-json', rows: 16, spellcheck: 'false', class: 'code', maxlength: 100000 });
  text.value = JSON.stringify(json, null, 2);
  const error = errorLine('flow-error');
  const ids = channels.map((c) => `${c.id} = ${c.name} (${platformName(c.platform)})`).join('; ');
  openModal(flow ? `Edit “${flow.name}”` : 'New flow', h('div', { class: 'set-form' },
    field('The flow as JSON', text, `channelId: null for every channel, or one of ${ids || 'your channels'}. Hand-off: {"type": "handoff"} or with "teamId".`),
    error), async (close) => {
    let body;
    try {
      body = JSON.parse(text.value);
    } catch (e) {
      error.show(`Not valid JSON: ${e.message}`);
      return;
    }
    try {
      if (flow) await api.put(`/flows/${enc(flow.id)}`, body); else await api.post('/flows', body);
      close(); toast('Flow saved'); done();
    } catch (e) { error.show(`The server refused the flow: ${e.message}`); }
  }, 'Save', 'flow-save');
  text.focus();
}

/** Type a message, pick a channel: which flow would run and what it would do (nothing is sent). */
function testPanel(channels) {
  const text = h('input', { testid: 'flow-test-text', maxlength: 4096, autocomplete: 'off' });
  const channel = h('select', { testid: 'flow-test-channel' }, channels.map((c) => h('option', { value: c.id }, `${c.name} (${platformName(c.platform)})`)));
  const payload = h('input', { testid: 'flow-test-payload', maxlength: 1000, autocomplete: 'off' });
  const first = h('input', { type: 'checkbox', testid: 'flow-test-first' });
  const result = h('div', { class: 'flow-result', testid: 'flow-test-result', role: 'status' });
  const form = h('form', { class: 'set-card set-form', 'aria-labelledby': 'flow-test-title' },
    h('h2', { class: 'set-card-title', id: 'flow-test-title' }, 'Test a message'),
    h('p', { class: 'muted set-hint' }, 'Evaluated by the bot itself, as for a Closed conversation of a contact with no fields or labels. Nothing is sent.'),
    field('Customer message', text), field('Channel', channel), field('Button payload (optional)', payload),
    h('label', { class: 'check' }, first, ' The customer\'s first message'),
    h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'flow-test-run' }, 'Test')),
    result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!text.value.trim() || !channel.value) { mount(result, h('p', { class: 'error' }, 'A message and a channel are needed.')); return; }
    try {
      const r = await api.post('/flows/test', { text: text.value, channelId: channel.value, payload: payload.value || undefined, firstMessage: first.checked });
      mount(result, r.flow
        ? [h('p', {}, 'Runs ', h('strong', { testid: 'flow-test-flow' }, r.flow.name), ':'),
          h('ul', {}, r.actions.map((a) => h('li', { testid: 'flow-test-action' }, actionText(a)))),
          (r.notes || []).map((n) => h('p', { class: 'muted set-hint' }, n))]
        : h('p', { testid: 'flow-test-none' }, 'No flow matches: the bot stays silent.'));
    } catch (ex) { mount(result, h('p', { class: 'error' }, ex.message)); }
  });
  return form;
}

function actionText(a) {
  if (a.type === 'reply') return `Reply: “${a.text}”`;
  if (a.type === 'label') return `Add label “${a.name}”`;
  if (a.type === 'field') return `Set ${a.name} = “${a.value}”`;
  if (a.type === 'handoff') return a.teamId ? `Hand off to team ${a.teamId}` : 'Hand off to the agents (Open)';
  return a.type;
}
