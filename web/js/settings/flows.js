// Settings → Bot flows: the account's flows in the order the bot tries them, each with its
// switch and channel scope, moved up and down (buttons or Alt+arrows); a flow is edited in a form
// or as its JSON (the server checks it whole and says what is wrong); the test panel asks the
// server's own evaluator what a message would do.

import { h, mount, toast, platformName } from '../dom.js';
import { api, enc, ifMatch } from '../api.js';
import { state as S } from '../store.js';
import { openModal } from '../ui.js';
import { field, errorLine, confirmDelete } from './forms.js';

/**
 * What a new flow starts from: empty, so an admin who fills in only the name and keywords saves
 * no other flow's reply or label. A function, so every editor gets objects of its own.
 */
const blankFlow = () => ({
  name: '',
  enabled: true,
  channelId: null,
  trigger: { type: 'keyword', keywords: [] },
  actions: [{ type: 'reply', text: '' }],
});

export async function renderFlows(into) {
  const list = h('div', { class: 'set-list', testid: 'flow-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const panel = h('div', { testid: 'flow-test-panel' });
  mount(into,
    h('p', { class: 'muted' }, 'The bot answers only Closed conversations. For each customer message it runs the first enabled flow, in this order (↑ ↓ or Alt+↑ Alt+↓ to move one), whose trigger matches: keyword (whole word, accents and case ignored), regex, any, first message or button payload. Actions: reply, label, field, hand-off to agents or a team.'),
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
  const move = async (from, to, focusTestid) => {
    if (to < 0 || to >= flows.length) return;
    const order = flows.slice();
    const [f] = order.splice(from, 1);
    order.splice(to, 0, f);
    try {
      // the whole order in one request: the server writes it in one transaction, or nothing when
      // another admin added or deleted a flow meanwhile (the list is read again below either way)
      await api.put('/flows/order', { ids: order.map((x) => x.id) });
      toast(`${f.name} is now number ${to + 1} of ${order.length}`);
    } catch (e) { toast(e.message); }
    // while the list is read again the focus has nowhere to be: the move's own event must not redraw it meanwhile
    into.setAttribute('aria-busy', 'true');
    try {
      await renderFlows(into);
      const row = into.querySelector(`[data-testid=flow-row][data-id="${f.id}"]`);
      const target = row && (row.querySelector(`[data-testid=${focusTestid}]:not([disabled])`) || row.querySelector('[data-testid=flow-edit]'));
      if (target) target.focus();
    } finally {
      into.removeAttribute('aria-busy');
    }
  };
  mount(list, flows.length ? flows.map((f, index) => {
    const toggle = h('input', { type: 'checkbox', testid: 'flow-enabled', checked: f.enabled, 'aria-label': `${f.name} enabled` });
    toggle.addEventListener('change', async () => {
      try {
        await api.put(`/flows/${enc(f.id)}`, { enabled: toggle.checked });
        toast(`${f.name} is ${toggle.checked ? 'on' : 'off'}`);
      } catch (e) { toggle.checked = !toggle.checked; toast(e.message); }
    });
    return h('article', { class: 'set-card set-row', testid: 'flow-row', dataset: { id: f.id, name: f.name },
      // Alt+↑ / Alt+↓ anywhere in the row moves the flow, as the buttons do
      onkeydown: (e) => {
        if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
        e.preventDefault();
        move(index, index + (e.key === 'ArrowUp' ? -1 : 1), e.key === 'ArrowUp' ? 'flow-up' : 'flow-down');
      } },
      h('span', { class: 'flow-order muted', 'aria-hidden': 'true' }, `${index + 1}.`),
      h('label', { class: 'check' }, toggle),
      h('div', { class: 'grow' },
        h('div', { class: 'set-card-title', testid: 'flow-name' }, f.name),
        h('div', { class: 'muted set-hint' }, `${triggerText(f.trigger)} · ${scope(f)} · ${f.actions.length} action${f.actions.length === 1 ? '' : 's'}`)),
      h('button', { class: 'btn btn-sm', testid: 'flow-up', 'aria-label': `Move ${f.name} up (Alt+↑)`, disabled: index === 0, onclick: () => move(index, index - 1, 'flow-up') }, '↑'),
      h('button', { class: 'btn btn-sm', testid: 'flow-down', 'aria-label': `Move ${f.name} down (Alt+↓)`, disabled: index === flows.length - 1, onclick: () => move(index, index + 1, 'flow-down') }, '↓'),
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

const TRIGGERS = [['keyword', 'Keywords'], ['regex', 'Regular expression'], ['any', 'Any message'], ['first_message', 'First message'], ['payload', 'Button payloads']];
const ACTIONS = [['reply', 'Reply'], ['label', 'Add label'], ['field', 'Set field'], ['handoff', 'Hand off']];

/**
 * The flow editor: a form for the common shapes (one trigger, a list of actions) beside the JSON,
 * either one shown; switching carries the flow over, so what the form cannot show (a reply's
 * buttons) is kept and can be edited as JSON. The server checks the flow whole on Save.
 */
function openEditor(flow, channels, done) {
  let current = flow
    ? { name: flow.name, enabled: flow.enabled, channelId: flow.channelId || null, position: flow.position, trigger: structuredClone(flow.trigger), actions: structuredClone(flow.actions) }
    : blankFlow();
  const text = h('textarea', { testid: 'flow-json', rows: 16, spellcheck: 'false', class: 'code', maxlength: 100000 });
  const error = errorLine('flow-error');
  const ids = channels.map((c) => `${c.id} = ${c.name} (${platformName(c.platform)})`).join('; ');
  const jsonView = h('div', { hidden: true }, field('The flow as JSON', text, `channelId: null for every channel, or one of ${ids || 'your channels'}. Hand-off: {"type": "handoff"} or with "teamId".`));
  const formView = h('div', { class: 'set-form', testid: 'flow-form' });
  let mode = 'form';
  const formTab = h('button', { type: 'button', class: 'btn btn-sm', testid: 'flow-mode-form', 'aria-pressed': 'true' }, 'Form');
  const jsonTab = h('button', { type: 'button', class: 'btn btn-sm', testid: 'flow-mode-json', 'aria-pressed': 'false' }, 'JSON');
  let read = () => current;
  const showForm = () => { read = flowForm(formView, current, channels); };
  const switchTo = (next) => {
    error.show('');
    if (next === mode) return;
    if (next === 'json') {
      current = read();
      text.value = JSON.stringify(current, null, 2);
    } else {
      try { current = JSON.parse(text.value); } catch (e) { error.show(`Not valid JSON: ${e.message}`); return; }
      showForm();
    }
    mode = next;
    formView.hidden = mode !== 'form'; jsonView.hidden = mode !== 'json';
    formTab.setAttribute('aria-pressed', String(mode === 'form')); jsonTab.setAttribute('aria-pressed', String(mode === 'json'));
  };
  formTab.onclick = () => switchTo('form');
  jsonTab.onclick = () => switchTo('json');
  showForm();
  openModal(flow ? `Edit “${flow.name}”` : 'New flow', h('div', { class: 'set-form' },
    h('div', { class: 'set-actions', role: 'group', 'aria-label': 'Edit as' }, formTab, jsonTab),
    formView, jsonView, error), async (close) => {
    let body;
    if (mode === 'json') {
      try {
        body = JSON.parse(text.value);
      } catch (e) {
        error.show(`Not valid JSON: ${e.message}`);
        return;
      }
    } else {
      body = read();
    }
    try {
      if (flow) await api.put(`/flows/${enc(flow.id)}`, body, ifMatch(flow)); else await api.post('/flows', body);
      close(); toast('Flow saved'); done();
    } catch (e) {
      // another admin (or a label rename) changed it since this editor opened: their change is kept
      error.show(e.status === 412 ? 'Another admin changed this flow since you opened it. Close, open it again to see their version, then make your change.'
        : `The server refused the flow: ${e.message}`);
    }
  }, 'Save', 'flow-save');
  formView.querySelector('input')?.focus();
}

/** Draws the form for flow f into el; answers a function that reads the flow back from it. */
function flowForm(el, f, channels) {
  const list = (v) => String(v || '').split(',').map((x) => x.trim()).filter(Boolean);
  const name = h('input', { testid: 'ff-name', maxlength: 200, value: f.name || '' });
  const enabled = h('input', { type: 'checkbox', testid: 'ff-enabled', checked: f.enabled !== false });
  const channel = h('select', { testid: 'ff-channel' }, h('option', { value: '' }, 'All channels'),
    channels.map((c) => h('option', { value: c.id, selected: String(c.id) === String(f.channelId) }, `${c.name} (${platformName(c.platform)})`)));
  const t = f.trigger || { type: 'keyword', keywords: [] };
  const ttype = h('select', { testid: 'ff-trigger' }, TRIGGERS.map(([v, l]) => h('option', { value: v, selected: v === t.type }, l)));
  const tvalue = h('input', { testid: 'ff-trigger-value', maxlength: 2000, autocomplete: 'off',
    value: t.type === 'keyword' ? (t.keywords || []).join(', ') : t.type === 'payload' ? (t.payloads || []).join(', ') : t.pattern || '' });
  const tfield = field('Keywords or pattern', tvalue);
  const tlabel = tfield.querySelector('label');
  const showTrigger = () => {
    const needs = ttype.value === 'keyword' || ttype.value === 'regex' || ttype.value === 'payload';
    tfield.hidden = !needs;
    tlabel.textContent = ttype.value === 'keyword' ? 'Keywords (comma-separated, whole words)' : ttype.value === 'payload' ? 'Payloads (comma-separated)' : 'Regular expression';
  };
  ttype.addEventListener('change', showTrigger);
  showTrigger();
  const rows = h('div', { class: 'set-list', testid: 'ff-actions' });
  const readers = [];
  const addAction = (a) => {
    const kind = h('select', { testid: 'ff-action-type', 'aria-label': 'Action' }, ACTIONS.map(([v, l]) => h('option', { value: v, selected: v === a.type }, l)));
    const one = h('input', { testid: 'ff-action-value', maxlength: 4096, autocomplete: 'off', 'aria-label': 'Text or name',
      value: a.type === 'reply' ? a.text || '' : a.type === 'label' || a.type === 'field' ? a.name || '' : '' });
    const two = h('input', { testid: 'ff-action-value2', maxlength: 4096, autocomplete: 'off', 'aria-label': 'Field value', value: a.type === 'field' ? a.value || '' : '' });
    const team = h('select', { testid: 'ff-action-team', 'aria-label': 'Hand off to' }, h('option', { value: '' }, 'The agents (Open)'),
      (S.teams || []).map((tm) => h('option', { value: tm.id, selected: String(tm.id) === String(a.teamId) }, `Team ${tm.name}`)));
    const extra = a.quickReplies && a.quickReplies.length ? h('span', { class: 'muted set-hint' }, `${a.quickReplies.length} button(s), kept (edit them as JSON)`) : null;
    const row = h('div', { class: 'ff-action', testid: 'ff-action' }, kind, one, two, team, extra);
    const shape = () => {
      one.hidden = kind.value === 'handoff'; two.hidden = kind.value !== 'field'; team.hidden = kind.value !== 'handoff';
      one.placeholder = kind.value === 'reply' ? 'Reply text, {{field}} allowed' : kind.value === 'label' ? 'Label' : 'Field name';
    };
    kind.addEventListener('change', shape);
    shape();
    const reader = () => {
      if (kind.value === 'reply') return { ...(a.type === 'reply' ? a : {}), type: 'reply', text: one.value };
      if (kind.value === 'label') return { type: 'label', name: one.value.trim() };
      if (kind.value === 'field') return { type: 'field', name: one.value.trim(), value: two.value };
      return team.value ? { type: 'handoff', teamId: team.value } : { type: 'handoff' };
    };
    readers.push(reader);
    row.append(h('button', { type: 'button', class: 'btn btn-sm', testid: 'ff-action-remove', 'aria-label': 'Remove this action',
      onclick: () => { readers.splice(readers.indexOf(reader), 1); row.remove(); } }, 'Remove'));
    rows.append(row);
    return row;
  };
  (f.actions || []).forEach(addAction);
  mount(el,
    field('Name', name),
    h('label', { class: 'check' }, enabled, ' Enabled'),
    field('Channel', channel),
    field('Trigger', ttype), tfield,
    h('fieldset', { class: 'set-fieldset ff-fieldset' }, h('legend', {}, 'Actions, in order'), rows,
      h('div', {}, h('button', { type: 'button', class: 'btn btn-sm', testid: 'ff-action-add',
        onclick: () => addAction({ type: 'reply', text: '' }).querySelector('input').focus() }, 'Add action'))));
  return () => {
    const trig = { type: ttype.value };
    if (ttype.value === 'keyword') trig.keywords = list(tvalue.value);
    if (ttype.value === 'payload') trig.payloads = list(tvalue.value);
    if (ttype.value === 'regex') trig.pattern = tvalue.value;
    return { ...f, name: name.value.trim(), enabled: enabled.checked, channelId: channel.value || null, trigger: trig, actions: readers.map((r) => r()) };
  };
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
