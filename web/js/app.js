// The inbox's entry point: sign-in and the session, the address bar, the live connection and
// what each event changes, the keyboard, the clock. The panes are their own modules: the list
// (list.js), the conversation (thread.js), the contact (contact.js), the settings area
// (settings/); they draw what the store (store.js) holds and redraw when it changes. Nothing
// imports this module.

import { $, initials, toast } from './dom.js';
import { api, adopt, endSession, refreshHinted, refreshSession, whenRefreshed, whenUnauthorized } from './api.js';
import { state, dispatch, subscribe } from './store.js';
import { EVENT, readEvent } from './events.js';
import { closePopover, modalOpen } from './ui.js';
import { Live } from './live.js';
import { readUrl, writeUrl, urlFor, settingsKey, followingUrl, setView } from './route.js';
import { loadReference, refreshNames, reloadAgents } from './reference.js';
import { openConversation, refreshOpenConversation, closeConversation, upsertConversation, upsertMessage, refreshConversation, fromEvent, markSeen } from './conversation.js';
import { renderListPane, reloadLists, loadCounts, renderTitle, moveRow, tickRowTimes, renderFilterSummary } from './list.js';
import { renderThread, tickWindow, setComposerMode } from './thread.js';
import { renderContact } from './contact.js';
import { openNotifySettings, onMessageEvent } from './notify.js';
import { renderSettings, settingsHome, onSettingsEvent } from './settings/settings.js';
import { onEphemeral } from './collision.js';
import { tickCountdowns, onWindowExpiring } from './queue.js';
import './limits.js';

// where earlier versions kept the session; boot() clears it
const SESSION_KEY = 'switchboard.session';

window.__switchboard = state; // handy when debugging in the console, and for the browser tests

let live = null;
let ticker = null;

// ---------- boot and session ----------

