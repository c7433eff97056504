// The inbox: login, the conversation list (left), the conversation (middle), the contact (right),
// all kept current by live events. State lives in `S`; each pane has a render function.

import { h, mount, clear, $, initials, platformName, platformMark, shortTime, fullTime, duration, toast, contactLabel } from './dom.js';
import { api, query, enc, adopt, endSession, refreshSession, whenRefreshed, whenUnauthorized, ApiError } from './api.js';
import { Live } from './live.js';
import { renderThread, renderWindowBar, tickWindow } from './thread.js';
import { renderContact } from './contact.js';
import { openNewContact } from './newcontact.js';

// where earlier versions kept the session; boot() clears it
const SESSION_KEY = 'switchboard.session';
const PAGE = 30;
const STATUSES = [['open', 'Open'], ['assigned', 'Assigned'], ['closed', 'Closed'], ['all', 'Show All']];

/** Everything the page knows. */
export const S = {
  user: null, token: null,
  tab: 'open', platform: '', channelId: '', assignee: '', search: '',
  convs: new Map(), order: [], nextCursor: null, loadingMore: false, listGen: 0,
  counts: {}, selectedId: null, messages: [], selectMode: false, checked: new Set(),
  channels: [], agents: [], teams: [], fields: [], labels: [], savedReplies: [],
  readUpTo: new Map(), live: null, online: false,
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
  $('#agent-name').textContent = user.name;
  $('#agent-avatar').textContent = initials(user.name);
  $('[data-testid=logout]').onclick = () => logout();
  renderListPane();
  renderThreadPane();
  renderContactPane();
  loadReference();
  reloadLists();
  S.live = new Live({
    accountId: user.accountId, token,
    onEvent: onEvent,
    onResync: () => reloadLists(true),
    onState: (online) => { S.online = online; $('[data-testid=offline-indicator]').hidden = online; },
    onRefused: (m) => toast(`Live updates refused: ${m}`),
  });
  $('[data-testid=offline-indicator]').hidden = false;
  try { S.live.start(); } catch (e) { console.warn('live updates unavailable', e); }
  clearInterval(S.ticker);
  S.ticker = setInterval(() => tickWindow(), 1000);
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
  Object.assign(S, { user: null, token: null, selectedId: null, messages: [], convs: new Map(), order: [] });
  showLogin();
}

/** Channels, agents, teams, field and label names, saved replies: the menus' contents. */
export async function loadReference() {
  const grab = (p) => api.get(p).then((r) => (r && r.items) || []).catch(() => []);
  [S.channels, S.agents, S.teams, S.fields, S.labels, S.savedReplies] = await Promise.all([
    grab('/channels'), grab('/agents'), grab('/teams'), grab('/fields'), grab('/labels'), grab('/saved-replies')]);
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
  const p = { status: S.tab, platform: S.platform, channelId: S.channelId };
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
      const r = await api.get(`/conversations/counts${query({ ...listParams(), status: undefined })}`);
      S.counts = (r && (r.counts || r)) || {};
    } catch (e) { /* the tabs keep their last numbers */ }
    renderCounts();
  }, 120);
}

/** Whether a conversation belongs in the list as filtered now. */
function matches(c) {
  if (S.search) return S.convs.has(c.id);
  if (S.tab !== 'all' && c.status !== S.tab) return false;
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

/** Puts a fresh conversation view into the list (or takes it out), keeping newest first. */
export function upsertConversation(c) {
  const known = S.convs.has(c.id);
  if (matches(c)) {
    S.convs.set(c.id, c);
    if (!known) S.order.push(c.id);
    S.order.sort((x, y) => newestFirst(S.convs.get(x), S.convs.get(y)));
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
  const platformSelect = h('select', { testid: 'platform-select', class: 'grow', onchange: (e) => {
    const v = e.target.value;
    if (v.startsWith('ch:')) { S.channelId = v.slice(3); S.platform = ''; } else { S.platform = v; S.channelId = ''; }
    S.checked.clear();
    reloadLists();
  } },
  h('option', { value: '' }, 'All platforms'),
  ['whatsapp', 'messenger', 'instagram'].map((p) => h('option', { value: p, selected: S.platform === p && !S.channelId }, platformName(p))),
  S.channels.length ? h('optgroup', { label: 'Channels' },
    S.channels.map((ch) => h('option', { value: `ch:${ch.id}`, selected: String(S.channelId) === String(ch.id) }, `${ch.name} (${platformName(ch.platform)})`))) : null);

  const searchInput = h('input', { type: 'search', placeholder: 'Search phone (+country code), name, @username or user ID', testid: 'search-input', value: S.search });
  let searchTimer = null;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { S.search = searchInput.value.trim(); reloadLists(); renderFilterSummary(); }, 250);
  });

  mount(pane,
    h('div', { class: 'list-head' },
      h('div', { class: 'search' }, searchInput),
      h('div', { class: 'tabs', id: 'tabs' }),
      h('div', { class: 'row' }, platformSelect,
        h('span', { class: 'anchor' }, h('button', { class: 'btn', testid: 'filter-button', onclick: (e) => openFilter(e.currentTarget) }, 'Filter'))),
      h('div', { class: 'filter-summary', id: 'filter-summary', testid: 'filter-summary' }),
      h('div', { class: 'list-actions', id: 'list-actions' })),
    h('div', { class: 'conv-list', testid: 'conversation-list', id: 'conv-list', onscroll: (e) => {
      const el = e.currentTarget;
      if (el.scrollTop + el.clientHeight > el.scrollHeight - 120) loadMore();
    } }));
  renderCounts();
  renderFilterSummary();
  renderListActions();
  renderList();
}

