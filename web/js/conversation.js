// The open conversation and fresh conversation views: opening and closing one, its messages,
// read marks, and refetching a conversation after an event. Everything lands in the store; the
// panes draw what the store says.

import { toast } from './dom.js';
import { api, query, enc, ApiError } from './api.js';
import { state, dispatch } from './store.js';
import { compareMessages } from './events.js';
import { writeUrl, setView } from './route.js';

const PAGE = 100;

export function currentConversation() {
  return state.current && state.current.id === state.selectedId ? state.current : state.convs.get(state.selectedId);
}

/** Whether the agent is looking at this conversation now (open, and the tab visible). */
export function watching(id) {
  return id === state.selectedId && document.visibilityState === 'visible';
}

/** A fresh conversation view (an answer or an event): into the list or out of it, and the open one. */
export function upsertConversation(c) {
  dispatch({ type: 'conversation/fresh', conv: c });
}

export async function openConversation(id) {
  const changed = state.selectedId !== id;
  // on a phone the thread shows, from the list or from the contact pane (a notification clicked there)
  if (changed || state.view !== 'thread') setView('thread');
  // the conversation already open (its row clicked again, a notification, a new contact's number
  // that has it): read again in place, so the loaded range and the reading place stay
  if (!changed && state.current && String(state.current.id) === String(id)) {
    writeUrl();
    return refreshOpenConversation();
  }
  dispatch({ type: 'open/start', id });
  writeUrl();
  try {
    const [conv, msgs] = await Promise.all([
      api.get(`/conversations/${enc(id)}`),
      api.get(`/conversations/${enc(id)}/messages${query({ limit: PAGE })}`),
    ]);
    if (state.selectedId !== id) return;
    dispatch({ type: 'open/loaded', id, conv, messages: (msgs && msgs.items) || [], page: PAGE });
    markSeen();
  } catch (e) {
    toast(e.message);
  }
}

/**
 * Reads the open conversation again where it is (a resync, a label renamed, a message event
 * without its message): its view, and its messages back to the oldest one shown, page by page,
 * so the earlier messages the agent loaded stay. The store merges them by id; the thread keeps
 * its elements and the message in view, the composer is not touched. An answer for a
 * conversation no longer open is dropped. One read at a time: asked again meanwhile, it reads
 * once more when the running one ends, so a burst of events costs two reads, not one each.
 */
let refreshing = null;
let refreshAgain = false;

export function refreshOpenConversation() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = readOpenAgain().finally(() => {
    refreshing = null;
    if (refreshAgain) {
      refreshAgain = false;
      refreshOpenConversation();
    }
  });
  return refreshing;
}

async function readOpenAgain() {
  const id = state.selectedId;
  if (!id) return;
  const oldest = state.messages[0];
  // what the thread showed when the read began: only these can be found gone by it (a message
  // that arrives live meanwhile may be older than the newest one read, and must stay)
  const shownAtStart = new Set(state.messages.map((m) => m.id));
  try {
    const [messages, more, view] = await Promise.all([
      (async () => {
        let all = [];
        for (let before; ;) {
          const r = await api.get(`/conversations/${enc(id)}/messages${query({ limit: PAGE, before })}`);
          if (state.selectedId !== id) return [null, false];
          const items = (r && r.items) || [];
          all = items.concat(all);
          const full = items.length >= PAGE;
          if (!full || !oldest || compareMessages(items[0], oldest) <= 0) return [all, full];
          before = items[0].id;
        }
      })(),
      api.get(`/conversations/${enc(id)}`),
    ]).then(([[m, full], v]) => [m, full, v]);
    if (!messages || state.selectedId !== id) return;
    dispatch({ type: 'open/refreshed', id, conv: view, messages, more, shownAtStart, keepScroll: true });
    markSeen();
  } catch (e) {
    if (state.selectedId === id) toast(e.message);
  }
}

/**
 * Back to the list: no conversation open. The focus, left in the thread (its ← button on a
 * phone), goes to the conversation's row, so the keyboard carries on where the agent left the list.
 */
export function closeConversation() {
  const id = state.selectedId;
  const thread = document.getElementById('thread-pane');
  const fromThread = thread && thread.contains(document.activeElement);
  setView('list');
  dispatch({ type: 'open/close' });
  writeUrl();
  if (!fromThread && document.activeElement && document.activeElement !== document.body) return;
  const row = [...document.querySelectorAll('#list-pane [data-testid=conv-item]')].find((el) => el.dataset.id === String(id));
  if (row) row.focus();
}

export async function loadOlder() {
  const id = state.selectedId;
  if (!id || !state.messages.length) return;
  const r = await api.get(`/conversations/${enc(id)}/messages${query({ limit: PAGE, before: state.messages[0].id })}`);
  dispatch({ type: 'messages/older', id, older: (r && r.items) || [], page: PAGE, keepScroll: true });
}

/**
 * Upserts a message into the open thread (from an answer or an event), keeping server order.
 * {@code keepScroll}: an event's message leaves an agent reading further up where they are (the
 * thread follows only when they are at its end); the agent's own sends scroll to them.
 */
export function upsertMessage(m, keepScroll) {
  if (!m || m.conversationId !== state.selectedId) return;
  const known = state.messages.some((x) => x.id === m.id);
  dispatch({ type: 'message/upsert', message: m, keepScroll: !!keepScroll });
  // a customer message arriving into the conversation the agent is looking at is read
  if (!known && m.direction === 'in') markSeen();
}

let seenTimer = null;
/**
 * Tells the server the agent has read the open conversation up to its newest message shown,
 * when the tab is visible and the agent's mark is behind (one request per burst of arrivals).
 */
export function markSeen() {
  clearTimeout(seenTimer);
  seenTimer = setTimeout(() => {
    const id = state.selectedId;
    const c = currentConversation();
    const last = state.messages.length ? state.messages[state.messages.length - 1] : null;
    if (!id || !c || !last || !watching(id)) return;
    if (String(c.readBy) === String(state.user.id) && c.lastReadMessageId === last.id && !c.unreadCount) return;
    api.post(`/conversations/${enc(id)}/read`, { messageId: last.id })
      .then((v) => { if (v && v.id) upsertConversation(v); })
      .catch(() => {});
  }, 150);
}

const refetchTimers = new Map();
/** Refetches one conversation soon (events come in bursts; one GET per burst). */
export function refreshConversation(id) {
  if (!id || refetchTimers.has(id)) return;
  refetchTimers.set(id, setTimeout(async () => {
    refetchTimers.delete(id);
    try {
      upsertConversation(await api.get(`/conversations/${enc(id)}`));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) dispatch({ type: 'conversation/gone', id });
    }
  }, 60));
}

/**
 * A conversation view from an event: events are not written for one agent, so an unassigned
 * conversation's unread count in it is nobody's. The agent's own count is kept and fetched again.
 */
export function fromEvent(c) {
  if (c.readBy && c.readBy !== null) return c;
  const old = state.convs.get(c.id) || (state.current && state.current.id === c.id ? state.current : null);
  refreshConversation(c.id);
  return old ? { ...c, unreadCount: old.unreadCount, readBy: old.readBy, lastReadMessageId: old.lastReadMessageId } : c;
}
