// The inbox: login, the conversation list (left), the conversation (middle), the contact (right),
// all kept current by live events. State lives in `S`; each pane has a render function.

import { h, mount, clear, $, initials, platformName, platformMark, relativeTime, absoluteTime, preview, toast, contactLabel } from './dom.js';
import { api, query, enc, adopt, endSession, refreshSession, whenRefreshed, whenUnauthorized, ApiError } from './api.js';
import { Live } from './live.js';
import { renderThread, renderWindowBar, tickWindow, setComposerMode } from './thread.js';
import { renderContact } from './contact.js';
import { openNewContact } from './newcontact.js';
import { openNotifySettings, onMessageEvent } from './notify.js';
import { renderSettings, settingsHome, onSettingsEvent } from './settings/settings.js';
import { onEphemeral, presenceDot, renderPresenceControl, reloadAgents } from './collision.js';
import { queueParams, queueMatches, byDeadline, queueChips, expiringCount, rowCountdown, rowSnoozed, tickCountdowns, onWindowExpiring } from './queue.js';

// where earlier versions kept the session; boot() clears it
const SESSION_KEY = 'switchboard.session';
const PAGE = 30;
const STATUSES = [['open', 'Open'], ['assigned', 'Assigned'], ['closed', 'Closed'], ['all', 'Show All']];
// "Mine" is every conversation assigned to the agent; "Unassigned" is the Open tab (a conversation
// is Assigned exactly when it has an assignee), one click away under its everyday name
const TAB_KEYS = ['open', 'assigned', 'closed', 'all', 'mine', 'expiring', 'snoozed'];

/** Everything the page knows. */
export const S = {
  user: null, token: null,
  tab: 'open', platform: '', channelId: '', assignee: '', search: '',
  convs: new Map(), order: [], nextCursor: null, loadingMore: false, listGen: 0,
  counts: {}, selectedId: null, messages: [], selectMode: false, checked: new Set(),
  channels: [], agents: [], teams: [], fields: [], labels: [], savedReplies: [],
  live: null, online: false,
  // which pane a narrow screen shows: 'list', 'thread' or 'contact' (wide screens show all three)
  view: 'list',
  // the settings section shown instead of the inbox (#/settings/<section>), or null
  settings: null, inboxHash: null,
};
window.__switchboard = S; // handy when debugging in the console, and for the browser tests

// ---------- boot and session ----------

async function boot() {
  whenUnauthorized(() => logout(false));
  whenRefreshed((session) => {
    S.token = session.token;
    if (S.live) S.live.setToken(session.token);
  });
  // earlier versions kept the token in localStorage, where any script could read it
  localStorage.removeItem(SESSION_KEY);
  try {
    // a reload: the refresh cookie, if any, brings the session back
    const session = await refreshSession();
    startSession(session.token, session.user);
  } catch (e) {
    showLogin();
  }
}

function showLogin() {
  $('#app').hidden = true;
  $('#login').hidden = false;
  const form = $('#login form');
  form.onsubmit = async (e) => {
    e.preventDefault();
    const err = $('[data-testid=login-error]');
    err.hidden = true;
    try {
      const r = await api.post('/auth/login', { email: form.email.value.trim(), password: form.password.value });
      adopt(r);
      form.password.value = '';
      startSession(r.token, r.user);
    } catch (ex) {
      err.textContent = ex.status === 401 ? 'Wrong email or password.'
        : ex.status === 429 ? 'Too many failed sign-ins. ' + ex.message.replace(/^too many failed sign-ins; /, 'Please ') + '.'
        : ex.message;
      err.hidden = false;
    }
  };
  form.email.focus();
}

function startSession(token, user) {
  S.token = token; S.user = user;
  $('#login').hidden = true;
  $('#app').hidden = false;
  const settingsLink = $('[data-testid=settings-link]');
  settingsLink.textContent = user.role === 'admin' ? 'Settings' : 'Profile';
  settingsLink.href = settingsHome();
  settingsLink.onclick = (e) => {
    // the address is already there: the section is drawn again rather than nothing happening
    if (S.settings !== null && location.hash === settingsLink.getAttribute('href')) { e.preventDefault(); renderSettings(S.settings); }
  };
  const fromUrl = readUrl();
  if (fromUrl) Object.assign(S, { tab: fromUrl.tab, platform: fromUrl.platform, channelId: fromUrl.channelId, assignee: fromUrl.assignee, search: fromUrl.search });
  setView('list');
  $('#agent-name').textContent = user.name;
  $('#agent-avatar').textContent = initials(user.name);
  $('[data-testid=logout]').onclick = () => logout();
  $('[data-testid=notify-settings]').onclick = (e) => openNotifySettings(e.currentTarget);
  renderListPane();
  renderThreadPane();
  renderContactPane();
  loadReference();
  reloadLists();
  if (fromUrl && fromUrl.id) openConversation(fromUrl.id); else if (settingsKey() === null) writeUrl(true);
  applyRoute();
  S.live = new Live({
    accountId: user.accountId, token,
    onEvent: onEvent,
    onEphemeral,
    onResync: () => reloadLists(true),
    // presence is not replayed: on every (re)connect the agents (with their presence) are read again
    onState: (online) => { S.online = online; $('[data-testid=offline-indicator]').hidden = online; if (online) reloadAgents(); },
    onRefused: (m) => toast(`Live updates refused: ${m}`),
  });
  $('[data-testid=offline-indicator]').hidden = false;
  try { S.live.start(); } catch (e) { console.warn('live updates unavailable', e); }
  clearInterval(S.ticker);
  S.ticker = setInterval(() => { tickWindow(); tickCountdowns(); }, 1000);
}

