// Settings → Channels: the account's channels, connecting one per platform (the server proves the
// token with the Graph API first), where Meta must send the webhooks, rename and a new token.

import { h, mount, toast, platformName, platformMark, absoluteTime, relativeTime } from '../dom.js';
import { api, enc } from '../api.js';
import { loadReference } from '../reference.js';
import { openModal } from '../ui.js';
import { copyable, field, errorLine } from './forms.js';

/** What each platform's connect form asks for: [body key, label, hint]. */
const FORMS = {
  whatsapp: [
    ['externalId', 'Phone-number ID', 'WhatsApp Manager → API setup: the number\'s ID, not the phone number itself'],
    ['wabaId', 'WhatsApp Business Account ID', 'The WABA that holds the number'],
    ['accessToken', 'Access token', 'A system-user token with whatsapp_business_messaging and whatsapp_business_management'],
  ],
  messenger: [
    ['externalId', 'Page ID', 'The Facebook Page\'s numeric ID'],
    ['accessToken', 'Page access token', 'This Page\'s own access token (not a user token), with pages_messaging'],
  ],
  instagram: [
    ['externalId', 'Instagram account ID', 'The professional account\'s numeric ID'],
    ['accessToken', 'Access token', 'The linked Page\'s token with instagram_manage_messages'],
  ],
};

let container = null;

export async function renderChannels(into) {
  container = into;
  const list = h('div', { class: 'set-list', testid: 'channel-list' }, h('p', { class: 'muted' }, 'Loading…'));
  mount(into,
    h('p', { class: 'muted' }, 'Each channel is a WhatsApp number, a Facebook Page or an Instagram account. Meta confirms that the token owns it before it is saved.'),
    h('div', { class: 'set-actions' }, Object.keys(FORMS).map((p) => h('button', {
      class: 'btn', testid: `connect-${p}`, onclick: () => openConnect(p),
    }, `Connect ${platformName(p)}`))),
    list);
  let items;
  try {
    items = (await api.get('/channels')).items || [];
  } catch (e) {
    mount(list, h('p', { class: 'error' }, e.message));
    return;
  }
  mount(list, items.length ? items.map(channelCard) : h('p', { class: 'muted', testid: 'channel-empty' }, 'No channel yet: connect one above.'));
}

function refresh() {
  if (container && document.contains(container)) renderChannels(container);
  loadReference();
}

/** Where Meta's app settings must point for this channel's platform. */
function webhookUrl(ch) {
  const w = ch.webhook || {};
  return w.url || `${location.origin}${w.path || `/webhooks/${ch.platform}`}`;
}

function webhookBlock(ch) {
  const w = ch.webhook || {};
  return h('div', { class: 'webhook', testid: 'webhook' },
    h('p', { class: 'muted set-hint' }, 'In the Meta app\'s Webhooks settings, paste these as the callback URL and verify token.',
      w.url ? null : ' (PUBLIC_URL is not set, so this is this page\'s own address.)'),
    copyable('Callback URL', webhookUrl(ch), 'webhook-url'),
    w.verifyToken ? copyable('Verify token', w.verifyToken, 'verify-token') : null,
    w.subscribeError ? h('p', { class: 'error', testid: 'subscribe-error' }, `Meta did not subscribe the app to this channel's webhooks: ${w.subscribeError}`) : null);
}

function statusBadge(ch) {
  if (ch.disconnectedAt) return h('span', { class: 'badge status-closed', testid: 'channel-status' }, 'Disconnected');
  return ch.needsAttention
    ? h('span', { class: 'badge status-attention', testid: 'channel-status' }, 'Needs attention')
    : h('span', { class: 'badge status-connected', testid: 'channel-status' }, 'Connected');
}