function renderCounts() {
  const tabs = $('#tabs');
  if (!tabs) return;
  mount(tabs, STATUSES.map(([key, label]) => h('button', {
    class: `tab${S.tab === key ? ' active' : ''}`, testid: `tab-${key}`,
    onclick: () => { S.tab = key; S.checked.clear(); S.search = ''; const si = $('[data-testid=search-input]'); if (si) si.value = ''; renderCounts(); renderFilterSummary(); reloadLists(); },
  }, label, h('span', { class: 'count', testid: `count-${key}` }, countText(key)))));
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
      h('button', { class: 'btn btn-sm', testid: 'filter-clear', onclick: () => { S.channelId = ''; S.assignee = ''; closePopover(); renderListPane(); reloadLists(); } }, 'Clear'),
      h('span', { class: 'spacer' }),
      h('button', { class: 'btn btn-primary btn-sm', testid: 'filter-apply', onclick: () => {
        S.channelId = channel.value; S.assignee = assignee.value;
        if (S.channelId) S.platform = '';
        closePopover(); renderListPane(); reloadLists();
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
    h('input', { type: 'checkbox', testid: 'check-all', title: 'Select all', checked: n > 0 && n === S.order.length, onchange: (e) => {
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
    activeAgents().map((a) => h('button', { class: 'menu-item', testid: `bulk-assign-agent-${a.id}`, onclick: () => bulk({ assignee: { type: 'agent', id: a.id } }, `assigned to ${a.name}`) }, a.name)),
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

function isUnread(c) {
  if (!c.unreadCount) return false;
  const seen = S.readUpTo.get(c.id);
  return !(seen && c.lastMessageAt && Date.parse(seen) >= Date.parse(c.lastMessageAt)) && c.id !== S.selectedId;
}

export function renderList() {
  const list = $('#conv-list');
  if (!list) return;
  const scroll = list.scrollTop;
  const rows = S.order.map((id) => S.convs.get(id)).filter(Boolean).map((c) => {
    const name = c.contact ? contactLabel(c.contact) : `#${c.id}`;
    // a WhatsApp customer without a phone is known by their username
    const handle = c.contact && !c.contact.phone && c.contact.username ? `@${c.contact.username}` : null;
    const unread = isUnread(c);
    return h('div', {
      class: `conv${c.id === S.selectedId ? ' active' : ''}${unread ? ' unread' : ''}`, testid: 'conv-item',
      dataset: { id: c.id, status: c.status },
      onclick: (e) => {
        if (S.selectMode) {
          // the checkbox has already flipped when its click reaches the row; a click elsewhere flips it here
          const on = e.target.tagName === 'INPUT' ? e.target.checked : !S.checked.has(c.id);
          if (on) S.checked.add(c.id); else S.checked.delete(c.id);
          renderListActions(); renderList();
          return;
        }
        openConversation(c.id);
      },
    },
    S.selectMode ? h('input', { type: 'checkbox', testid: 'conv-check', checked: S.checked.has(c.id) }) : null,
    platformMark(c.platform),
    h('div', { class: 'body' },
      h('div', { class: 'top' }, h('span', { class: 'name', testid: 'conv-name' }, name), h('span', { class: 'time' }, shortTime(c.lastMessageAt))),
      h('div', { class: 'sub' },
        h('span', { class: `badge status-${c.status}`, testid: 'conv-status' }, c.status),
        c.assignee ? h('span', { testid: 'conv-assignee' }, `→ ${c.assignee.name || c.assignee.id}`) : null,
        handle && handle !== name ? h('span', { testid: 'conv-username' }, handle) : null,
        h('span', {}, c.channelName || platformName(c.platform)))),
    unread ? h('span', { class: 'unread-dot', testid: 'conv-unread', title: `${c.unreadCount} unread` }) : null);
  });
  if (!rows.length) rows.push(h('div', { class: 'list-empty', testid: 'list-empty' }, S.search ? 'No conversation matches this search.' : 'No conversations here.'));
  if (S.nextCursor) rows.push(h('div', { class: 'list-more' }, S.loadingMore ? 'Loading…' : 'Scroll for more'));
  mount(list, rows);
  list.scrollTop = scroll;
  // a short first page that does not fill the pane cannot be scrolled: fetch the next one now
  if (S.nextCursor && !S.loadingMore && list.scrollHeight <= list.clientHeight + 10) loadMore();
}

// ---------- the open conversation ----------

export async function openConversation(id, keepScroll) {
  const changed = S.selectedId !== id;
  S.selectedId = id;
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
    if (conv.lastMessageAt) S.readUpTo.set(id, conv.lastMessageAt);
    // the unread mark is the account's (every agent sees it go), so tell the server it was read
    if (conv.unreadCount) api.post(`/conversations/${enc(id)}/read`).then((c) => { if (c && c.id) upsertConversation(c); }).catch(() => {});
    if (S.convs.has(id)) S.convs.set(id, conv);
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
  if (S.current && m.createdAt) S.readUpTo.set(m.conversationId, m.createdAt);
  renderThreadPane(false);
}

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
      if (ev.type === 'message.created') loadCounts();
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
    case 'conversation.merged': {
      // two records of one WhatsApp customer became one: this conversation is gone, its messages are in `into`
      const into = data.into ? String(data.into) : null;
      if (convId) { S.convs.delete(convId); S.order = S.order.filter((x) => x !== convId); renderList(); }
      if (into) refreshConversation(into);
      if (convId && convId === S.selectedId && into) openConversation(into);
      loadCounts();
      break;
    }
    default: {
      // conversation.created / conversation.updated / conversation.window_changed and anything newer
      const c = isConversation(data.conversation) ? data.conversation : isConversation(data) ? data : null;
      if (c) upsertConversation(c); else if (convId) refreshConversation(convId);
      loadCounts();
    }
  }
}

boot();