async function boot() {
  whenUnauthorized(() => logout(false));
  whenRefreshed((session) => { if (live) live.setToken(session.token); });
  // earlier versions kept the token in localStorage, where any script could read it
  localStorage.removeItem(SESSION_KEY);
  // without the hint there is no refresh cookie: asking would only be answered 401, which the
  // browser logs as an error on every visit and which would hide the errors that matter
  if (!refreshHinted()) { showLogin(); return; }
  try {
    // a reload: the refresh cookie brings the session back (a session ended elsewhere: 401, and the sign-in)
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
  dispatch({ type: 'session/start', user });
  $('#login').hidden = true;
  $('#app').hidden = false;
  const settingsLink = $('[data-testid=settings-link]');
  settingsLink.textContent = user.role === 'admin' ? 'Settings' : 'Profile';
  settingsLink.href = settingsHome();
  settingsLink.onclick = (e) => {
    // the address is already there: the section is drawn again rather than nothing happening
    if (state.settings !== null && location.hash === settingsLink.getAttribute('href')) { e.preventDefault(); renderSettings(state.settings); }
  };
  const fromUrl = readUrl();
  if (fromUrl) dispatch({ type: 'filters/set', tab: fromUrl.tab, platform: fromUrl.platform, channelId: fromUrl.channelId, assignee: fromUrl.assignee, label: fromUrl.label, search: fromUrl.search });
  setView('list');
  $('#agent-name').textContent = user.name;
  $('#agent-avatar').textContent = initials(user.name);
  $('[data-testid=logout]').onclick = () => logout();
  $('[data-testid=notify-settings]').onclick = (e) => openNotifySettings(e.currentTarget);
  renderListPane();
  renderThread($('#thread-pane'));
  renderContact($('#contact-pane'));
  loadReference();
  reloadLists();
  if (fromUrl && fromUrl.id) openConversation(fromUrl.id); else if (settingsKey() === null) writeUrl(true);
  applyRoute();
  live = new Live({
    accountId: user.accountId, token,
    onEvent,
    onEphemeral,
    onResync: () => reloadLists(true),
    // presence is not replayed: on every (re)connect the agents (with their presence) are read again
    onState: (online) => { $('[data-testid=offline-indicator]').hidden = online; if (online) reloadAgents(); },
    onRefused: (m) => toast(`Live updates refused: ${m}`),
  });
  $('[data-testid=offline-indicator]').hidden = false;
  try { live.start(); } catch (e) { console.warn('live updates unavailable', e); }
  clearInterval(ticker);
  let seconds = 0;
  ticker = setInterval(() => {
    tickWindow();
    tickCountdowns();
    if (++seconds % 15 === 0) tickRowTimes();
  }, 1000);
}

/** Signs out: the server ends the session (its tokens, its refresh cookie) unless it already had. */
async function logout(tellServer = true) {
  if (tellServer) {
    try { await api.post('/auth/logout'); } catch (e) { /* the session is gone either way */ }
  }
  endSession();
  if (live) live.stop();
  live = null;
  clearInterval(ticker);
  closePopover();
  dispatch({ type: 'session/end' });
  $('#settings').hidden = true;
  $('.panes').hidden = false;
  showLogin();
}

subscribe(['view'], () => { const app = $('#app'); if (app) app.dataset.view = state.view; });

// ---------- the address bar ----------

/** Shows the settings section the address names, or the inbox again when it names none. */
function applyRoute() {
  if (!state.user) return;
  const key = settingsKey();
  if (key !== null) {
    if (state.settings === key) return;
    dispatch({ type: 'settings/route', settings: key, ...(state.settings === null ? { inboxHash: urlFor() } : {}) });
    closePopover();
    $('.panes').hidden = true;
    $('#settings').hidden = false;
    renderSettings(key);
    const title = $('#settings-title');
    if (title) { title.tabIndex = -1; title.focus(); }
  } else if (state.settings !== null) {
    dispatch({ type: 'settings/route', settings: null });
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
  if (!u || !state.user) return;
  followingUrl(() => {
    const listChanged = u.tab !== state.tab || u.platform !== state.platform || u.channelId !== state.channelId || u.assignee !== state.assignee || u.label !== state.label || u.search !== state.search;
    dispatch({ type: 'filters/set', tab: u.tab, platform: u.platform, channelId: u.channelId, assignee: u.assignee, label: u.label, search: u.search });
    if (listChanged) { renderListPane(); reloadLists(); }
    if (u.id && u.id !== state.selectedId) openConversation(u.id);
    else if (!u.id && state.selectedId) closeConversation();
  });
});

document.addEventListener('visibilitychange', () => {
  // a hidden tab marks nothing read; coming back to it reads what arrived meanwhile
  if (document.visibilityState === 'visible') markSeen();
});

// ---------- live events ----------

/** The list filtered by a label renamed or merged follows it to its new name; a deleted one no longer filters. */
function followLabel(d) {
  if (d.kind !== 'label' || !state.label || d.from !== state.label) return;
  dispatch({ type: 'filters/set', label: d.to || '' });
  writeUrl(true);
  renderFilterSummary();
}

function onEvent(raw) {
  const ev = readEvent(raw);
  const convId = ev.conversationId;
  switch (ev.type) {
    case EVENT.MESSAGE_CREATED:
    case EVENT.MESSAGE_UPDATED: {
      const m = ev.message;
      if (m && convId === state.selectedId) upsertMessage({ ...m, conversationId: String(m.conversationId || convId) }, true);
      else if (!m && convId === state.selectedId) refreshOpenConversation();
      if (ev.type === EVENT.MESSAGE_CREATED || !m) refreshConversation(convId);
      if (ev.type === EVENT.MESSAGE_CREATED) { loadCounts(); onMessageEvent(convId, m); }
      break;
    }
    case EVENT.CONTACT_UPDATED: {
      if (ev.contact) dispatch({ type: 'contact/updated', contact: ev.contact });
      if (convId) refreshConversation(convId);
      refreshNames();
      break;
    }
    case EVENT.NAMES_CHANGED: {
      // a label or field renamed, merged or deleted on every contact: names, rows and the open contact are read again
      refreshNames();
      followLabel(ev.data || {});
      reloadLists(true);
      if (state.settings === 'labels' || state.settings === 'fields') renderSettings(state.settings);
      break;
    }
    case EVENT.CONVERSATION_READ: {
      // this agent read it in another tab, or the agent whose reading counts for everyone did
      const c = convId ? (state.convs.get(convId) || (convId === state.selectedId ? state.current : null)) : null;
      if (c && (ev.agentId === String(state.user.id) || String(c.readBy) === ev.agentId)) refreshConversation(convId);
      break;
    }
    case EVENT.CHANNEL_UPDATED:
    case EVENT.WEBHOOK_ENDPOINT_DISABLED:
    case EVENT.SETTINGS_CHANGED:
      onSettingsEvent(raw);
      break;
    case EVENT.CONVERSATION_MERGED: {
      // two records of one WhatsApp customer became one: this conversation is gone, its messages are in `into`
      if (convId) dispatch({ type: 'conversation/gone', id: convId });
      if (ev.into) refreshConversation(ev.into);
      if (convId && convId === state.selectedId && ev.into) openConversation(ev.into);
      loadCounts();
      break;
    }
    case EVENT.WINDOW_EXPIRING: {
      if (ev.conversation) onWindowExpiring(fromEvent(ev.conversation)); else if (convId) refreshConversation(convId);
      loadCounts();
      break;
    }
    default: {
      // conversation.created / conversation.updated / conversation.window_changed and anything newer
      if (ev.conversation) upsertConversation(fromEvent(ev.conversation)); else if (convId) refreshConversation(convId);
      loadCounts();
    }
  }
}

// ---------- keyboard ----------

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') return; // menus and dialogs (ui.js)
  if (!state.user || state.settings !== null || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
  if (modalOpen()) return;
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
