// The conversation list (left pane): tabs with counts, Mine and Unassigned, the platform/channel
// dropdown, Filter, search, select mode with bulk actions, infinite scroll by cursor, and the rows.
// Rows are kept by conversation id: an event redraws only the rows whose data changed and moves
// the others, so the focus, the scroll position and a checked box survive it.

import { h, mount, mountButtons, morph, place, $, platformName, platformMark, relativeTime, absoluteTime, preview, toast, contactLabel } from './dom.js';
import { api, query } from './api.js';
import { state, dispatch, subscribe, placeWith } from './store.js';
import { openPopover, closePopover } from './ui.js';
import { openConversation, refreshOpenConversation, watching } from './conversation.js';
import { writeUrl } from './route.js';
import { agentById, agentLabel, activeAgents, assigneeLabel } from './reference.js';
import { presenceDot } from './collision.js';
import { openNewContact } from './newcontact.js';
import { queueParams, queueMatches, byDeadline, queueChips, expiringCount, rowCountdown, rowSnoozed } from './queue.js';

const PAGE = 30;
const STATUSES = [['open', 'Open'], ['assigned', 'Assigned'], ['closed', 'Closed'], ['all', 'Show All']];

function listParams() {
  const p = { status: state.tab === 'mine' ? 'all' : state.tab, platform: state.platform, channelId: state.channelId, label: state.label };
  if (state.tab === 'mine') p.assigneeId = state.user.id;
  Object.assign(p, queueParams(state.tab));
  if (state.assignee) {
    const [type, id] = state.assignee.split(':');
    p[type === 'team' ? 'teamId' : 'assigneeId'] = id;
  }
  return p;
}

/** Whether a conversation belongs in the list as filtered now. */
function matches(c) {
  if (state.search) return state.convs.has(c.id);
  if (state.tab === 'mine') {
    if (!c.assignee || c.assignee.type !== 'agent' || String(c.assignee.id) !== String(state.user.id)) return false;
  } else if (!['all', 'expiring', 'snoozed'].includes(state.tab) && c.status !== state.tab) return false;
  if (!queueMatches(c, state.tab)) return false;
  if (state.platform && c.platform !== state.platform) return false;
  if (state.channelId && String(c.channelId) !== String(state.channelId)) return false;
  if (state.assignee) {
    const [type, id] = state.assignee.split(':');
    if (!c.assignee || c.assignee.type !== type || String(c.assignee.id) !== id) return false;
  }
  if (state.label && !(c.labels || []).includes(state.label)) return false;
  return true;
}

function newestFirst(a, b) {
  const ta = Date.parse(a.lastMessageAt || a.createdAt || 0) || 0;
  const tb = Date.parse(b.lastMessageAt || b.createdAt || 0) || 0;
  return tb - ta || Number(b.id) - Number(a.id);
}

placeWith({ belongs: matches, compare: (a, b) => (state.tab === 'expiring' ? byDeadline : newestFirst)(a, b) });

/** Reloads the counts and the first page of the list (and the open conversation on a resync). */
export async function reloadLists(resync) {
  dispatch({ type: 'list/loading' });
  const gen = state.listGen;
  // the counts are read beside the first page and shown with it, so a new view's rows and numbers agree
  const counts = fetchCounts();
  try {
    let items;
    let next = null;
    if (state.search) {
      items = ((await api.get(`/search${query({ q: state.search })}`)) || {}).items || [];
    } else {
      const r = await api.get(`/conversations${query({ ...listParams(), limit: PAGE })}`);
      items = r.items || [];
      next = r.nextCursor || null;
    }
    await counts;
    if (gen !== state.listGen) return;
    dispatch({ type: 'list/loaded', gen, items, nextCursor: next });
    if (state.selectedId && resync) await refreshOpenConversation();
  } catch (e) {
    if (gen !== state.listGen) return;
    dispatch({ type: 'list/loaded', gen, items: [], nextCursor: null });
    toast(e.message);
  }
}