/** Signs out: the server ends the session (its tokens, its refresh cookie) unless it already had. */
async function logout(tellServer = true) {
  if (tellServer) {
    try { await api.post('/auth/logout'); } catch (e) { /* the session is gone either way */ }
  }
  endSession();
  if (S.live) S.live.stop();
  S.live = null;
  clearInterval(S.ticker);
  Object.assign(S, { user: null, token: null, selectedId: null, messages: [], convs: new Map(), order: [], settings: null });
  $('#settings').hidden = true;
  $('.panes').hidden = false;
  showLogin();
}

/** Channels, agents, teams, field and label names, saved replies: the menus' contents. */
export async function loadReference() {
  const grab = (p) => api.get(p).then((r) => (r && r.items) || []).catch(() => []);
  // API keys by name: messages an integration sent show "API: <name>"
  [S.channels, S.agents, S.teams, S.fields, S.labels, S.savedReplies, S.apiKeys] = await Promise.all([
    grab('/channels'), grab('/agents'), grab('/teams'), grab('/fields'), grab('/labels'), grab('/saved-replies'), grab('/api-keys/names')]);
  renderPresenceControl();
  renderListPane();
  renderThreadPane();
  renderContactPane();
}

export async function refreshNames() {
  const grab = (p) => api.get(p).then((r) => (r && r.items) || []).catch(() => null);
  const [fields, labels] = await Promise.all([grab('/fields'), grab('/labels')]);
  if (fields) S.fields = fields;
  if (labels) S.labels = labels;
}

// ---------- the list ----------

function listParams() {
  const p = { status: S.tab === 'mine' ? 'all' : S.tab, platform: S.platform, channelId: S.channelId };
  if (S.tab === 'mine') p.assigneeId = S.user.id;
  Object.assign(p, queueParams(S.tab));
  if (S.assignee) {
    const [type, id] = S.assignee.split(':');
    p[type === 'team' ? 'teamId' : 'assigneeId'] = id;
  }
  return p;
}

/** Reloads the counts and the first page of the list (and the open conversation on a resync). */
export async function reloadLists(resync) {
  const gen = ++S.listGen;
  loadCounts();
  try {
    let items;
    let next = null;
    if (S.search) {
      items = ((await api.get(`/search${query({ q: S.search })}`)) || {}).items || [];
    } else {
      const r = await api.get(`/conversations${query({ ...listParams(), limit: PAGE })}`);
      items = r.items || [];
      next = r.nextCursor || null;
    }
    if (gen !== S.listGen) return;
    S.convs = new Map(items.map((c) => [c.id, c]));
    S.order = items.map((c) => c.id);
    S.nextCursor = next;
    if (S.selectedId && resync) await openConversation(S.selectedId, true);
  } catch (e) {
    if (gen !== S.listGen) return;
    S.convs = new Map(); S.order = []; S.nextCursor = null;
    toast(e.message);
  }
  renderList();
}

async function loadMore() {
  if (!S.nextCursor || S.loadingMore || S.search) return;
  S.loadingMore = true;
  const gen = S.listGen;
  try {
    const r = await api.get(`/conversations${query({ ...listParams(), limit: PAGE, cursor: S.nextCursor })}`);
    if (gen !== S.listGen) return;
    for (const c of r.items || []) {
      if (!S.convs.has(c.id)) S.order.push(c.id);
      S.convs.set(c.id, c);
    }
    S.nextCursor = r.nextCursor || null;
  } catch (e) {
    toast(e.message);
  } finally {
    S.loadingMore = false;
    renderList();
  }
}

let countsTimer = null;
/** Counts per tab, with the same platform/channel/assignee filter (debounced: events come in bursts). */
export function loadCounts() {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(async () => {
    try {
      const params = { ...listParams(), status: undefined, sort: undefined, expiringWithin: undefined, assigneeId: S.tab === 'mine' ? undefined : listParams().assigneeId };
      const expiring = expiringCount(params);
      const mine = S.assignee ? null : api.get(`/conversations/counts${query({ ...params, assigneeId: S.user.id })}`).catch(() => null);
      const r = await api.get(`/conversations/counts${query(params)}`);
      S.counts = (r && (r.counts || r)) || {};
      const m = mine && await mine;
      if (m) { S.counts.mine = m.all; S.counts.capped = { ...(S.counts.capped || {}), mine: m.capped && m.capped.all }; }
      const x = await expiring;
      if (x) { S.counts.expiring = x.n; S.counts.capped = { ...(S.counts.capped || {}), expiring: x.capped }; }
    } catch (e) { /* the tabs keep their last numbers */ }
    renderCounts();
  }, 120);
}