function channelCard(ch) {
  return h('article', { class: 'set-card', testid: 'channel-card', dataset: { id: ch.id }, 'aria-label': `${ch.name}, ${platformName(ch.platform)}` },
    h('div', { class: 'set-card-head' },
      platformMark(ch.platform),
      h('div', { class: 'grow' },
        h('h2', { class: 'set-card-title', testid: 'channel-name' }, ch.name),
        h('div', { class: 'muted set-hint' }, `${platformName(ch.platform)} · ID `, h('span', { testid: 'channel-external-id' }, ch.externalId),
          ch.wabaId ? ` · WABA ${ch.wabaId}` : '')),
      statusBadge(ch)),
    ch.needsAttention ? h('p', { class: 'blocked', testid: 'channel-attention' }, `Meta said: ${ch.needsAttention}. Give the channel a new token to reconnect it.`) : null,
    h('p', { class: 'muted set-hint' }, 'Connected ', h('time', { datetime: ch.createdAt }, absoluteTime(ch.createdAt)), ' · Last webhook received: ',
      ch.lastWebhookAt ? h('time', { datetime: ch.lastWebhookAt, testid: 'channel-last-webhook', title: absoluteTime(ch.lastWebhookAt) }, `${relativeTime(ch.lastWebhookAt)}${relativeTime(ch.lastWebhookAt) === 'now' ? '' : ' ago'}`)
        : h('span', { testid: 'channel-last-webhook' }, 'none yet')),
    h('details', { class: 'set-details' }, h('summary', { testid: 'webhook-toggle' }, 'Webhook settings for Meta'), webhookBlock(ch)),
    ch.platform === 'whatsapp' ? templatesBlock(ch) : null,
    ch.disconnectedAt ? h('p', { class: 'muted set-hint', testid: 'channel-disconnected' }, 'Disconnected ', absoluteTime(ch.disconnectedAt),
      ': its conversations stay readable, nothing is sent, and what customers write meanwhile is kept and shown once it is connected again.') : null,
    h('div', { class: 'set-actions' },
      h('button', { class: 'btn btn-sm', testid: 'channel-rename', onclick: () => openRename(ch) }, 'Rename'),
      ch.disconnectedAt
        ? h('button', { class: 'btn btn-sm', testid: 'channel-reconnect', onclick: () => openReconnect(ch) }, 'Connect again')
        : [h('button', { class: 'btn btn-sm', testid: 'channel-rotate', onclick: () => openRotate(ch) }, 'New access token'),
          h('button', { class: 'btn btn-sm', testid: 'channel-disconnect', onclick: () => openDisconnect(ch) }, 'Disconnect')]));
}

function openDisconnect(ch) {
  const error = errorLine('disconnect-error');
  openModal(`Disconnect ${ch.name}?`, h('div', { class: 'set-form' },
    h('p', {}, 'Its conversations and messages stay. Nothing is sent on it any more: replies are refused and messages waiting to be sent fail. What customers write meanwhile is kept and shown once it is connected again.'),
    error), async (close) => {
    try {
      const r = await api.post(`/channels/${enc(ch.id)}/disconnect`, {});
      close(); toast(r.failedMessages ? `${ch.name} disconnected; ${r.failedMessages} unsent message(s) failed` : `${ch.name} disconnected`); refresh();
    } catch (e) { error.show(plainError(e)); }
  }, 'Disconnect', 'disconnect-confirm');
}

function openReconnect(ch) {
  const token = h('input', { testid: 'reconnect-token', type: 'password', autocomplete: 'off', maxlength: 4096 });
  const error = errorLine('reconnect-error');
  openModal(`Connect ${ch.name} again`, h('div', { class: 'set-form' },
    h('p', { class: 'muted' }, 'Meta checks the token first. Leave it empty to use the token it had.'),
    field('Access token (optional)', token), error), async (close) => {
    try {
      const r = await api.post(`/channels/${enc(ch.id)}/reconnect`, token.value.trim() ? { accessToken: token.value.trim() } : {});
      close(); toast(r.heldWebhooks ? `${ch.name} is connected again; ${r.heldWebhooks} held webhook(s) are being processed` : `${ch.name} is connected again`); refresh();
    } catch (e) { error.show(plainError(e)); }
  }, 'Check and connect', 'reconnect-save');
  token.focus();
}

/** A WhatsApp channel's approved templates, read-only, fetched when opened (Graph is asked, through the server's cache). */
function templatesBlock(ch) {
  const body = h('div', { class: 'set-list', testid: 'channel-templates' });
  const details = h('details', { class: 'set-details' }, h('summary', { testid: 'templates-toggle' }, 'Approved templates'), body);
  details.addEventListener('toggle', async () => {
    if (!details.open) return;
    mount(body, h('p', { class: 'muted set-hint' }, 'Loading…'));
    try {
      const items = ((await api.get(`/channels/${enc(ch.id)}/templates`)).items || [])
        .filter((t) => !t.status || String(t.status).toUpperCase() === 'APPROVED');
      mount(body, items.length ? items.map((t) => {
        const params = new Set(String(t.body || '').match(/\{\{\s*\d+\s*\}\}/g) || []).size;
        return h('div', { class: 'tpl-item', testid: 'template-item', dataset: { name: t.name } },
          h('div', {}, h('strong', {}, t.name), ` · ${t.language}${t.category ? ` · ${t.category}` : ''} · `,
            h('span', { testid: 'template-params' }, `${params} parameter${params === 1 ? '' : 's'}`)),
          h('div', { class: 'tpl-body' }, t.body || ''));
      }) : h('p', { class: 'muted set-hint' }, 'No approved template: they are made and approved in WhatsApp Manager.'));
    } catch (e) {
      mount(body, h('p', { class: 'error' }, e.message));
    }
  });
  return details;
}