async function loadMore() {
  if (!state.nextCursor || state.loadingMore || state.search) return;
  dispatch({ type: 'list/loadingMore', on: true });
  const gen = state.listGen;
  try {
    const r = await api.get(`/conversations${query({ ...listParams(), limit: PAGE, cursor: state.nextCursor })}`);
    dispatch({ type: 'list/more', gen, items: r.items || [], nextCursor: r.nextCursor });
  } catch (e) {
    toast(e.message);
  } finally {
    dispatch({ type: 'list/loadingMore', on: false });
  }
}

let countsTimer = null;
let countsGen = 0;
/** Counts per tab, with the same platform/channel/assignee filter (debounced: events come in bursts). */
export function loadCounts() {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(fetchCounts, 120);
}

/** Reads the counts now; an answer overtaken by a later read is dropped. */
async function fetchCounts() {
  clearTimeout(countsTimer);
  const gen = ++countsGen;
  try {
    const params = { ...listParams(), status: undefined, sort: undefined, expiringWithin: undefined, assigneeId: state.tab === 'mine' ? undefined : listParams().assigneeId };
    const expiring = expiringCount(params);
    const mine = state.assignee ? null : api.get(`/conversations/counts${query({ ...params, assigneeId: state.user.id })}`).catch(() => null);
    const r = await api.get(`/conversations/counts${query(params)}`);
    const counts = { ...((r && (r.counts || r)) || {}) };
    const m = mine && await mine;
    if (m) { counts.mine = m.all; counts.capped = { ...(counts.capped || {}), mine: m.capped && m.capped.all }; }
    const x = await expiring;
    if (x) { counts.expiring = x.n; counts.capped = { ...(counts.capped || {}), expiring: x.capped }; }
    if (gen === countsGen) dispatch({ type: 'counts/loaded', counts });
  } catch (e) { /* the tabs keep their last numbers */ }
}

/** The platform menu's choices: the three platforms, then the account's channels. */
function platformOptions() {
  return [h('option', { value: '' }, 'All platforms'),
    ['whatsapp', 'messenger', 'instagram'].map((p) => h('option', { value: p, selected: state.platform === p && !state.channelId }, platformName(p))),
    state.channels.length ? h('optgroup', { label: 'Channels' },
      state.channels.map((ch) => h('option', { value: `ch:${ch.id}`, selected: String(state.channelId) === String(ch.id) }, `${ch.name} (${platformName(ch.platform)})`))) : null];
}

/**
 * The account's names changed (a channel, an agent, a team...): of the list's head only the
 * platform menu shows them, so only its choices are drawn again; the search being typed, the
 * focus and the list's scroll stay as they are.
 */
function renderPlatformOptions() {
  const select = $('[data-testid=platform-select]');
  if (!select) { renderListPane(); return; }
  mount(select, platformOptions());
}