/** Whether a conversation belongs in the list as filtered now. */
function matches(c) {
  if (S.search) return S.convs.has(c.id);
  if (S.tab === 'mine') {
    if (!c.assignee || c.assignee.type !== 'agent' || String(c.assignee.id) !== String(S.user.id)) return false;
  } else if (!['all', 'expiring', 'snoozed'].includes(S.tab) && c.status !== S.tab) return false;
  if (!queueMatches(c, S.tab)) return false;
  if (S.platform && c.platform !== S.platform) return false;
  if (S.channelId && String(c.channelId) !== String(S.channelId)) return false;
  if (S.assignee) {
    const [type, id] = S.assignee.split(':');
    if (!c.assignee || c.assignee.type !== type || String(c.assignee.id) !== id) return false;
  }
  return true;
}

function newestFirst(a, b) {
  const ta = Date.parse(a.lastMessageAt || a.createdAt || 0) || 0;
  const tb = Date.parse(b.lastMessageAt || b.createdAt || 0) || 0;
  return tb - ta || Number(b.id) - Number(a.id);
}

/**
 * A conversation view from an event: events are not written for one agent, so an unassigned
 * conversation's unread count in it is nobody's. The agent's own count is kept and fetched again.
 */
function fromEvent(c) {
  if (c.readBy && c.readBy !== null) return c;
  const old = S.convs.get(c.id) || (S.current && S.current.id === c.id ? S.current : null);
  refreshConversation(c.id);
  return old ? { ...c, unreadCount: old.unreadCount, readBy: old.readBy, lastReadMessageId: old.lastReadMessageId } : c;
}

/** Puts a fresh conversation view into the list (or takes it out), keeping newest first. */
export function upsertConversation(c) {
  const known = S.convs.has(c.id);
  if (matches(c)) {
    S.convs.set(c.id, c);
    if (!known) S.order.push(c.id);
    const order = S.tab === 'expiring' ? byDeadline : newestFirst;
    S.order.sort((x, y) => order(S.convs.get(x), S.convs.get(y)));
    // a conversation that now sorts below the loaded page belongs to a later page
    if (!known && S.nextCursor && S.order[S.order.length - 1] === c.id) {
      S.order.pop(); S.convs.delete(c.id);
    }
  } else if (known) {
    S.convs.delete(c.id);
    S.order = S.order.filter((id) => id !== c.id);
  }
  if (S.selectedId === c.id) {
    S.current = c;
    renderThreadHead();
    renderWindowBar();
    renderContactPane();
  }
  renderList();
}

export function currentConversation() {
  return S.current && S.current.id === S.selectedId ? S.current : S.convs.get(S.selectedId);
}

function renderListPane() {
  const pane = $('#list-pane');
  const platformSelect = h('select', { testid: 'platform-select', class: 'grow', 'aria-label': 'Platform or channel', onchange: (e) => {
    const v = e.target.value;
    if (v.startsWith('ch:')) { S.channelId = v.slice(3); S.platform = ''; } else { S.platform = v; S.channelId = ''; }
    S.checked.clear();
    writeUrl();
    reloadLists();
  } },
  h('option', { value: '' }, 'All platforms'),
  ['whatsapp', 'messenger', 'instagram'].map((p) => h('option', { value: p, selected: S.platform === p && !S.channelId }, platformName(p))),
  S.channels.length ? h('optgroup', { label: 'Channels' },
    S.channels.map((ch) => h('option', { value: `ch:${ch.id}`, selected: String(S.channelId) === String(ch.id) }, `${ch.name} (${platformName(ch.platform)})`))) : null);

  const searchInput = h('input', { type: 'search', placeholder: 'Search phone (+country code), name, @username or user ID', testid: 'search-input', value: S.search,
    'aria-label': 'Search conversations (press / to focus)' });
  let searchTimer = null;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { S.search = searchInput.value.trim(); writeUrl(true); reloadLists(); renderFilterSummary(); }, 250);
  });

  mount(pane,
    h('div', { class: 'list-head' },
      h('div', { class: 'search' }, searchInput),
      h('div', { class: 'tabs', id: 'tabs', role: 'tablist', 'aria-label': 'Conversation status' }),
      h('div', { class: 'quick-views', id: 'quick-views' }),
      h('div', { class: 'row' }, platformSelect,
        h('span', { class: 'anchor' }, h('button', { class: 'btn', testid: 'filter-button', onclick: (e) => openFilter(e.currentTarget) }, 'Filter'))),
      h('div', { class: 'filter-summary', id: 'filter-summary', testid: 'filter-summary' }),
      h('div', { class: 'list-actions', id: 'list-actions' })),
    h('div', { class: 'conv-list', testid: 'conversation-list', id: 'conv-list', role: 'listbox', 'aria-label': 'Conversations', onscroll: (e) => {
      const el = e.currentTarget;
      if (el.scrollTop + el.clientHeight > el.scrollHeight - 120) loadMore();
    } }));
  renderCounts();
  renderFilterSummary();
  renderListActions();
  renderList();
}

export function selectTab(key) {
  S.tab = key; S.checked.clear(); S.search = '';
  const si = $('[data-testid=search-input]'); if (si) si.value = '';
  writeUrl();
  renderCounts(); renderFilterSummary(); reloadLists();
}

