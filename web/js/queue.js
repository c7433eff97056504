// The work queue in the inbox: the "Expiring soon" view (conversations that need a reply, soonest
// human-reply deadline first, a live countdown on every row), the "Snoozed" view, the snooze menu
// in the conversation header, and the notice when a reply window is about to close
// (conversation.window_expiring).

import { h, duration, contactLabel, toast, absoluteTime } from './dom.js';
import { api, enc, query } from './api.js';
import { state as S, dispatch } from './store.js';
import { openPopover, closePopover } from './ui.js';
import { upsertConversation, openConversation, watching } from './conversation.js';
import { desktopOn, soundOn } from './notify.js';

/** How far ahead "Expiring soon" looks. */
export const EXPIRING_WITHIN = 'PT4H';
const EXPIRING_MS = 4 * 3600 * 1000;

/** The list's query for the work queue's views (merged into the other parameters). */
export function queueParams(tab) {
  if (tab === 'expiring') return { status: 'all', sort: 'window', expiringWithin: EXPIRING_WITHIN };
  return {};
}

function deadline(c) {
  return c && c.needsReply && c.window && c.window.humanExpiresAt ? Date.parse(c.window.humanExpiresAt) : null;
}

/** Whether a conversation belongs in the current view, as far as the work queue decides. */
export function queueMatches(c, tab) {
  if (tab === 'snoozed') return !!c.snoozedUntil;
  if (tab === 'open' || tab === 'assigned') return !c.snoozedUntil;
  if (tab === 'expiring') {
    const d = deadline(c);
    return d !== null && d > Date.now() && d - Date.now() <= EXPIRING_MS;
  }
  return true;
}

/** The order of the "Expiring soon" view: soonest deadline first. */
export function byDeadline(a, b) {
  return (deadline(a) ?? Infinity) - (deadline(b) ?? Infinity) || Number(a.id) - Number(b.id);
}

/** The two view chips beside "Mine" and "Unassigned". */
export function queueChips(selectTab, countText) {
  const chip = (key, label, title) => h('button', {
    class: `chip-btn${S.tab === key ? ' active' : ''}`, testid: `view-${key}`, 'aria-pressed': S.tab === key ? 'true' : 'false',
    title, onclick: () => selectTab(key),
  }, `${label} `, h('span', { class: 'count', testid: `count-${key}` }, countText(key)));
  return [
    chip('expiring', 'Expiring soon', 'Waiting for a reply, the reply window closing within 4 hours; soonest first'),
    chip('snoozed', 'Snoozed', 'Snoozed conversations: back in their list when the snooze ends or the customer writes'),
  ];
}

/** The "Expiring soon" count under the list's other filters (the Snoozed count comes with the tabs). */
export async function expiringCount(params) {
  try {
    const r = await api.get(`/conversations/counts${query({ ...params, expiringWithin: EXPIRING_WITHIN })}`);
    return r ? { n: r.all, capped: r.capped && r.capped.all } : null;
  } catch (e) { return null; }
}

/** A row's countdown to its human-reply deadline, for a conversation that needs a reply. */
export function rowCountdown(c) {
  const d = deadline(c);
  if (d === null || d <= Date.now()) return null;
  const el = h('span', { class: 'countdown', testid: 'conv-countdown', dataset: { deadline: String(d) }, title: `Reply by ${absoluteTime(c.window.humanExpiresAt)}` });
  paint(el, d);
  return el;
}

/** Snoozed rows say until when. */
export function rowSnoozed(c) {
  return c.snoozedUntil ? h('span', { class: 'snoozed-until', testid: 'conv-snoozed', title: absoluteTime(c.snoozedUntil) }, `Snoozed until ${shortTime(c.snoozedUntil)}`) : null;
}

function paint(el, d) {
  const left = d - Date.now();
  el.textContent = left > 0 ? `${duration(left)} left` : 'window closed';
  el.dataset.state = left <= 0 ? 'expired' : left < 15 * 60 * 1000 ? 'soon' : 'ok';
}

/** Every second: the countdowns tick. */
export function tickCountdowns() {
  for (const el of document.querySelectorAll('[data-testid=conv-countdown]')) paint(el, Number(el.dataset.deadline));
}