export function renderListPane() {
  const pane = $('#list-pane');
  const platformSelect = h('select', { testid: 'platform-select', class: 'grow', 'aria-label': 'Platform or channel', onchange: (e) => {
    const v = e.target.value;
    dispatch({ type: 'filters/set', ...(v.startsWith('ch:') ? { channelId: v.slice(3), platform: '' } : { platform: v, channelId: '' }) });
    writeUrl();
    reloadLists();
  } },
  platformOptions());

  const searchInput = h('input', { type: 'search', placeholder: 'Search phone (+country code), name, @username or user ID', testid: 'search-input', maxlength: 200, value: state.search,
    'aria-label': 'Search conversations (press / to focus)' });
  let searchTimer = null;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { dispatch({ type: 'filters/set', search: searchInput.value.trim() }); writeUrl(true); reloadLists(); renderFilterSummary(); }, 250);
  });

  mount(pane,
    h('div', { class: 'list-head' },
      h('div', { class: 'search' }, searchInput),
      h('div', { class: 'tabs', id: 'tabs', role: 'tablist', 'aria-label': 'Conversation status' }),
      h('div', { class: 'quick-views', id: 'quick-views' }),
      h('div', { class: 'row' }, platformSelect,
        h('span', { class: 'anchor' }, h('button', { class: 'btn', testid: 'filter-button', 'aria-haspopup': 'true', onclick: (e) => openFilter(e.currentTarget) }, 'Filter'))),
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
  dispatch({ type: 'filters/set', tab: key, search: '' });
  const si = $('[data-testid=search-input]'); if (si) si.value = '';
  writeUrl();
  renderCounts(); renderFilterSummary(); reloadLists();
}

function renderCounts() {
  const tabs = $('#tabs');
  if (!tabs) return;
  mountButtons(tabs, STATUSES.map(([key, label]) => h('button', {
    class: `tab${state.tab === key ? ' active' : ''}`, testid: `tab-${key}`, role: 'tab', 'aria-selected': state.tab === key ? 'true' : 'false',
    onclick: () => selectTab(key),
  }, label, h('span', { class: 'count', testid: `count-${key}` }, countText(key)))));
  const quick = $('#quick-views');
  if (quick) {
    mountButtons(quick, [
      h('button', { class: `chip-btn${state.tab === 'mine' ? ' active' : ''}`, testid: 'view-mine', 'aria-pressed': state.tab === 'mine' ? 'true' : 'false',
        title: 'Conversations assigned to me', onclick: () => selectTab('mine') }, 'Mine ', h('span', { class: 'count', testid: 'count-mine' }, countText('mine'))),
      h('button', { class: `chip-btn${state.tab === 'open' ? ' active' : ''}`, testid: 'view-unassigned', 'aria-pressed': state.tab === 'open' ? 'true' : 'false',
        title: 'Open conversations: waiting for a human, assigned to no one', onclick: () => selectTab('open') }, 'Unassigned ', h('span', { class: 'count' }, countText('open'))),
      ...queueChips(selectTab, countText)]);
  }
}

/** "–" before the first answer; a lower bound (past COUNT_CAP, or a common label's sample) gets a "+". */
function countText(key) {
  const n = state.counts[key];
  if (n === undefined) return '–';
  const capped = state.counts.capped && state.counts.capped[key];
  return capped ? `${n.toLocaleString('en-US')}+` : String(n);
}

function assigneeName(key) {
  if (!key) return '';
  const [type, id] = key.split(':');
  const list = type === 'team' ? state.teams : state.agents;
  const found = list.find((x) => String(x.id) === id);
  return found ? agentLabel(found) : `${type} ${id}`;
}

export function renderFilterSummary() {
  const el = $('#filter-summary');
  if (!el) return;
  const parts = [];
  if (state.search) parts.push(`Search: “${state.search}”`);
  if (state.channelId) {
    const ch = state.channels.find((c) => String(c.id) === String(state.channelId));
    parts.push(`Channel: ${ch ? ch.name : state.channelId}`);
  }
  if (state.assignee) parts.push(`Assignee: ${assigneeName(state.assignee)}`);
  if (state.label) parts.push(`Label: ${state.label}`);
  el.textContent = parts.join(' · ');
  el.hidden = parts.length === 0;
}

function openFilter(anchor) {
  const channel = h('select', { testid: 'filter-channel' }, h('option', { value: '' }, 'All channels'),
    state.channels.map((ch) => h('option', { value: ch.id, selected: String(state.channelId) === String(ch.id) }, `${ch.name} (${platformName(ch.platform)})`)));
  const assignee = h('select', { testid: 'filter-assignee' }, h('option', { value: '' }, 'Anyone'),
    h('optgroup', { label: 'Agents' }, state.agents.map((a) => h('option', { value: `agent:${a.id}`, selected: state.assignee === `agent:${a.id}` }, agentLabel(a)))),
    h('optgroup', { label: 'Teams' }, state.teams.map((t) => h('option', { value: `team:${t.id}`, selected: state.assignee === `team:${t.id}` }, t.name))));
  // the contact's labels, as the team spells them (a label no longer listed stays chosen until cleared)
  const names = state.label && !state.labels.includes(state.label) ? [state.label, ...state.labels] : state.labels;
  const label = h('select', { testid: 'filter-label' }, h('option', { value: '' }, 'Any label'),
    names.map((n) => h('option', { value: n, selected: state.label === n }, n)));
  const apply = (filters) => { dispatch({ type: 'filters/set', ...filters }); closePopover(); writeUrl(); renderListPane(); reloadLists(); };
  openPopover(anchor, [
    h('label', {}, 'Channel', channel),
    h('label', {}, 'Assignee', assignee),
    h('label', {}, 'Label', label),
    h('div', { class: 'row' },
      h('button', { class: 'btn btn-sm', testid: 'filter-clear', onclick: () => apply({ channelId: '', assignee: '', label: '' }) }, 'Clear'),
      h('span', { class: 'spacer' }),
      h('button', { class: 'btn btn-primary btn-sm', testid: 'filter-apply', onclick: () => apply({
        channelId: channel.value, assignee: assignee.value, label: label.value, ...(channel.value ? { platform: '' } : {}) }) }, 'Apply')),
  ]);
}

function renderListActions() {
  const el = $('#list-actions');
  if (!el) return;
  if (!state.selectMode) {
    mount(el,
      h('button', { class: 'btn btn-sm', testid: 'select-toggle', onclick: () => dispatch({ type: 'select/mode', on: true }) }, 'Select'),
      h('span', { class: 'spacer' }),
      h('button', { class: 'btn btn-sm', testid: 'new-contact-button', onclick: () => openNewContact() }, '+ Add new contact'));
    return;
  }
  const n = state.checked.size;
  mount(el,
    h('input', { type: 'checkbox', testid: 'check-all', title: 'Select all', 'aria-label': 'Select all', checked: n > 0 && n === state.order.length,
      onchange: (e) => dispatch({ type: 'select/all', on: e.target.checked }) }),
    h('span', { testid: 'selected-count' }, `${n} selected`),
    h('span', { class: 'spacer' }),
    h('span', { class: 'anchor' }, h('button', { class: 'btn btn-sm btn-primary', testid: 'actions-button', 'aria-haspopup': 'menu', disabled: n === 0, onclick: (e) => openActions(e.currentTarget) }, 'Actions ▾')),
    h('button', { class: 'btn btn-sm', testid: 'select-cancel', onclick: () => dispatch({ type: 'select/mode', on: false }) }, 'Done'));
}

function openActions(anchor) {
  const ids = [...state.checked];
  const bulk = async (body, label) => {
    closePopover();
    try {
      const r = await api.post('/conversations/bulk', { ids, ...body });
      toast(`${r && r.updated !== undefined ? r.updated : ids.length} conversation(s) ${label}`);
      dispatch({ type: 'select/mode', on: false });
      reloadLists();
    } catch (e) { toast(e.message); }
  };
  openPopover(anchor, [
    h('div', { class: 'menu-sep' }, 'Change status'),
    h('button', { class: 'menu-item', testid: 'bulk-open', onclick: () => bulk({ status: 'open' }, 'set to Open') }, 'Set to Open'),
    h('button', { class: 'menu-item', testid: 'bulk-closed', onclick: () => bulk({ status: 'closed' }, 'set to Closed') }, 'Set to Closed'),
    state.agents.length || state.teams.length ? h('div', { class: 'menu-sep' }, 'Assign to') : null,
    activeAgents().map((a) => h('button', { class: 'menu-item', testid: `bulk-assign-agent-${a.id}`, onclick: () => bulk({ assignee: { type: 'agent', id: a.id } }, `assigned to ${a.name}`) }, presenceDot(a), a.name)),
    state.teams.map((t) => h('button', { class: 'menu-item', testid: `bulk-assign-team-${t.id}`, onclick: () => bulk({ assignee: { type: 'team', id: t.id } }, `assigned to ${t.name}`) }, `Team: ${t.name}`)),
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
  return c.unreadCount > 0 && !watching(c.id);
}

/** "(3) Switchboard": how many listed conversations have messages the agent has not read. */
export function renderTitle() {
  if (state.settings !== null) return; // the settings area names its section
  let n = 0;
  for (const c of state.convs.values()) if (isUnread(c)) n++;
  const title = n ? `(${n}) Switchboard` : 'Switchboard';
  if (document.title !== title) document.title = title;
}

// ---------- rows, kept by conversation id ----------

// conversation id → {el, sig}: the row drawn and what it was drawn from
let rows = new Map();
let rowsOf = null;

/** Everything a row shows, as one string: a row is drawn again only when this changes. */
function rowSig(c) {
  const agent = c.assignee && c.assignee.type === 'agent' ? agentById(c.assignee.id) : null;
  return JSON.stringify([c, c.id === state.selectedId, isUnread(c), state.selectMode, state.checked.has(c.id),
    agent ? [agent.presence, agent.availability] : null]);
}

// The row's listeners use only c.id: an update gives the row new content in place (morph), and the
// element keeps the listeners of its first build.
function buildRow(c) {
  const name = c.contact ? contactLabel(c.contact) : `#${c.id}`;
  // a WhatsApp customer without a phone is known by their username
  const handle = c.contact && !c.contact.phone && c.contact.username ? `@${c.contact.username}` : null;
  const unread = isUnread(c);
  const open = () => openConversation(c.id);
  return h('div', {
    class: `conv${c.id === state.selectedId ? ' active' : ''}${unread ? ' unread' : ''}`, testid: 'conv-item',
    role: 'option', tabindex: '0', 'aria-selected': c.id === state.selectedId ? 'true' : 'false',
    dataset: { id: c.id, status: c.status },
    onkeydown: (e) => { if (e.key === 'Enter' && !state.selectMode) { e.preventDefault(); open(); } },
    onclick: (e) => {
      if (state.selectMode) {
        // the checkbox has already flipped when its click reaches the row; a click elsewhere flips it here
        const on = e.target.tagName === 'INPUT' ? e.target.checked : !state.checked.has(c.id);
        dispatch({ type: 'select/check', id: c.id, on });
        return;
      }
      open();
    },
  },
  state.selectMode ? h('input', { type: 'checkbox', testid: 'conv-check', checked: state.checked.has(c.id), 'aria-label': `Select ${name}` }) : null,
  platformMark(c.platform),
  h('div', { class: 'body' },
    h('div', { class: 'top' }, h('span', { class: 'name', testid: 'conv-name' }, name),
      h('span', { class: 'time', testid: 'conv-time', dataset: { at: c.lastMessageAt || '' }, title: absoluteTime(c.lastMessageAt) }, relativeTime(c.lastMessageAt))),
    h('div', { class: `preview${c.lastMessage && c.lastMessage.type === 'note' ? ' is-note' : ''}`, testid: 'conv-preview' }, preview(c.lastMessage)),
    h('div', { class: 'sub' },
      h('span', { class: `badge status-${c.status}`, testid: 'conv-status' }, c.status),
      rowCountdown(c), rowSnoozed(c),
      c.assignee ? h('span', { class: 'assignee', testid: 'conv-assignee' }, `→ ${assigneeLabel(c.assignee)}`) : null,
      // a deactivated agent is signed out for good: no presence to show
      c.assignee && c.assignee.type === 'agent' && (agentById(c.assignee.id) || {}).active !== false ? presenceDot(agentById(c.assignee.id)) : null,
      handle && handle !== name ? h('span', { testid: 'conv-username' }, handle) : null,
      h('span', { class: 'channel' }, c.channelName || platformName(c.platform)))),
  unread ? h('span', { class: 'unread-count', testid: 'conv-unread', title: `${c.unreadCount} unread` },
    c.unreadCount >= 100 ? '99+' : String(c.unreadCount), h('span', { class: 'sr-only' }, ' unread')) : null);
}

function renderList() {
  const list = $('#conv-list');
  if (!list) return;
  if (rowsOf !== list) { rows = new Map(); rowsOf = list; }
  const scroll = list.scrollTop;
  const active = document.activeElement;
  const focusedRow = active && list.contains(active) ? active.closest('[data-testid=conv-item]') : null;
  const focusedId = focusedRow ? focusedRow.dataset.id : null;
  const focusedInner = focusedRow && active !== focusedRow ? active.dataset.testid : null;

  const wanted = [];
  const listed = new Set();
  for (const id of state.order) {
    const c = state.convs.get(id);
    if (!c) continue;
    listed.add(id);
    const sig = rowSig(c);
    let r = rows.get(id);
    if (!r) {
      r = { el: buildRow(c), sig };
      rows.set(id, r);
    } else if (r.sig !== sig) {
      morph(r.el, buildRow(c));
      r.sig = sig;
    }
    wanted.push(r);
  }
  for (const [id, r] of rows) {
    if (!listed.has(id)) { r.el.remove(); rows.delete(id); }
  }
  // rows move only where they are out of order; after them the empty text, or the sign that more can be loaded
  place(list, [...wanted.map((r) => r.el),
    wanted.length ? null : h('div', { class: 'list-empty', testid: 'list-empty' }, state.search ? searchEmptyText() : 'No conversations here.'),
    state.nextCursor ? h('div', { class: 'list-more' }, state.loadingMore ? 'Loading…' : 'Scroll for more') : null].filter(Boolean));

  list.scrollTop = scroll;
  if (focusedId && !list.contains(document.activeElement)) {
    const row = rows.get(focusedId);
    const inner = row && focusedInner ? row.el.querySelector(`[data-testid="${CSS.escape(focusedInner)}"]`) : null;
    if (inner || row) (inner || row.el).focus({ preventScroll: true });
  }
  renderTitle();
  // a short first page that does not fill the pane cannot be scrolled: fetch the next one now
  if (state.nextCursor && !state.loadingMore && list.scrollHeight <= list.clientHeight + 10) loadMore();
}

/** Every few seconds: "5 m" becomes "6 m" on rows whose data did not change. */
export function tickRowTimes() {
  for (const el of document.querySelectorAll('#conv-list [data-testid=conv-time]')) {
    const text = relativeTime(el.dataset.at);
    if (el.textContent !== text) el.textContent = text;
  }
}

/** A search that found nothing; digits without a country code get a hint. */
function searchEmptyText() {
  const q = state.search.trim();
  if (/^[\d\s().\-/]{6,}$/.test(q) && !q.startsWith('+') && !q.startsWith('00')) {
    return 'No conversation matches this number. Phone numbers are stored with their country code: try +1 415 555 0123 or 0044 20 7946 0958.';
  }
  return 'No conversation matches this search.';
}

/** Moves the focus along the list's rows (j/k, arrows); the first move focuses the open or first row. */
export function moveRow(step) {
  const all = [...document.querySelectorAll('#conv-list [data-testid=conv-item]')];
  if (!all.length) return;
  const at = all.indexOf(document.activeElement);
  const from = at >= 0 ? at : all.findIndex((r) => r.dataset.id === state.selectedId);
  const next = all[Math.max(0, Math.min(all.length - 1, from < 0 ? 0 : from + step))];
  next.focus();
  next.scrollIntoView({ block: 'nearest' });
}

subscribe(['list', 'agents'], () => renderList());
subscribe(['counts'], () => renderCounts());
subscribe(['selection'], () => renderListActions());
subscribe(['reference'], () => renderPlatformOptions());
subscribe(['countsStale'], () => loadCounts());
subscribe(['listStale'], (a) => reloadLists(a.resync));
document.addEventListener('visibilitychange', () => { if (state.user) renderList(); });