function renderCounts() {
  const tabs = $('#tabs');
  if (!tabs) return;
  mount(tabs, STATUSES.map(([key, label]) => h('button', {
    class: `tab${S.tab === key ? ' active' : ''}`, testid: `tab-${key}`, role: 'tab', 'aria-selected': S.tab === key ? 'true' : 'false',
    onclick: () => selectTab(key),
  }, label, h('span', { class: 'count', testid: `count-${key}` }, countText(key)))));
  const quick = $('#quick-views');
  if (quick) {
    mount(quick,
      h('button', { class: `chip-btn${S.tab === 'mine' ? ' active' : ''}`, testid: 'view-mine', 'aria-pressed': S.tab === 'mine' ? 'true' : 'false',
        title: 'Conversations assigned to me', onclick: () => selectTab('mine') }, 'Mine ', h('span', { class: 'count', testid: 'count-mine' }, countText('mine'))),
      h('button', { class: `chip-btn${S.tab === 'open' ? ' active' : ''}`, testid: 'view-unassigned', 'aria-pressed': S.tab === 'open' ? 'true' : 'false',
        title: 'Open conversations: waiting for a human, assigned to no one', onclick: () => selectTab('open') }, 'Unassigned ', h('span', { class: 'count' }, countText('open'))),
      ...queueChips(selectTab, countText));
  }
}

// ---------- narrow screens and the address bar ----------

/** Which pane a narrow screen shows ('list', 'thread', 'contact'); wide screens show all three. */
export function setView(v) {
  S.view = v;
  const app = $('#app');
  if (app) app.dataset.view = v;
}

/** "#/open/123?platform=whatsapp": the tab, the open conversation and the filters. */
function urlFor() {
  const p = new URLSearchParams();
  if (S.platform) p.set('platform', S.platform);
  if (S.channelId) p.set('channelId', S.channelId);
  if (S.assignee) p.set('assignee', S.assignee);
  if (S.search) p.set('q', S.search);
  const q = p.toString();
  return `#/${S.tab}${S.selectedId ? `/${S.selectedId}` : ''}${q ? `?${q}` : ''}`;
}

let applyingUrl = false;
/** Records the page's state in the address bar: a new history entry, or (replace) the current one. */
export function writeUrl(replace) {
  if (applyingUrl || !S.user || S.settings) return;
  const url = urlFor();
  if (location.hash === url) return;
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
}

function readUrl() {
  const m = /^#\/([a-z]+)(?:\/(\d{1,19}))?(?:\?(.*))?$/.exec(location.hash || '');
  if (!m) return null;
  const p = new URLSearchParams(m[3] || '');
  return {
    tab: TAB_KEYS.includes(m[1]) ? m[1] : 'open', id: m[2] || null, platform: p.get('platform') || '',
    channelId: p.get('channelId') || '', assignee: p.get('assignee') || '', search: p.get('q') || '',
  };
}

/** "#/settings/agents" → "agents"; "#/settings" → ""; anything else → null. */
function settingsKey() {
  const m = /^#\/settings(?:\/([a-z-]{1,40}))?\/?$/.exec(location.hash || '');
  return m ? (m[1] || '') : null;
}

/** Shows the settings section the address names, or the inbox again when it names none. */
function applyRoute() {
  if (!S.user) return;
  const key = settingsKey();
  if (key !== null) {
    if (S.settings === key) return;
    if (S.settings === null) S.inboxHash = urlFor();
    S.settings = key;
    closePopover();
    $('.panes').hidden = true;
    $('#settings').hidden = false;
    renderSettings(key);
    const title = $('#settings-title');
    if (title) { title.tabIndex = -1; title.focus(); }
  } else if (S.settings !== null) {
    S.settings = null;
    $('#settings').hidden = true;
    $('.panes').hidden = false;
    renderTitle();
  }
}
window.addEventListener('hashchange', applyRoute);

/** Back and forward: the page becomes what the address says. */
window.addEventListener('popstate', () => {
  applyRoute();
  const u = readUrl();
  if (!u || !S.user) return;
  applyingUrl = true;
  try {
    const listChanged = u.tab !== S.tab || u.platform !== S.platform || u.channelId !== S.channelId || u.assignee !== S.assignee || u.search !== S.search;
    Object.assign(S, { tab: u.tab, platform: u.platform, channelId: u.channelId, assignee: u.assignee, search: u.search });
    if (listChanged) { renderListPane(); reloadLists(); }
    if (u.id && u.id !== S.selectedId) openConversation(u.id);
    else if (!u.id && S.selectedId) closeConversation();
  } finally {
    applyingUrl = false;
  }
});

/** Back to the list: no conversation open. */
export function closeConversation() {
  S.selectedId = null; S.current = null; S.messages = [];
  setView('list');
  writeUrl();
  renderList(); renderThreadPane(); renderContactPane();
}

/** "–" before the first answer; a lower bound (past COUNT_CAP, or a common label's sample) gets a "+". */
function countText(key) {
  const n = S.counts[key];
  if (n === undefined) return '–';
  const capped = S.counts.capped && S.counts.capped[key];
  return capped ? `${n.toLocaleString('en-US')}+` : String(n);
}

function assigneeName(key) {
  if (!key) return '';
  const [type, id] = key.split(':');
  const list = type === 'team' ? S.teams : S.agents;
  const found = list.find((x) => String(x.id) === id);
  return found ? agentLabel(found) : `${type} ${id}`;
}

