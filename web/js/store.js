// The page's state, with one writer. Modules read `state` (a read-only view: assigning to it
// throws) and change it only with dispatch({type, …}); each action names the topics it changed,
// and the panes subscribed to those topics redraw themselves. Rules about the data live here
// (a message never steps back, a conversation lands where the list's rule puts it); how a pane
// draws lives in the pane's module.

import { isOlderMessage, compareMessages } from './events.js';

const data = {
  user: null,
  // the list: which conversations, in what order, under which filters
  tab: 'open', platform: '', channelId: '', assignee: '', label: '', search: '',
  convs: new Map(), order: [], nextCursor: null, loadingMore: false, listGen: 0,
  counts: {}, selectMode: false, checked: new Set(),
  // the open conversation
  selectedId: null, current: null, messages: [], olderAvailable: false,
  // the account's names for the menus
  channels: [], agents: [], teams: [], fields: [], labels: [], savedReplies: [], apiKeys: [],
  // which pane a narrow screen shows: 'list', 'thread' or 'contact' (wide screens show all three)
  view: 'list',
  // the settings section shown instead of the inbox (#/settings/<section>), or null
  settings: null, inboxHash: null,
  // how many notices and notifications were given (the browser tests read them)
  expiringNotified: 0, notified: 0,
};

/** The state, read-only: every change goes through dispatch. */
export const state = new Proxy(data, {
  set(target, key) { throw new Error(`state.${String(key)} is written only by dispatch`); },
  deleteProperty(target, key) { throw new Error(`state.${String(key)} is written only by dispatch`); },
});

// topic → Set of listeners; a listener is called once per dispatch that touched any of its topics
const listeners = new Map();

/** Calls fn(action, topics) after every dispatch that changed one of `topics`. Returns the unsubscribe. */
export function subscribe(topics, fn) {
  for (const t of topics) {
    if (!listeners.has(t)) listeners.set(t, new Set());
    listeners.get(t).add(fn);
  }
  return () => { for (const t of topics) listeners.get(t).delete(fn); };
}

// where a conversation view belongs in the list as filtered now, and in what order: the list's rule
let placement = { belongs: () => true, compare: () => 0 };
/** The list module says which conversations it shows and in what order. */
export function placeWith(rule) { placement = rule; }

let depth = 0;
const pending = [];
/** The one writer: applies the action, then tells the subscribers of the topics it changed. */
export function dispatch(action) {
  const topics = reduce(action) || [];
  const called = new Set();
  // a subscriber that dispatches in turn is told after the action it reacted to
  pending.push([action, topics]);
  if (depth > 0) return;
  depth++;
  try {
    while (pending.length) {
      const [a, ts] = pending.shift();
      called.clear();
      for (const t of ts) {
        for (const fn of listeners.get(t) || []) {
          if (called.has(fn)) continue;
          called.add(fn);
          try { fn(a, ts); } catch (e) { console.error(`a ${t} subscriber failed`, e); }
        }
      }
    }
  } finally {
    depth--;
  }
}

const sameId = (a, b) => a !== null && a !== undefined && String(a) === String(b);

function removeRow(id) {
  if (!data.convs.has(id)) return false;
  data.convs.delete(id);
  data.order = data.order.filter((x) => x !== id);
  data.checked.delete(id);
  return true;
}

function mergeContact(conv, contact) {
  if (!conv || !conv.contact || !sameId(conv.contact.id, contact.id)) return conv;
  const merged = { ...conv.contact, ...contact };
  return { ...conv, contact: merged, labels: merged.labels };
}