/** Meta's refusal, in words an owner can act on. */
function plainError(e) {
  if (e.code === 'channel_not_owned') {
    const meta = e.message.replace(/^Meta does not confirm that this access token owns the id: /, '');
    return `Meta refused: this token cannot manage that ID. Check the ID and that the token was made for it. Meta's message: ${meta}`;
  }
  if (e.code === 'graph_unavailable') return `Meta could not be reached to check the token; try again in a minute. (${e.message})`;
  if (e.code === 'channel_exists') return 'This channel is already connected to this account.';
  return e.message;
}

function openConnect(platform) {
  const name = h('input', { testid: 'cc-name', maxlength: 200, autocomplete: 'off' });
  const inputs = Object.fromEntries(FORMS[platform].map(([key]) => [key, h('input', {
    testid: `cc-${key}`, autocomplete: 'off', spellcheck: 'false', maxlength: key === 'accessToken' ? 4096 : 32,
    inputmode: key === 'accessToken' ? null : 'numeric', type: key === 'accessToken' ? 'password' : 'text',
  })]));
  const error = errorLine('cc-error');
  const body = h('div', { class: 'set-form' },
    field('Name (shown to agents)', name),
    FORMS[platform].map(([key, label, hint]) => field(label, inputs[key], hint)),
    error);
  const { close, modal } = openModal(`Connect ${platformName(platform)}`, body, async () => {
    error.show('');
    const payload = { platform, name: name.value.trim() };
    for (const [key] of FORMS[platform]) payload[key] = inputs[key].value.trim();
    const missing = [['name', 'Name'], ...FORMS[platform]].find(([k, l]) => !payload[k] && l);
    if (missing) { error.show(`${missing[1]} is needed.`); return; }
    if (FORMS[platform].some(([k]) => k !== 'accessToken' && !/^[0-9]{1,32}$/.test(payload[k]))) {
      error.show('Meta\'s IDs are numbers (up to 32 digits).');
      return;
    }
    const ok = modal.querySelector('[data-testid=cc-save]');
    ok.disabled = true; ok.textContent = 'Checking with Meta…';
    try {
      const ch = await api.post('/channels', payload);
      close();
      refresh();
      showConnected(ch);
    } catch (e) {
      error.show(plainError(e));
    } finally {
      ok.disabled = false; ok.textContent = 'Connect';
    }
  }, 'Connect', 'cc-save');
  name.focus();
}

function showConnected(ch) {
  openModal(`${ch.name} is connected`, h('div', { class: 'set-form', testid: 'connected' },
    h('p', {}, `Meta confirmed the token. Last step: point the Meta app's ${platformName(ch.platform)} webhooks here.`),
    webhookBlock(ch)));
}

function openRename(ch) {
  const name = h('input', { testid: 'rename-input', value: ch.name, maxlength: 200 });
  const error = errorLine('rename-error');
  openModal(`Rename ${ch.name}`, h('div', { class: 'set-form' }, field('New name', name), error), async (close) => {
    if (!name.value.trim()) { error.show('A name is needed.'); return; }
    try {
      await api.patch(`/channels/${enc(ch.id)}`, { name: name.value.trim() });
      close(); toast('Channel renamed'); refresh();
    } catch (e) { error.show(plainError(e)); }
  }, 'Save', 'rename-save');
  name.select();
}

function openRotate(ch) {
  const token = h('input', { testid: 'rotate-token', type: 'password', autocomplete: 'off', maxlength: 4096 });
  const error = errorLine('rotate-error');
  openModal(`New access token for ${ch.name}`, h('div', { class: 'set-form' },
    h('p', { class: 'muted' }, 'Meta checks the new token the same way as a new channel; the old one stays until it does.'),
    field('Access token', token), error), async (close) => {
    if (!token.value.trim()) { error.show('The token is needed.'); return; }
    try {
      await api.patch(`/channels/${enc(ch.id)}`, { accessToken: token.value.trim() });
      close(); toast('Token replaced; Meta confirmed it'); refresh();
    } catch (e) { error.show(plainError(e)); }
  }, 'Check and save', 'rotate-save');
  token.focus();
}