/** An agent's name, marked when deactivated (their conversations stay theirs until reassigned). */
export function agentLabel(a) {
  return a.active === false ? `${a.name} (deactivated)` : a.name;
}

/** Agents who can take conversations: the menus offer no deactivated one. */
export function activeAgents() {
  return S.agents.filter((a) => a.active !== false);
}

function renderFilterSummary() {
  const el = $('#filter-summary');
  if (!el) return;
  const parts = [];
  if (S.search) parts.push(`Search: “${S.search}”`);
  if (S.channelId) {
    const ch = S.channels.find((c) => String(c.id) === String(S.channelId));
    parts.push(`Channel: ${ch ? ch.name : S.channelId}`);
  }
  if (S.assignee) parts.push(`Assignee: ${assigneeName(S.assignee)}`);
  el.textContent = parts.join(' · ');
  el.hidden = parts.length === 0;
}

let popover = null;
export function closePopover() {
  if (popover) { popover.remove(); popover = null; }
}
document.addEventListener('mousedown', (e) => {
  if (popover && !popover.contains(e.target)) closePopover();
});

/** Opens a small menu under `anchor` (a button inside a `.anchor` span). */
export function openPopover(anchor, content, alignRight) {
  closePopover();
  popover = h('div', { class: 'popover', style: alignRight ? 'right:0;top:calc(100% + 4px)' : 'left:0;top:calc(100% + 4px)' }, content);
  anchor.parentElement.appendChild(popover);
  return popover;
}

function openFilter(anchor) {
  const channel = h('select', { testid: 'filter-channel' }, h('option', { value: '' }, 'All channels'),
    S.channels.map((ch) => h('option', { value: ch.id, selected: String(S.channelId) === String(ch.id) }, `${ch.name} (${platformName(ch.platform)})`)));
  const assignee = h('select', { testid: 'filter-assignee' }, h('option', { value: '' }, 'Anyone'),
    h('optgroup', { label: 'Agents' }, S.agents.map((a) => h('option', { value: `agent:${a.id}`, selected: S.assignee === `agent:${a.id}` }, agentLabel(a)))),
    h('optgroup', { label: 'Teams' }, S.teams.map((t) => h('option', { value: `team:${t.id}`, selected: S.assignee === `team:${t.id}` }, t.name))));
  openPopover(anchor, [
    h('label', {}, 'Channel', channel),
    h('label', {}, 'Assignee', assignee),
    h('div', { class: 'row' },
      h('button', { class: 'btn btn-sm', testid: 'filter-clear', onclick: () => { S.channelId = ''; S.assignee = ''; closePopover(); writeUrl(); renderListPane(); reloadLists(); } }, 'Clear'),
      h('span', { class: 'spacer' }),
      h('button', { class: 'btn btn-primary btn-sm', testid: 'filter-apply', onclick: () => {
        S.channelId = channel.value; S.assignee = assignee.value;
        if (S.channelId) S.platform = '';
        closePopover(); writeUrl(); renderListPane(); reloadLists();
      } }, 'Apply')),
  ]);
}

function renderListActions() {
  const el = $('#list-actions');
  if (!el) return;
  if (!S.selectMode) {
    mount(el,
      h('button', { class: 'btn btn-sm', testid: 'select-toggle', onclick: () => { S.selectMode = true; S.checked.clear(); renderListActions(); renderList(); } }, 'Select'),
      h('span', { class: 'spacer' }),
      h('button', { class: 'btn btn-sm', testid: 'new-contact-button', onclick: () => openNewContact() }, '+ Add new contact'));
    return;
  }
  const n = S.checked.size;
  mount(el,
    h('input', { type: 'checkbox', testid: 'check-all', title: 'Select all', 'aria-label': 'Select all', checked: n > 0 && n === S.order.length, onchange: (e) => {
      if (e.target.checked) S.order.forEach((id) => S.checked.add(id)); else S.checked.clear();
      renderListActions(); renderList();
    } }),
    h('span', { testid: 'selected-count' }, `${n} selected`),
    h('span', { class: 'spacer' }),
    h('span', { class: 'anchor' }, h('button', { class: 'btn btn-sm btn-primary', testid: 'actions-button', disabled: n === 0, onclick: (e) => openActions(e.currentTarget) }, 'Actions ▾')),
    h('button', { class: 'btn btn-sm', testid: 'select-cancel', onclick: () => { S.selectMode = false; S.checked.clear(); renderListActions(); renderList(); } }, 'Done'));
}

