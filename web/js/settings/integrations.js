// Settings → Integrations: API keys for other systems (made with scopes, the secret shown once,
// revoked at once) and outgoing webhook endpoints (the events they get, the signing secret shown
// once and rotatable, on/off, a test event, the delivery log with resend).

import { h, mount, toast, absoluteTime } from '../dom.js';
import { api, enc } from '../api.js';
import { openModal } from '../ui.js';
import { copyable, field, errorLine, confirmDelete } from './forms.js';

const SCOPES = [
  ['read', 'Read', 'conversations, messages, contacts, lists'],
  ['write', 'Write', 'statuses, assignment, contacts, labels, fields'],
  ['send', 'Send', 'replies, notes, templates'],
];

export async function renderIntegrations(into) {
  const keys = h('div', { class: 'set-list', testid: 'key-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const hooks = h('div', { class: 'set-list', testid: 'endpoint-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const again = () => renderIntegrations(into);
  mount(into,
    h('h2', { class: 'set-subtitle' }, 'API keys'),
    h('p', { class: 'muted' }, 'A key lets another system call the API as itself: its messages and changes show as “API: <name>”. It is shown once when made; revoking it stops it at once.'),
    h('div', { class: 'set-actions' }, h('button', { class: 'btn btn-primary', testid: 'key-new', onclick: () => openNewKey(again) }, 'Create API key')),
    keys,
    h('h2', { class: 'set-subtitle' }, 'Webhook endpoints'),
    h('p', { class: 'muted' }, 'Switchboard POSTs the events you pick to each endpoint, signed with its secret (Switchboard-Signature), in order per conversation, retried for 24 hours.'),
    h('div', { class: 'set-actions' }, h('button', { class: 'btn btn-primary', testid: 'endpoint-new', onclick: () => openNewEndpoint(again) }, 'Add endpoint')),
    hooks);
  try {
    const [k, e] = await Promise.all([api.get('/api-keys'), api.get('/webhook-endpoints')]);
    mount(keys, (k.items || []).length ? k.items.map((key) => keyCard(key, again)) : h('p', { class: 'muted', testid: 'key-empty' }, 'No API key yet.'));
    mount(hooks, (e.items || []).length ? e.items.map((ep) => endpointCard(ep, again)) : h('p', { class: 'muted', testid: 'endpoint-empty' }, 'No endpoint yet.'));
  } catch (err) {
    mount(keys, h('p', { class: 'error' }, err.message));
    mount(hooks);
  }
}

/** A secret shown once: copy it now. */
function showSecret(title, what, secret, testid) {
  openModal(title, h('div', { class: 'set-form', testid: `${testid}-shown` },
    h('p', {}, `Copy the ${what} now: it is not shown again.`),
    copyable(what[0].toUpperCase() + what.slice(1), secret, testid)));
}

// ---------- API keys ----------

function keyCard(k, again) {
  return h('article', { class: 'set-card set-row', testid: 'key-row', dataset: { id: k.id, name: k.name } },
    h('div', { class: 'grow' },
      h('div', { class: 'set-card-title', testid: 'key-name' }, k.name),
      h('div', { class: 'muted set-hint' }, h('span', { testid: 'key-scopes' }, k.scopes.join(', ')),
        ' · made ', absoluteTime(k.createdAt), ' · ',
        h('span', { testid: 'key-last-used' }, k.lastUsedAt ? `last used ${absoluteTime(k.lastUsedAt)}` : 'never used'))),
    h('button', { class: 'btn btn-sm', testid: 'key-revoke', 'aria-label': `Revoke ${k.name}`,
      onclick: () => confirmDelete(`Revoke “${k.name}”?`, 'Every call with this key is refused at once. A revoked key cannot be brought back; make a new one instead.',
        `/api-keys/${enc(k.id)}`, again, 'key-revoke-confirm', 'Revoke') }, 'Revoke'));
}

function openNewKey(done) {
  const name = h('input', { testid: 'nk-name', maxlength: 100, autocomplete: 'off' });
  const boxes = SCOPES.map(([s]) => h('input', { type: 'checkbox', value: s, testid: `nk-scope-${s}`, checked: s === 'read' }));
  const error = errorLine('nk-error');
  openModal('Create API key', h('div', { class: 'set-form' },
    field('Name (the system that uses it)', name),
    h('fieldset', { class: 'set-fieldset' }, h('legend', {}, 'Scopes'),
      SCOPES.map(([, label, what], i) => h('label', { class: 'check' }, boxes[i], ` ${label}: ${what}`))),
    error), async (close) => {
    const scopes = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!name.value.trim()) { error.show('A name is needed.'); return; }
    if (!scopes.length) { error.show('Pick at least one scope.'); return; }
    try {
      const key = await api.post('/api-keys', { name: name.value.trim(), scopes });
      close();
      done();
      showSecret(`API key “${key.name}”`, 'API key', key.secret, 'key-secret');
    } catch (e) { error.show(e.message); }
  }, 'Create', 'nk-save');
  name.focus();
}

// ---------- webhook endpoints ----------

const STATUS = { enabled: ['Enabled', 'status-connected'], failing: ['Failing', 'status-attention'], disabled: ['Disabled', 'status-closed'] };

function endpointCard(ep, again) {
  const [label, cls] = STATUS[ep.status] || STATUS.enabled;
  const result = h('p', { class: 'set-hint', testid: 'endpoint-result', role: 'status' });
  const path = `/webhook-endpoints/${enc(ep.id)}`;
  const act = async (fn) => {
    try { await fn(); } catch (e) { result.className = 'set-hint error'; result.textContent = e.message; }
  };
  const test = () => act(async () => {
    result.className = 'set-hint muted'; result.textContent = 'Sending…';
    const a = await api.post(`${path}/test`, {});
    result.className = `set-hint ${a.ok ? 'ok' : 'error'}`;
    result.textContent = `Test event ${a.ok ? 'delivered' : 'failed'}: ${attemptText(a)}`;
    if (log.open) loadLog(ep, logBody);
  });
  const toggle = () => act(async () => {
    await api.patch(path, { enabled: ep.status === 'disabled' });
    toast(ep.status === 'disabled' ? 'Endpoint enabled: it gets the events from now on' : 'Endpoint disabled');
    again();
  });
  const rotate = () => openModal('Rotate the signing secret?', h('p', {}, 'A new secret signs from now on; the old one keeps signing beside it for 24 hours, so the receiver can switch without missing an event.'),
    (close) => act(async () => {
      const r = await api.post(`${path}/rotate-secret`, {});
      close();
      showSecret('New signing secret', 'signing secret', r.secret, 'endpoint-secret');
    }), 'Rotate', 'endpoint-rotate-confirm');
  const logBody = h('div', { class: 'set-list', testid: 'delivery-list' });
  const log = h('details', { class: 'set-details' }, h('summary', { testid: 'delivery-toggle' }, 'Delivery log (7 days)'), logBody);
  log.addEventListener('toggle', () => { if (log.open) loadLog(ep, logBody); });
  return h('article', { class: 'set-card', testid: 'endpoint-card', dataset: { id: ep.id } },
    h('div', { class: 'set-card-head' },
      h('div', { class: 'grow' },
        h('h3', { class: 'set-card-title', testid: 'endpoint-url' }, ep.url),
        h('div', { class: 'muted set-hint' }, ep.description ? `${ep.description} · ` : '',
          h('span', { testid: 'endpoint-events' }, ep.events.includes('*') ? 'all events' : ep.events.join(', ')))),
      h('span', { class: `badge ${cls}`, testid: 'endpoint-status' }, label)),
    ep.disabledReason ? h('p', { class: 'muted set-hint', testid: 'endpoint-reason' }, `Disabled: ${ep.disabledReason}`) : null,
    ep.status === 'failing' ? h('p', { class: 'blocked', testid: 'endpoint-failing' },
      `Failing since ${absoluteTime(ep.failingSince)} (${ep.failedAttempts} attempts); next try ${absoluteTime(ep.nextAttemptAt)}.`) : null,
    result,
    h('div', { class: 'set-actions' },
      h('button', { class: 'btn btn-sm', testid: 'endpoint-test', onclick: test }, 'Send test event'),
      h('button', { class: 'btn btn-sm', testid: 'endpoint-toggle', onclick: toggle }, ep.status === 'disabled' ? 'Enable' : 'Disable'),
      h('button', { class: 'btn btn-sm', testid: 'endpoint-rotate', onclick: rotate }, 'Rotate secret'),
      h('button', { class: 'btn btn-sm', testid: 'endpoint-delete', 'aria-label': `Delete ${ep.url}`,
        onclick: () => confirmDelete('Delete this endpoint?', 'It gets no more events and its delivery log is removed.', path, again, 'endpoint-delete-confirm') }, 'Delete')),
    log);
}

function attemptText(a) {
  const what = a.statusCode ? `HTTP ${a.statusCode}` : (a.error || 'no answer');
  return `${what} in ${a.latencyMs} ms`;
}

async function loadLog(ep, into) {
  mount(into, h('p', { class: 'muted set-hint' }, 'Loading…'));
  let items;
  try {
    items = (await api.get(`/webhook-endpoints/${enc(ep.id)}/deliveries?limit=50`)).items || [];
  } catch (e) {
    mount(into, h('p', { class: 'error' }, e.message));
    return;
  }
  mount(into, items.length ? items.map((d) => {
    const said = h('span', { class: 'muted', role: 'status' });
    return h('div', { class: `delivery ${d.ok ? 'ok' : 'failed'}`, testid: 'delivery-row', dataset: { event: d.eventId, ok: String(d.ok) } },
      h('div', { class: 'delivery-head' },
        h('strong', {}, d.ok ? '✓ ' : '✗ ', d.eventType),
        h('span', { class: 'muted' }, ` #${d.eventId} · attempt ${d.attempt} · ${attemptText(d)} · ${absoluteTime(d.createdAt)}`),
        h('button', { class: 'btn btn-sm', testid: 'delivery-resend', 'aria-label': `Resend event ${d.eventId}`, onclick: async () => {
          try {
            const a = await api.post(`/webhook-endpoints/${enc(ep.id)}/deliveries/${enc(d.id)}/resend`, {});
            toast(`Resent: ${attemptText(a)}`);
            loadLog(ep, into);
          } catch (e) { said.textContent = e.message; }
        } }, 'Resend'), said),
      d.response ? h('pre', { class: 'delivery-response', testid: 'delivery-response' }, d.response) : null);
  }) : h('p', { class: 'muted set-hint', testid: 'delivery-empty' }, 'Nothing sent in the last 7 days.'));
}

async function openNewEndpoint(done) {
  let types = [];
  try { types = (await api.get('/webhook-endpoints/event-types')).items || []; } catch (e) { /* the form still offers all events */ }
  const url = h('input', { testid: 'ne-url', type: 'url', maxlength: 2048, autocomplete: 'off', placeholder: 'https://crm.example.com/switchboard' });
  const description = h('input', { testid: 'ne-description', maxlength: 500, autocomplete: 'off' });
  const all = h('input', { type: 'checkbox', testid: 'ne-all', checked: true });
  const boxes = types.map((t) => h('input', { type: 'checkbox', value: t, testid: 'ne-event', dataset: { type: t }, disabled: true }));
  all.addEventListener('change', () => boxes.forEach((b) => { b.disabled = all.checked; }));
  const error = errorLine('ne-error');
  openModal('Add webhook endpoint', h('div', { class: 'set-form' },
    field('URL (https)', url),
    field('Description', description),
    h('fieldset', { class: 'set-fieldset' }, h('legend', {}, 'Events'),
      h('label', { class: 'check' }, all, ' All events, also types added later'),
      types.map((t, i) => h('label', { class: 'check' }, boxes[i], ` ${t}`))),
    error), async (close) => {
    const events = all.checked ? ['*'] : boxes.filter((b) => b.checked).map((b) => b.value);
    if (!url.value.trim()) { error.show('The URL is needed.'); return; }
    if (!events.length) { error.show('Pick at least one event type, or all events.'); return; }
    try {
      const ep = await api.post('/webhook-endpoints', { url: url.value.trim(), events, description: description.value.trim() });
      close();
      done();
      showSecret('Endpoint added', 'signing secret', ep.secret, 'endpoint-secret');
    } catch (e) { error.show(e.message); }
  }, 'Add', 'ne-save');
  url.focus();
}