function shortTime(iso) {
  const t = new Date(iso);
  const sameDay = t.toDateString() === new Date().toDateString();
  return sameDay ? t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : t.toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

// ---------- snooze in the conversation header ----------

/**
 * "Snooze ▾" (or "Unsnooze" when snoozed) for the header of the open conversation; current()
 * gives the conversation as it is when the button is pressed (the header outlives many updates).
 */
export function snoozeButton(c, current = () => c) {
  if (c.status === 'closed') return null;
  if (c.snoozedUntil) {
    return h('button', { class: 'btn btn-sm', testid: 'unsnooze-button', title: `Snoozed until ${absoluteTime(c.snoozedUntil)}`,
      onclick: () => unsnooze(current()) }, 'Unsnooze');
  }
  return h('span', { class: 'anchor' }, h('button', { class: 'btn btn-sm', testid: 'snooze-button', 'aria-haspopup': 'menu',
    'aria-expanded': 'false', onclick: (e) => openSnoozeMenu(e.currentTarget, current()) }, 'Snooze ▾'));
}

function presets() {
  const now = new Date();
  const at = (d) => d;
  const tomorrow = new Date(now); tomorrow.setDate(now.getDate() + 1); tomorrow.setHours(9, 0, 0, 0);
  const monday = new Date(now); monday.setDate(now.getDate() + ((8 - now.getDay()) % 7 || 7)); monday.setHours(9, 0, 0, 0);
  return [
    ['1h', '1 hour', at(new Date(now.getTime() + 3600e3))],
    ['3h', '3 hours', at(new Date(now.getTime() + 3 * 3600e3))],
    ['tomorrow', 'Tomorrow 9:00', tomorrow],
    ['monday', 'Monday 9:00', monday],
  ];
}

/** A warning when the snooze ends after the reply window closes (nothing but a template, or nothing, could be sent then). */
function pastWindow(c, until) {
  const d = c.window && c.window.humanExpiresAt ? Date.parse(c.window.humanExpiresAt) : null;
  return d !== null && d > Date.now() && until.getTime() > d;
}

function warningText(c) {
  return `The reply window closes ${absoluteTime(c.window.humanExpiresAt)}: after that ${c.platform === 'whatsapp' ? 'only a template can be sent' : 'no reply can be sent'}.`;
}

function openSnoozeMenu(anchor, c) {
  const warning = h('p', { class: 'warn', testid: 'snooze-warning', role: 'alert', hidden: true });
  const showWarning = (until) => {
    const on = until && pastWindow(c, until);
    warning.hidden = !on;
    warning.textContent = on ? warningText(c) : '';
  };
  const pad = (n) => String(n).padStart(2, '0');
  const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const custom = h('input', { type: 'datetime-local', testid: 'snooze-custom', 'aria-label': 'Snooze until (date and time)',
    min: local(new Date(Date.now() + 60e3)), oninput: () => showWarning(custom.value ? new Date(custom.value) : null) });
  const items = presets().map(([key, label, until]) => h('button', {
    class: 'menu-item', testid: `snooze-${key}`, title: absoluteTime(until.toISOString()),
    onmouseenter: () => showWarning(until), onfocus: () => showWarning(until),
    onclick: () => snooze(c, until),
  }, label, pastWindow(c, until) ? h('span', { class: 'warn-mark', 'aria-label': ' (after the reply window closes)' }, ' ⚠') : null));
  openPopover(anchor, [
    h('div', { class: 'menu-sep' }, 'Snooze until'),
    ...items,
    h('label', { class: 'snooze-custom' }, 'Pick a date and time', custom),
    h('button', { class: 'btn btn-sm btn-primary', testid: 'snooze-custom-apply', onclick: () => {
      if (!custom.value) { toast('Pick a date and time first.'); return; }
      snooze(c, new Date(custom.value));
    } }, 'Snooze'),
    warning,
  ], true);
  const first = items[0];
  if (first) first.focus();
}

async function snooze(c, until) {
  closePopover();
  try {
    const v = await api.post(`/conversations/${enc(c.id)}/snooze`, { until: until.toISOString() });
    upsertConversation(v);
    dispatch({ type: 'counts/stale' });
    toast(`Snoozed until ${shortTime(v.snoozedUntil)}${pastWindow(c, until) ? ' — after the reply window closes' : ''}`);
  } catch (e) { toast(e.message); }
}

async function unsnooze(c) {
  try {
    const v = await api.del(`/conversations/${enc(c.id)}/snooze`);
    upsertConversation(v);
    dispatch({ type: 'counts/stale' });
    toast('Back in the list');
  } catch (e) { toast(e.message); }
}

// ---------- conversation.window_expiring ----------

/** Whether this agent should hear of it: the assignee, or, unassigned, everyone who can take it. */
function concerns(c) {
  if (c.assignee) {
    if (c.assignee.type === 'agent') return String(c.assignee.id) === String(S.user.id);
    const team = S.teams.find((t) => String(t.id) === String(c.assignee.id));
    return !team || !Array.isArray(team.memberIds) || team.memberIds.some((m) => String(m) === String(S.user.id));
  }
  return c.status !== 'closed';
}

/** A reply window is about to close: the list follows, and the agent concerned is told. */
export function onWindowExpiring(c) {
  if (!c || !S.user) return;
  upsertConversation(c);
  if (!concerns(c)) return;
  dispatch({ type: 'counter/bump', name: 'expiringNotified' }); // for the browser tests
  if (watching(c.id)) return;
  const left = c.expiresAt ? duration(Date.parse(c.expiresAt) - Date.now()) : 'soon';
  const text = `${contactLabel(c.contact) || 'A customer'} is waiting: the reply window closes in ${left}.`;
  toast(text);
  if (desktopOn()) {
    const n = new Notification('Reply window closing', { body: text, tag: `expiring-${c.id}` });
    n.onclick = () => { window.focus(); openConversation(c.id); n.close(); };
  }
  if (soundOn()) chime();
}

function chime() {
  try {
    const audio = new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 660;
    g.gain.setValueAtTime(0.08, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
    o.connect(g).connect(audio.destination);
    o.start(); o.stop(audio.currentTime + 0.45);
  } catch (e) { /* no audio here */ }
}