function openActions(anchor) {
  const ids = [...S.checked];
  const bulk = async (body, label) => {
    closePopover();
    try {
      const r = await api.post('/conversations/bulk', { ids, ...body });
      toast(`${r && r.updated !== undefined ? r.updated : ids.length} conversation(s) ${label}`);
      S.checked.clear();
      S.selectMode = false;
      renderListActions();
      reloadLists();
    } catch (e) { toast(e.message); }
  };
  openPopover(anchor, [
    h('div', { class: 'menu-sep' }, 'Change status'),
    h('button', { class: 'menu-item', testid: 'bulk-open', onclick: () => bulk({ status: 'open' }, 'set to Open') }, 'Set to Open'),
    h('button', { class: 'menu-item', testid: 'bulk-closed', onclick: () => bulk({ status: 'closed' }, 'set to Closed') }, 'Set to Closed'),
    S.agents.length || S.teams.length ? h('div', { class: 'menu-sep' }, 'Assign to') : null,
    activeAgents().map((a) => h('button', { class: 'menu-item', testid: `bulk-assign-agent-${a.id}`, onclick: () => bulk({ assignee: { type: 'agent', id: a.id } }, `assigned to ${a.name}`) }, presenceDot(a), a.name)),
    S.teams.map((t) => h('button', { class: 'menu-item', testid: `bulk-assign-team-${t.id}`, onclick: () => bulk({ assignee: { type: 'team', id: t.id } }, `assigned to ${t.name}`) }, `Team: ${t.name}`)),
    h('div', { class: 'menu-sep' }, 'Export'),
    h('button', { class: 'menu-item', testid: 'bulk-export', onclick: () => { closePopover(); exportCsv(ids); } }, 'Export to CSV'),
  ], true);
}

async function exportCsv(ids) {
  try {
    const res = await api.postRaw('/conversations/export', { ids });
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `conversations-${new Date().toISOString().slice(0, 10)}.csv`, testid: 'export-link' });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 5000);
    toast(`Exported ${ids.length} conversation(s)`);
  } catch (e) { toast(e.message); }
}

/** Whether the agent is looking at this conversation now (open, and the tab visible). */
export function watching(id) {
  return id === S.selectedId && document.visibilityState === 'visible';
}

function isUnread(c) {
  return c.unreadCount > 0 && !watching(c.id);
}

/** "(3) Switchboard": how many listed conversations have messages the agent has not read. */
export function renderTitle() {
  if (S.settings !== null) return; // the settings area names its section
  let n = 0;
  for (const c of S.convs.values()) if (isUnread(c)) n++;
  const title = n ? `(${n}) Switchboard` : 'Switchboard';
  if (document.title !== title) document.title = title;
}