/** Applies an action to the state; returns the topics it changed. */
function reduce(a) {
  switch (a.type) {
    case 'session/start':
      data.user = a.user;
      return ['session'];
    case 'session/end':
      Object.assign(data, { user: null, selectedId: null, current: null, messages: [], convs: new Map(), order: [], settings: null, checked: new Set(), selectMode: false });
      return ['session', 'list', 'thread', 'conversation'];
    case 'user/availability': {
      // the agent's own switch: {presence, availability} as the server answered
      if (!data.user) return [];
      data.user = { ...data.user, availability: a.view.availability };
      data.agents = data.agents.map((x) => (sameId(x.id, data.user.id) ? { ...x, presence: a.view.presence, availability: a.view.availability } : x));
      return ['agents'];
    }

    case 'filters/set': {
      // a new view of the list: what was checked in the old one is not carried over
      const newView = ['tab', 'platform', 'channelId'].some((k) => a[k] !== undefined && a[k] !== data[k]);
      for (const k of ['tab', 'platform', 'channelId', 'assignee', 'label', 'search']) if (a[k] !== undefined) data[k] = a[k];
      if (newView || a.tab !== undefined) data.checked = new Set();
      return ['filters'];
    }
    case 'list/loading':
      data.listGen++;
      return [];
    case 'list/loaded':
      if (a.gen !== data.listGen) return [];
      data.convs = new Map(a.items.map((c) => [c.id, c]));
      data.order = a.items.map((c) => c.id);
      data.nextCursor = a.nextCursor || null;
      return ['list'];
    case 'list/loadingMore':
      data.loadingMore = a.on;
      return ['list'];
    case 'list/more':
      if (a.gen !== data.listGen) return [];
      for (const c of a.items) {
        if (!data.convs.has(c.id)) data.order.push(c.id);
        data.convs.set(c.id, c);
      }
      data.nextCursor = a.nextCursor || null;
      return ['list'];
    case 'list/stale':
      return ['listStale'];
    case 'counts/stale':
      return ['countsStale'];
    case 'counts/loaded':
      data.counts = a.counts;
      return ['counts'];

    case 'conversation/fresh': {
      // a newer view of one conversation (an answer, an event, a refetch): into the list or out of it
      const c = a.conv;
      const known = data.convs.has(c.id);
      const topics = ['list'];
      if (placement.belongs(c)) {
        data.convs.set(c.id, c);
        if (!known) data.order.push(c.id);
        data.order.sort((x, y) => placement.compare(data.convs.get(x), data.convs.get(y)));
        // a conversation that now sorts below the loaded page belongs to a later page
        if (!known && data.nextCursor && data.order[data.order.length - 1] === c.id) {
          data.order.pop(); data.convs.delete(c.id);
        }
      } else {
        removeRow(c.id);
      }
      if (data.selectedId === c.id) { data.current = c; topics.push('conversation'); }
      return topics;
    }
    case 'conversation/gone':
      return removeRow(a.id) ? ['list'] : [];
    case 'contact/updated': {
      for (const [id, c] of data.convs) data.convs.set(id, mergeContact(c, a.contact));
      const cur = data.current;
      data.current = mergeContact(cur, a.contact);
      return data.current !== cur ? ['list', 'conversation'] : ['list'];
    }

    case 'select/mode':
      data.selectMode = a.on;
      data.checked = new Set();
      return ['list', 'selection'];
    case 'select/check':
      if (a.on) data.checked.add(a.id); else data.checked.delete(a.id);
      return ['list', 'selection'];
    case 'select/all':
      data.checked = a.on ? new Set(data.order) : new Set();
      return ['list', 'selection'];

    case 'open/start': {
      const changed = data.selectedId !== a.id;
      data.selectedId = a.id;
      if (changed) {
        data.messages = [];
        data.current = data.convs.get(a.id) || null;
        data.olderAvailable = false;
      }
      return ['list', 'thread', 'conversation'];
    }
    case 'open/loaded':
      if (data.selectedId !== a.id) return [];
      data.current = a.conv;
      data.messages = a.messages;
      data.olderAvailable = a.messages.length >= a.page;
      if (data.convs.has(a.id)) data.convs.set(a.id, a.conv);
      return ['list', 'thread', 'conversation'];
    case 'open/refreshed': {
      // the open conversation read again in place (a resync): the range shown stays the range
      // shown, its messages come from the server, and what arrived live since the read stays
      if (data.selectedId !== a.id) return [];
      const shown = data.messages;
      const first = shown[0];
      const fresh = first ? a.messages.filter((m) => compareMessages(m, first) >= 0) : a.messages;
      const byId = new Map(shown.map((m) => [m.id, m]));
      const read = new Set(fresh.map((m) => m.id));
      const lo = fresh[0];
      const hi = fresh[fresh.length - 1];
      // shown messages outside the range read are kept (a later arrival, an earlier page loaded
      // meanwhile), and so is one that arrived while the read ran, wherever it sorts (messages
      // commit out of their creation order); otherwise inside the range the server's list is the
      // thread; a message never steps back
      const outside = shown.filter((m) => !read.has(m.id)
        && (!a.shownAtStart.has(m.id) || !lo || compareMessages(m, lo) < 0 || compareMessages(m, hi) > 0));
      data.messages = fresh.map((m) => (byId.has(m.id) && isOlderMessage(m, byId.get(m.id)) ? byId.get(m.id) : m))
        .concat(outside).sort(compareMessages);
      // earlier messages exist when they did before, or when the pages reached past the oldest shown
      data.olderAvailable = first ? data.olderAvailable || fresh.length < a.messages.length : a.more;
      data.current = a.conv;
      if (data.convs.has(a.id)) data.convs.set(a.id, a.conv);
      return ['list', 'thread', 'conversation'];
    }
    case 'open/close':
      Object.assign(data, { selectedId: null, current: null, messages: [], olderAvailable: false });
      return ['list', 'thread', 'conversation'];
    case 'messages/older': {
      if (data.selectedId !== a.id) return [];
      const known = new Set(data.messages.map((m) => m.id));
      data.messages = a.older.filter((m) => !known.has(m.id)).concat(data.messages);
      data.olderAvailable = a.older.length >= a.page;
      return ['thread'];
    }
    case 'message/upsert': {
      const m = a.message;
      if (!m || m.conversationId !== data.selectedId) return [];
      const i = data.messages.findIndex((x) => x.id === m.id);
      if (i >= 0) {
        // the answer to a send can arrive after the event saying it was sent: never step a message back
        if (isOlderMessage(m, data.messages[i])) return [];
        data.messages = data.messages.map((x, j) => (j === i ? { ...x, ...m } : x));
      } else {
        data.messages = data.messages.concat([m]).sort(compareMessages);
      }
      return ['thread'];
    }

    case 'reference/loaded':
      for (const k of ['channels', 'agents', 'teams', 'fields', 'labels', 'savedReplies', 'apiKeys']) if (a[k]) data[k] = a[k];
      return ['reference', 'agents', 'list', 'conversation'];
    case 'names/loaded':
      if (a.fields) data.fields = a.fields;
      if (a.labels) data.labels = a.labels;
      return ['names'];
    case 'agents/loaded':
      data.agents = a.agents;
      return ['agents'];
    case 'agent/presence': {
      const p = a.agent || {};
      data.agents = data.agents.map((x) => (sameId(x.id, p.id) ? { ...x, presence: p.presence, availability: p.availability } : x));
      if (data.user && sameId(data.user.id, p.id)) data.user = { ...data.user, availability: p.availability };
      return ['agents'];
    }
    case 'apiKeys/loaded':
      data.apiKeys = a.items;
      return ['thread'];
    case 'savedReplies/set':
      data.savedReplies = a.items;
      return ['savedReplies'];

    case 'view/set':
      data.view = a.view;
      return ['view'];
    case 'settings/route':
      data.settings = a.settings;
      if (a.inboxHash !== undefined) data.inboxHash = a.inboxHash;
      return ['settings'];
    case 'counter/bump':
      data[a.name] = (data[a.name] || 0) + 1;
      return [];
    default:
      throw new Error(`unknown action ${a.type}`);
  }
}