export function renderList() {
  const list = $('#conv-list');
  if (!list) return;
  const scroll = list.scrollTop;
  const focusedId = document.activeElement && document.activeElement.dataset && list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  const rows = S.order.map((id) => S.convs.get(id)).filter(Boolean).map((c) => {
    const name = c.contact ? contactLabel(c.contact) : `#${c.id}`;
    // a WhatsApp customer without a phone is known by their username
    const handle = c.contact && !c.contact.phone && c.contact.username ? `@${c.contact.username}` : null;
    const unread = isUnread(c);
    const open = () => openConversation(c.id);
    return h('div', {
      class: `conv${c.id === S.selectedId ? ' active' : ''}${unread ? ' unread' : ''}`, testid: 'conv-item',
      role: 'option', tabindex: '0', 'aria-selected': c.id === S.selectedId ? 'true' : 'false',
      dataset: { id: c.id, status: c.status },
      onkeydown: (e) => { if (e.key === 'Enter' && !S.selectMode) { e.preventDefault(); open(); } },
      onclick: (e) => {
        if (S.selectMode) {
          // the checkbox has already flipped when its click reaches the row; a click elsewhere flips it here
          const on = e.target.tagName === 'INPUT' ? e.target.checked : !S.checked.has(c.id);
          if (on) S.checked.add(c.id); else S.checked.delete(c.id);
          renderListActions(); renderList();
          return;
        }
        open();
      },
    },
    S.selectMode ? h('input', { type: 'checkbox', testid: 'conv-check', checked: S.checked.has(c.id), 'aria-label': `Select ${name}` }) : null,
    platformMark(c.platform),
    h('div', { class: 'body' },
      h('div', { class: 'top' }, h('span', { class: 'name', testid: 'conv-name' }, name),
        h('span', { class: 'time', testid: 'conv-time', title: absoluteTime(c.lastMessageAt) }, relativeTime(c.lastMessageAt))),
      h('div', { class: `preview${c.lastMessage && c.lastMessage.type === 'note' ? ' is-note' : ''}`, testid: 'conv-preview' }, preview(c.lastMessage)),
      h('div', { class: 'sub' },
        h('span', { class: `badge status-${c.status}`, testid: 'conv-status' }, c.status),
        rowCountdown(c), rowSnoozed(c),
        c.assignee ? h('span', { class: 'assignee', testid: 'conv-assignee' }, `→ ${c.assignee.name || c.assignee.id}`) : null,
        c.assignee && c.assignee.type === 'agent' ? presenceDot(S.agents.find((a) => String(a.id) === String(c.assignee.id))) : null,
        handle && handle !== name ? h('span', { testid: 'conv-username' }, handle) : null,
        h('span', { class: 'channel' }, c.channelName || platformName(c.platform)))),
    unread ? h('span', { class: 'unread-count', testid: 'conv-unread', title: `${c.unreadCount} unread` },
      c.unreadCount >= 100 ? '99+' : String(c.unreadCount), h('span', { class: 'sr-only' }, ' unread')) : null);
  });
  if (!rows.length) rows.push(h('div', { class: 'list-empty', testid: 'list-empty' }, S.search ? searchEmptyText() : 'No conversations here.'));
  if (S.nextCursor) rows.push(h('div', { class: 'list-more' }, S.loadingMore ? 'Loading…' : 'Scroll for more'));
  mount(list, rows);
  list.scrollTop = scroll;
  if (focusedId) { const again = list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`); if (again) again.focus(); }
  renderTitle();
  // a short first page that does not fill the pane cannot be scrolled: fetch the next one now
  if (S.nextCursor && !S.loadingMore && list.scrollHeight <= list.clientHeight + 10) loadMore();
}

/** A search that found nothing; digits without a country code get a hint. */
function searchEmptyText() {
  const q = S.search.trim();
  if (/^[\d\s().\-/]{6,}$/.test(q) && !q.startsWith('+') && !q.startsWith('00')) {
    return 'No conversation matches this number. Phone numbers are stored with their country code: try +1 415 555 0123 or 0044 20 7946 0958.';
  }
  return 'No conversation matches this search.';
}

// ---------- the open conversation ----------

export async function openConversation(id, keepScroll) {
  const changed = S.selectedId !== id;
  S.selectedId = id;
  if (changed || S.view === 'list') setView('thread');
  writeUrl();
  if (changed) { S.messages = []; S.current = S.convs.get(id) || null; S.olderAvailable = false; }
  renderList();
  renderThreadPane();
  renderContactPane();
  try {
    const [conv, msgs] = await Promise.all([
      api.get(`/conversations/${enc(id)}`),
      api.get(`/conversations/${enc(id)}/messages${query({ limit: 100 })}`),
    ]);
    if (S.selectedId !== id) return;
    S.current = conv;
    S.messages = (msgs && msgs.items) || [];
    S.olderAvailable = S.messages.length >= 100;
    if (S.convs.has(id)) S.convs.set(id, conv);
    markSeen();
    renderList();
    renderThreadPane(keepScroll);
    renderContactPane();
  } catch (e) {
    toast(e.message);
  }
}

export async function loadOlder() {
  const id = S.selectedId;
  if (!id || !S.messages.length) return;
  const r = await api.get(`/conversations/${enc(id)}/messages${query({ limit: 100, before: S.messages[0].id })}`);
  if (S.selectedId !== id) return;
  const older = (r && r.items) || [];
  const known = new Set(S.messages.map((m) => m.id));
  S.messages = older.filter((m) => !known.has(m.id)).concat(S.messages);
  S.olderAvailable = older.length >= 100;
  renderThreadPane(true);
}

function renderThreadPane(keepScroll) { renderThread($('#thread-pane'), keepScroll); }
function renderThreadHead() { renderThread($('#thread-pane'), true, true); }
export function renderContactPane() { renderContact($('#contact-pane')); }

/** Upserts a message into the open thread (from an answer or an event), keeping server order. */
export function upsertMessage(m) {
  if (!m || m.conversationId !== S.selectedId) return;
  const i = S.messages.findIndex((x) => x.id === m.id);
  if (i >= 0) {
    // the answer to a send can arrive after the event saying it was sent: never step a message back
    if (isOlder(m, S.messages[i])) return;
    S.messages[i] = { ...S.messages[i], ...m };
  }
  else {
    S.messages.push(m);
    S.messages.sort((a, b) => (Date.parse(a.createdAt) - Date.parse(b.createdAt)) || (Number(a.id) - Number(b.id)));
  }
  renderThreadPane(false);
  // a customer message arriving into the conversation the agent is looking at is read
  if (i < 0 && m.direction === 'in') markSeen();
}

let seenTimer = null;
/**
 * Tells the server the agent has read the open conversation up to its newest message shown,
 * when the tab is visible and the agent's mark is behind (one request per burst of arrivals).
 */
export function markSeen() {
  clearTimeout(seenTimer);
  seenTimer = setTimeout(() => {
    const id = S.selectedId;
    const c = currentConversation();
    const last = S.messages.length ? S.messages[S.messages.length - 1] : null;
    if (!id || !c || !last || !watching(id)) return;
    if (String(c.readBy) === String(S.user.id) && c.lastReadMessageId === last.id && !c.unreadCount) return;
    api.post(`/conversations/${enc(id)}/read`, { messageId: last.id })
      .then((v) => { if (v && v.id) upsertConversation(v); })
      .catch(() => {});
  }, 150);
}
document.addEventListener('visibilitychange', () => {
  // a hidden tab marks nothing read; coming back to it reads what arrived meanwhile
  if (document.visibilityState === 'visible') markSeen();
  if (S.user) renderList();
});

const STATUS_RANK = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };
function isOlder(incoming, known) {
  const a = Date.parse(incoming.updatedAt || ''), b = Date.parse(known.updatedAt || '');
  if (!Number.isNaN(a) && !Number.isNaN(b) && a !== b) return a < b;
  return (STATUS_RANK[incoming.status] ?? -1) < (STATUS_RANK[known.status] ?? -1);
}

// ---------- live events ----------

const refetchTimers = new Map();
/** Refetches one conversation soon (events come in bursts; one GET per burst). */
export function refreshConversation(id) {
  if (!id || refetchTimers.has(id)) return;
  refetchTimers.set(id, setTimeout(async () => {
    refetchTimers.delete(id);
    try {
      upsertConversation(await api.get(`/conversations/${enc(id)}`));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        S.convs.delete(id); S.order = S.order.filter((x) => x !== id); renderList();
      }
    }
  }, 60));
}

function isConversation(o) { return o && typeof o === 'object' && o.id && o.status && o.contact; }
function isMessage(o) { return o && typeof o === 'object' && o.id && o.direction; }
function isContact(o) { return o && typeof o === 'object' && o.id && o.platformUserId !== undefined && o.fields; }

function onEvent(ev) {
  const data = ev.data || {};
  const convId = ev.conversationId ? String(ev.conversationId) : null;
  switch (ev.type) {
    case 'message.created':
    case 'message.updated': {
      const m = isMessage(data.message) ? data.message : isMessage(data) ? data : null;
      if (m && convId === S.selectedId) upsertMessage({ ...m, conversationId: String(m.conversationId || convId) });
      else if (!m && convId === S.selectedId) openConversation(convId, true);
      if (ev.type === 'message.created' || !m) refreshConversation(convId);
      if (ev.type === 'message.created') { loadCounts(); onMessageEvent(convId, m); }
      break;
    }
    case 'contact.updated': {
      const c = isContact(data.contact) ? data.contact : isContact(data) ? data : null;
      if (c) {
        for (const conv of S.convs.values()) if (conv.contact && conv.contact.id === c.id) conv.contact = { ...conv.contact, ...c };
        const cur = currentConversation();
        if (cur && cur.contact && cur.contact.id === c.id) { cur.contact = { ...cur.contact, ...c }; cur.labels = cur.contact.labels; }
        renderList(); renderContactPane(); renderThreadHead();
      }
      if (convId) refreshConversation(convId);
      refreshNames();
      break;
    }
    case 'names.changed': {
      // a label or field renamed, merged or deleted on every contact: names, rows and the open contact are read again
      refreshNames();
      reloadLists(true);
      if (S.settings === 'labels' || S.settings === 'fields') renderSettings(S.settings);
      break;
    }
    case 'conversation.read': {
      // this agent read it in another tab, or the agent whose reading counts for everyone did
      const c = convId ? (S.convs.get(convId) || (convId === S.selectedId ? currentConversation() : null)) : null;
      if (c && (String(data.agentId) === String(S.user.id) || String(c.readBy) === String(data.agentId))) refreshConversation(convId);
      break;
    }
    case 'channel.updated':
    case 'webhook_endpoint.disabled':
    case 'settings.changed':
      onSettingsEvent(ev);
      break;
    case 'conversation.merged': {
      // two records of one WhatsApp customer became one: this conversation is gone, its messages are in `into`
      const into = data.into ? String(data.into) : null;
      if (convId) { S.convs.delete(convId); S.order = S.order.filter((x) => x !== convId); renderList(); }
      if (into) refreshConversation(into);
      if (convId && convId === S.selectedId && into) openConversation(into);
      loadCounts();
      break;
    }
    case 'conversation.window_expiring': {
      if (isConversation(data)) onWindowExpiring(fromEvent(data)); else if (convId) refreshConversation(convId);
      loadCounts();
      break;
    }
    default: {
      // conversation.created / conversation.updated / conversation.window_changed and anything newer
      const c = isConversation(data.conversation) ? data.conversation : isConversation(data) ? data : null;
      if (c) upsertConversation(fromEvent(c)); else if (convId) refreshConversation(convId);
      loadCounts();
    }
  }
}

// ---------- keyboard ----------

/** Moves the focus along the list's rows (j/k, arrows); the first move focuses the open or first row. */
function moveRow(step) {
  const rows = [...document.querySelectorAll('#conv-list [data-testid=conv-item]')];
  if (!rows.length) return;
  const at = rows.indexOf(document.activeElement);
  const from = at >= 0 ? at : rows.findIndex((r) => r.dataset.id === S.selectedId);
  const next = rows[Math.max(0, Math.min(rows.length - 1, from < 0 ? 0 : from + step))];
  next.focus();
  next.scrollIntoView({ block: 'nearest' });
}

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    // the innermost thing open closes: a menu, then a dialog
    const root = document.getElementById('modal-root');
    if (popover) { closePopover(); e.preventDefault(); return; }
    if (root && root.firstChild) { const cancel = root.querySelector('[data-testid=modal-cancel]'); if (cancel) cancel.click(); else mount(root); e.preventDefault(); return; }
    return;
  }
  if (!S.user || S.settings !== null || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
  if (document.getElementById('modal-root').firstChild) return;
  const inList = t && t.closest && t.closest('#conv-list');
  switch (e.key) {
    case '/': { const si = $('[data-testid=search-input]'); if (si) { e.preventDefault(); setView('list'); si.focus(); } break; }
    case 'j': moveRow(1); break;
    case 'k': moveRow(-1); break;
    case 'ArrowDown': if (inList) { e.preventDefault(); moveRow(1); } break;
    case 'ArrowUp': if (inList) { e.preventDefault(); moveRow(-1); } break;
    case 'r': e.preventDefault(); setComposerMode('reply'); break;
    case 'n': e.preventDefault(); setComposerMode('note'); break;
    default:
  }
});

boot();
