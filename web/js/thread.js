// The middle pane: header with the status button, messages, the reply-window countdown and the
// composer. Built once per opened conversation, then updated part by part so typing is never lost.

import { h, mount, morph, place, $, platformName, platformMark, fullTime, absoluteTime, duration, toast, contactLabel } from './dom.js';
import { api, enc, getToken } from './api.js';
import { state as S, dispatch, subscribe } from './store.js';
import { openPopover, closePopover, closePopoverWithin } from './ui.js';
import { currentConversation, upsertConversation, upsertMessage, loadOlder, closeConversation } from './conversation.js';
import { setView } from './route.js';
import { activeAgents, agentById, learnKeyNames, assigneeLabel } from './reference.js';
import { templatePicker } from './templates.js';
import { snoozeButton } from './queue.js';
import { openSavedReplies, fieldSelect, insertAtCursor } from './saved.js';
import { presenceDot, viewingChanged, renderPeers, typed, draftStarted, basedOn, newerReplyDialog } from './collision.js';
import { readDraft, writeDraft, draftBase } from './drafts.js';

const composer = { mode: 'reply', attachments: [], kind: null, convId: null };

export function renderThread(pane, keepScroll, headOnly) {
  viewingChanged(S.selectedId);
  if (!S.selectedId) {
    // what was typed or inserted stays with its conversation (Back on a phone closes it)
    saveDraft();
    closePopoverWithin(pane);
    pane.dataset.conv = '';
    mount(pane, h('div', { class: 'thread-empty', testid: 'thread-empty' },
      h('div', { style: 'text-align:center' }, h('div', { class: 'empty-mark' }, '◆'), 'Select a conversation to read and reply')));
    return;
  }
  if (pane.dataset.conv !== S.selectedId) {
    // nothing open in one conversation's pane is carried to another's
    closePopoverWithin(pane);
    saveDraft();
    pane.dataset.conv = S.selectedId;
    composer.mode = 'reply'; composer.attachments = []; composer.kind = null; composer.convId = S.selectedId;
    mount(pane,
      h('div', { class: 'thread-head', id: 'thread-head', testid: 'thread-head' }),
      h('div', { class: 'peers', id: 'peers', testid: 'collision-peers', role: 'status', 'aria-live': 'polite', hidden: true }),
      h('div', { class: 'messages', id: 'messages', testid: 'messages', tabindex: 0, role: 'region', 'aria-label': 'Messages' }),
      h('div', { class: 'windowbar', id: 'windowbar', testid: 'window-bar' }),
      h('div', { class: 'composer', id: 'composer', testid: 'composer' }));
    keepScroll = false;
  }
  renderHead();
  renderPeers();
  if (!headOnly) renderMessages(keepScroll);
  renderWindowBar();
  // rebuilt only when what it can do changes, so a send in flight keeps its textarea
  if (composerKind(currentConversation() || {}) !== composer.kind) renderComposer();
  if (!headOnly) dropIfSentElsewhere();
}

function contactName(c) {
  return contactLabel(c && c.contact);
}

/**
 * The header, built once per conversation and then updated in place: live events redraw it many
 * times a minute (a colleague reading, a customer writing), and an open status or snooze menu,
 * which lives inside its button's anchor, stays open and focused through every update.
 */
function renderHead() {
  const el = $('#thread-head');
  const c = currentConversation();
  if (!el || !c) return;
  if (el.dataset.conv !== c.id || !el.firstChild) {
    closePopoverWithin(el);
    el.dataset.conv = c.id;
    // who the conversation is with, and what can be done to it: on a narrow screen the actions
    // wrap below the name rather than squeeze it
    mount(el,
      h('div', { class: 'head-main' },
        h('button', { class: 'btn-icon narrow-only', testid: 'back-to-list', title: 'Back to the list', 'aria-label': 'Back to the list',
          onclick: () => closeConversation() }, '←'),
        h('span', { class: 'head-mark', style: 'display:contents' }),
        h('div', { class: 'head-text' },
          h('div', { class: 'title', testid: 'thread-title' }),
          h('div', { class: 'subtitle' }))),
      h('div', { class: 'head-actions' },
        h('button', { class: 'btn btn-sm narrow-only', testid: 'show-contact', title: 'Contact details', onclick: () => setView('contact') }, 'Contact'),
        h('span', { class: 'head-snooze', style: 'display:contents' }),
        h('span', { class: 'anchor' },
          h('button', { class: 'btn', testid: 'status-button', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
            onclick: (e) => { const now = currentConversation(); if (now) openStatusMenu(e.currentTarget, now); } },
          h('span', { testid: 'thread-status' }), ' ▾'))));
  }
  const mark = el.querySelector('.head-mark');
  if (mark.dataset.platform !== c.platform) { mark.dataset.platform = c.platform; mount(mark, platformMark(c.platform)); }
  const title = el.querySelector('[data-testid=thread-title]');
  if (title.textContent !== contactName(c)) title.textContent = contactName(c);
  mount(el.querySelector('.subtitle'), `${platformName(c.platform)} · ${c.channelName || 'channel ' + c.channelId}`,
    c.contact && !c.contact.phone && c.contact.username ? h('span', { testid: 'thread-username' }, ` · @${c.contact.username}`) : null);
  // the snooze control changes only with what it offers: Snooze, Unsnooze (until when), or nothing when Closed
  const snooze = el.querySelector('.head-snooze');
  const snoozeKey = c.status === 'closed' ? 'none' : c.snoozedUntil ? `until ${c.snoozedUntil}` : 'snooze';
  if (snooze.dataset.key !== snoozeKey) {
    closePopoverWithin(snooze);
    snooze.dataset.key = snoozeKey;
    mount(snooze, snoozeButton(c, () => currentConversation() || c));
  }
  const statusLabel = c.status === 'assigned' && c.assignee ? `Assigned · ${assigneeLabel(c.assignee)}` : c.status[0].toUpperCase() + c.status.slice(1);
  const button = el.querySelector('[data-testid=status-button]');
  button.className = `btn status-${c.status}`;
  button.dataset.status = c.status;
  const label = button.querySelector('[data-testid=thread-status]');
  if (label.textContent !== statusLabel) label.textContent = statusLabel;
}

function openStatusMenu(anchor, c) {
  const patch = async (body) => {
    closePopover();
    try {
      upsertConversation(await api.patch(`/conversations/${enc(c.id)}`, body));
      dispatch({ type: 'counts/stale' });
    } catch (e) { toast(e.message); }
  };
  openPopover(anchor, [
    h('div', { class: 'menu-sep' }, 'Assign to agent'),
    activeAgents().map((a) => h('button', { class: 'menu-item', testid: `status-assign-agent-${a.id}`, onclick: () => patch({ assignee: { type: 'agent', id: a.id } }) }, presenceDot(a), a.name)),
    S.teams.length ? h('div', { class: 'menu-sep' }, 'Assign to team') : null,
    S.teams.map((t) => h('button', { class: 'menu-item', testid: `status-assign-team-${t.id}`, onclick: () => patch({ assignee: { type: 'team', id: t.id } }) }, t.name)),
    h('div', { class: 'menu-sep' }, 'Status'),
    h('button', { class: 'menu-item', testid: 'status-open', onclick: () => patch({ status: 'open' }) }, 'Open — needs a human'),
    h('button', { class: 'menu-item', testid: 'status-closed', onclick: () => patch({ status: 'closed' }) }, 'Closed — bots may answer'),
    h('button', { class: 'menu-item', testid: 'status-cancel', onclick: () => closePopover() }, 'Cancel'),
  ], true);
}

function senderLabel(m, c) {
  switch (m.senderType) {
    case 'contact': return contactName(c) || 'Customer';
    case 'agent': {
      const a = agentById(m.senderId);
      return a ? a.name : (String(m.senderId) === String(S.user.id) ? S.user.name : 'Agent');
    }
    case 'bot': return 'Bot';
    case 'api': {
      const k = (S.apiKeys || []).find((x) => String(x.id) === String(m.senderId));
      if (!k) learnKeyNames();
      return k ? `API: ${k.name}` : 'API';
    }
    case 'external': return 'Business (outside Switchboard)';
    default: return m.direction === 'in' ? 'Customer' : 'Agent';
  }
}

function ticks(m) {
  if (m.type === 'note' || m.direction === 'in') return null;
  const s = m.status;
  const t = (text, cls, title) => h('span', { class: `ticks ${cls || ''}`, testid: 'message-ticks', dataset: { status: s || '' }, title }, text);
  switch (s) {
    case 'pending': return t('◷', '', 'Sending');
    case 'sent': return t('✓', '', 'Sent');
    case 'delivered': return t('✓✓', '', 'Delivered');
    case 'read': return t('✓✓', 'read', 'Read');
    case 'failed': return t('⚠ Failed', 'failed', 'Failed');
    default: return s ? t(s) : null;
  }
}

/** "marketing_lite" → "Marketing lite": WhatsApp's pricing words as an agent reads them. */
const pricingWord = (v) => { const w = String(v).replace(/_/g, ' ').toLowerCase(); return w[0].toUpperCase() + w.slice(1); };

/**
 * What WhatsApp said a sent message costs, as visible text beside the ticks ("Utility ·
 * billable") so keyboard and screen-reader users get it without hovering; the pricing model
 * and type, rarely needed, are in the screen-reader text and the tooltip.
 */
function pricingLine(m) {
  const p = m.pricing;
  if (!p || typeof p !== 'object' || m.direction === 'in') return null;
  const billable = p.billable === true || p.billable === 'true' ? 'billable' : p.billable === false || p.billable === 'false' ? 'free' : null;
  const short = [p.category ? pricingWord(p.category) : null, billable].filter(Boolean).join(' · ');
  const more = [p.pricing_model ? `pricing model ${p.pricing_model}` : null, p.type ? `type ${String(p.type).replace(/_/g, ' ')}` : null].filter(Boolean).join(', ');
  if (!short && !more) return null;
  return h('span', { class: 'pricing', testid: 'message-pricing', title: ['WhatsApp pricing', short, more].filter(Boolean).join(' · ') },
    h('span', { class: 'sr-only' }, 'WhatsApp pricing: '), short || more, short && more ? h('span', { class: 'sr-only' }, ` (${more})`) : null);
}

/** Signed media links by media id: {url, until}; one request per media while its link is fresh. */
const mediaLinks = new Map();
/** A link this close to its end is not used any more (a video started now would outlive it). */
const LINK_MARGIN_MS = 60000;

/** Calls use(url) with a signed link of kept media, at once when one is cached and fresh. */
function withMediaLink(id, use) {
  const cached = mediaLinks.get(id);
  if (cached && cached.url && cached.until > Date.now() + LINK_MARGIN_MS) { use(cached.url); return; }
  let pending = cached && cached.pending;
  if (!pending) {
    pending = api.get(`/media/${enc(id)}/link`).then((r) => {
      mediaLinks.set(id, { url: r.url, until: Date.parse(r.expiresAt) });
      return r.url;
    }, (e) => { mediaLinks.delete(id); throw e; });
    mediaLinks.set(id, { pending });
  }
  pending.then(use, () => {});
}

/** Whether a signed link ends within {@code marginMs} (its {@code e} is its last second), or is none. */
function linkEnding(url, marginMs) {
  try {
    const e = Number(new URL(url, location.href).searchParams.get('e'));
    return !e || e * 1000 <= Date.now() + marginMs;
  } catch (err) { return true; }
}

function sizeText(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** What kind of player a kept attachment gets, from its stored type. */
function mediaKind(a, m) {
  const mime = a.mimeType || '';
  if (/^image\/(jpeg|png|gif|webp)$/.test(mime)) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (/^video\/(mp4|3gpp|webm|quicktime)$/.test(mime)) return 'video';
  return 'file';
}

/** The large view of a photo: a modal dialog, closed by Esc, its button or a click beside the image. */
function openLightbox(url, name) {
  const dlg = h('dialog', { class: 'lightbox', testid: 'lightbox', 'aria-label': name },
    h('button', { class: 'btn btn-sm lightbox-close', onclick: () => dlg.close() }, 'Close'),
    h('img', { src: url, alt: name }));
  dlg.addEventListener('click', (e) => { if (e.target === dlg) dlg.close(); });
  dlg.addEventListener('close', () => dlg.remove());
  document.body.appendChild(dlg);
  dlg.showModal();
}

function keptMedia(a, m, name) {
  const id = a.mediaId;
  const kind = mediaKind(a, m);
  const box = h('div', { class: `attachment media media-${kind}`, testid: 'message-media', dataset: { mediaId: id, kind } });
  if (kind === 'image') {
    // stickers are small by nature (WhatsApp's are 512 px WebP with transparency): shown at sticker size, no frame
    const img = h('img', { class: a.type === 'sticker' ? 'thumb sticker' : 'thumb', alt: name, testid: 'media-image' });
    // the large view asks for a link when opened: the element outlives the link it was drawn with
    const open = h('button', { class: 'thumb-button', title: 'Open large', 'aria-label': `Open ${name} large`,
      onclick: () => withMediaLink(id, (url) => openLightbox(url, name)) }, img);
    withMediaLink(id, (url) => { img.src = url; });
    mount(box, open, a.caption && m.text !== a.caption ? h('div', { class: 'muted' }, a.caption) : null);
  } else if (kind === 'audio' || kind === 'video') {
    const player = h(kind, { controls: true, preload: 'metadata', testid: `media-${kind}`, 'aria-label': name });
    withMediaLink(id, (url) => { player.src = url; });
    // a player kept past its link's life fails on its next request: it goes on with a fresh link,
    // from where it was, and plays on if it was playing
    let playing = false;
    player.addEventListener('play', () => { playing = true; });
    player.addEventListener('pause', () => { playing = false; });
    player.addEventListener('error', () => {
      if (!player.src || !linkEnding(player.src, 0)) return;
      const at = player.currentTime;
      const resume = playing;
      withMediaLink(id, (url) => {
        player.src = url;
        player.currentTime = at;
        if (resume) player.play().catch(() => {});
      });
    });
    mount(box, a.voice ? h('span', { class: 'muted' }, 'Voice message ') : null, player);
  } else {
    const link = h('a', { class: 'btn btn-sm', testid: 'media-download', download: a.filename || '', rel: 'noopener' }, 'Download');
    // a click on a link past its life takes a fresh one first, then downloads
    link.addEventListener('click', (e) => {
      if (!linkEnding(link.href, 5000)) return;
      e.preventDefault();
      withMediaLink(id, (url) => { link.href = url; link.click(); });
    });
    withMediaLink(id, (url) => { link.href = url; });
    mount(box, '▤ ', h('span', { class: 'doc-name', testid: 'media-name' }, a.filename || name), ' ',
      h('span', { class: 'muted', testid: 'media-size' }, sizeText(a.size)), ' ', link);
  }
  return box;
}

/** A shared location: its name and address, and a map link (OpenStreetMap: no key, no tracking script in the inbox). */
function locationView(a) {
  const lat = Number(a.latitude ?? (a.payload && a.payload.coordinates && a.payload.coordinates.lat));
  const lon = Number(a.longitude ?? (a.payload && a.payload.coordinates && a.payload.coordinates.long));
  const known = Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  const label = [a.name, a.address].filter(Boolean).join(' · ') || (known ? `${lat.toFixed(5)}, ${lon.toFixed(5)}` : 'Location');
  return h('div', { class: 'attachment location', testid: 'message-location' }, h('span', { class: 'muted' }, 'Location: '), h('span', {}, label), ' ',
    known ? h('a', { class: 'btn btn-sm', testid: 'location-link', target: '_blank', rel: 'noopener noreferrer',
      href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}` }, 'Open map') : null);
}

/** Shared contacts (WhatsApp's contacts message) as cards: name, phones to call, e-mail addresses. */
function contactCards(list) {
  return h('div', { class: 'attachment contacts' }, list.slice(0, 20).map((c) => {
    const name = (c.name && (c.name.formatted_name || [c.name.first_name, c.name.last_name].filter(Boolean).join(' '))) || 'Contact';
    const phones = (c.phones || []).filter((p) => p && p.phone).slice(0, 5);
    const emails = (c.emails || []).filter((e) => e && e.email).slice(0, 5);
    return h('div', { class: 'contact-card', testid: 'contact-card' },
      h('div', { class: 'contact-card-name' }, name),
      c.org && c.org.company ? h('div', { class: 'muted' }, c.org.company) : null,
      phones.map((p) => h('div', {}, h('a', { href: `tel:${String(p.phone).replace(/[^0-9+]/g, '')}` }, p.phone), p.type ? h('span', { class: 'muted' }, ` ${p.type}`) : null)),
      emails.map((e) => h('div', {}, h('a', { href: `mailto:${encodeURIComponent(e.email).replace('%40', '@')}` }, e.email))));
  }));
}

const MEDIA_WORD = { image: 'Photo', video: 'Video', audio: 'Audio', document: 'Document', file: 'File', sticker: 'Sticker', story: 'Story', story_mention: 'Story', animated_image: 'GIF', share: 'Shared post' };

/**
 * A failed download's reason as the agent reads it. The fetcher stores "expired at Meta", "too
 * large (over n bytes)", "the channel's token was refused: …", "no URL to download" / "no media id
 * from WhatsApp" / "not a URL: …", and for the rest ("download failed: …", "download answered HTTP
 * n", a checksum mismatch) it has already retried as often as it will.
 */
function mediaFailure(reason) {
  const r = String(reason || '');
  if (/^expired at Meta/i.test(r)) return 'expired at Meta';
  if (/^too large/i.test(r)) return 'too large to download';
  if (/^the channel's token was refused/i.test(r)) return 'Meta refused the channel\'s token';
  if (/^(no URL to download|no media id|not a URL)/i.test(r)) return 'Meta sent no file to download';
  return 'couldn\'t download from Meta — it will not be retried';
}

function attachmentView(a, m) {
  const url = a.url || a.link;
  const name = a.filename || a.caption || (a.mimeType || m.contentType || 'attachment');
  if (a.status === 'pending') {
    return h('div', { class: 'attachment media-loading', testid: 'media-loading', role: 'status' }, `Loading ${(MEDIA_WORD[a.type] || 'media').toLowerCase()}…`);
  }
  if (a.status === 'failed') {
    // the server's reason is for whoever debugs it (a DNS error, an HTTP status): the agent reads
    // what it means for them, and the detail stays in the tooltip
    return h('div', { class: 'attachment media-failed', testid: 'media-failed', title: a.reason || '' },
      `⚠ ${MEDIA_WORD[a.type] || 'Media'} not available: ${mediaFailure(a.reason)}`);
  }
  if (a.status === 'expired') {
    return h('div', { class: 'attachment media-expired', testid: 'media-expired' },
      `${MEDIA_WORD[a.type] || MEDIA_WORD[mediaKind(a, m)] || 'Media'} no longer kept: ${a.reason || 'expired'}`);
  }
  if (a.status === 'ready' && a.mediaId) return keptMedia(a, m, name);
  if (a.type === 'location') return locationView(a);
  if (a.type === 'contacts') return contactCards(a.contacts || []);
  if (url && /^https?:/i.test(url) && ((a.mimeType || '').startsWith('image/') || m.contentType === 'image' || m.contentType === 'sticker')) {
    return h('div', { class: 'attachment', testid: 'message-attachment' }, h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, h('img', { src: url, alt: name })));
  }
  return h('div', { class: 'attachment', testid: 'message-attachment' }, '▤ ',
    url && /^https?:/i.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, name) : h('span', {}, name));
}

/** What the platforms' most common failure codes mean for the agent. */
const FAILURE_HINTS = {
  131047: 'the 24-hour window had closed; send a template',
  131026: 'this number cannot receive WhatsApp messages',
  10: 'outside the window the platform allows',
  2018278: 'outside the Messenger reply window',
  2534022: 'outside the Instagram reply window',
  551: 'this person is not available right now',
};

function messageBody(m) {
  if (m.text) return h('div', { class: 'text', testid: 'message-text' }, m.text);
  if (m.contentType && m.contentType !== 'text' && !(m.attachments && m.attachments.length)) {
    return h('div', { class: 'text muted', testid: 'message-text' }, `[${m.contentType}]`);
  }
  return null;
}

/** When the message was written: the customer's (or platform's) send time when known, else when it was stored. */
function shownTime(m) {
  return m.platformTimestamp || m.createdAt;
}

/** The exact time, and when Switchboard received it if that is over a minute later or earlier. */
function timeTooltip(m) {
  const sent = shownTime(m);
  const sentText = `${m.direction === 'in' ? 'Sent by the customer' : 'Sent'} ${absoluteTime(sent)}`;
  if (m.platformTimestamp && m.createdAt && Math.abs(Date.parse(m.createdAt) - Date.parse(m.platformTimestamp)) > 60000) {
    return `${sentText}\nReceived ${absoluteTime(m.createdAt)}`;
  }
  return sentText;
}

/**
 * What the messages pane shows, by message id: its element, the data it was built from and its
 * attachments' elements. A live event redraws only the messages it changed, and a changed
 * message keeps the attachments that did not change: a voice note plays on, a photo does not
 * reload, a selection in another message stays, while the customer writes and statuses arrive.
 */
let shown = { pane: null, messages: new Map(), days: new Map(), older: null };

function renderMessages(keepScroll) {
  const el = $('#messages');
  const c = currentConversation();
  if (!el) return;
  if (shown.pane !== el) {
    if (shown.resized) shown.resized.disconnect();
    shown = { pane: el, messages: new Map(), days: new Map(), older: null, pinned: true, scrolledTo: 0 };
    // the pane is pinned to its end while the agent is there: a photo that loads later (it grows
    // its message) keeps the end in view, and the next message is followed. A scroll event comes a
    // frame late: photos may have grown the thread since the code scrolled, so only a move away from
    // where the code last put the pane (the agent's own scrolling) unpins it
    el.addEventListener('scroll', () => {
      const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 60;
      if (atEnd || Math.abs(el.scrollTop - shown.scrolledTo) > 1) shown.pinned = atEnd;
    });
    const toEnd = () => { if (shown.pane === el && shown.pinned) scrollPane(el, el.scrollHeight); };
    el.addEventListener('load', toEnd, true);
    // so does a pane that changes height: the composer growing with a file's chip or a longer
    // text, a notice above the thread, a rotated phone (no scroll event tells of those)
    shown.resized = new ResizeObserver(toEnd);
    shown.resized.observe(el);
  }
  const follow = !keepScroll || shown.pinned || el.scrollTop + el.clientHeight >= el.scrollHeight - 60;
  // otherwise the first message in view stays where it is, whatever is added above or below it
  const anchor = follow ? null : firstInView(el);
  const items = [];
  if (S.olderAvailable) {
    shown.older = shown.older || h('button', { class: 'btn btn-sm', style: 'align-self:center', onclick: () => loadOlder() }, 'Load earlier messages');
    items.push(shown.older);
  }
  let lastDay = '';
  const listed = new Set();
  // a day can head more than one run of messages (a late platform time): one element per run
  const runs = new Map();
  for (const m of S.messages) {
    const at = shownTime(m);
    const day = at ? new Date(at).toDateString() : '';
    if (day && day !== lastDay) {
      const key = `${day}#${runs.set(day, (runs.get(day) || 0) + 1).get(day)}`;
      if (!shown.days.has(key)) shown.days.set(key, h('div', { class: 'day' }, new Date(at).toLocaleDateString([], { weekday: 'short', month: 'short', day: 'numeric' })));
      items.push(shown.days.get(key));
      lastDay = day;
    }
    listed.add(m.id);
    items.push(messageElement(m, c));
  }
  for (const id of shown.messages.keys()) if (!listed.has(id)) shown.messages.delete(id);
  if (!S.messages.length) items.push(h('div', { class: 'day' }, 'No messages yet'));
  place(el, items);
  if (follow) {
    scrollPane(el, el.scrollHeight);
    shown.pinned = true;
  } else if (anchor && anchor.node.isConnected) {
    scrollPane(el, el.scrollTop + anchor.node.getBoundingClientRect().top - el.getBoundingClientRect().top - anchor.offset);
  }
}

/** Scrolls the messages pane, remembering where to (as the browser clamped it) to tell it from the agent's scrolling. */
function scrollPane(el, top) {
  el.scrollTop = top;
  shown.scrolledTo = el.scrollTop;
}

/** The first message at least partly in view, and its distance from the pane's top. */
function firstInView(el) {
  const top = el.getBoundingClientRect().top;
  for (const node of el.querySelectorAll(':scope > [data-testid=message]')) {
    const r = node.getBoundingClientRect();
    if (r.bottom > top) return { node, offset: r.top - top };
  }
  return null;
}

/** A message's element: the one shown when nothing it is built from changed, else that element with the new content. */
function messageElement(m, c) {
  const sender = senderLabel(m, c);
  const sig = `${JSON.stringify(m)}\u0000${sender}`;
  const was = shown.messages.get(m.id);
  if (was && was.sig === sig) return was.el;
  // an attachment is drawn from itself and its message's type and text (a caption shown once)
  const kept = new Map();
  const atts = (m.attachments || []).map((a, i) => {
    const asig = JSON.stringify([a, m.contentType, m.text]);
    const old = was && was.atts[i];
    return old && old.sig === asig ? old : { sig: asig, el: attachmentView(a, m) };
  });
  // a kept attachment never leaves the page (a video would leave fullscreen): the new build holds
  // a placeholder in its place, and the message takes the kept element there
  const fresh = buildMessage(m, sender, atts.map((a) => {
    if (!was || !was.el.contains(a.el)) return a.el;
    const mark = document.createComment('kept');
    kept.set(mark, a.el);
    return mark;
  }));
  const el = was ? morph(was.el, fresh, [...fresh.childNodes].map((n) => kept.get(n) || n)) : fresh;
  shown.messages.set(m.id, { el, sig, atts });
  return el;
}

function buildMessage(m, sender, attachments) {
  const note = m.type === 'note';
  const at = shownTime(m);
  const cls = `msg ${m.direction === 'in' ? 'in' : 'out'}${note ? ' note' : ''}${m.senderType === 'bot' ? ' bot' : ''}`;
  return h('div', { class: cls, testid: 'message', dataset: { id: m.id, type: m.type || '', direction: m.direction || '', status: m.status || '' } },
    h('div', { class: 'meta' },
      note ? h('span', { class: 'note-tag' }, 'Private note') : null,
      h('span', { class: 'sender', testid: 'message-sender' }, sender),
      m.type === 'template' ? h('span', { class: 'muted' }, '· template') : null),
    messageBody(m),
    attachments,
    h('div', { class: 'foot' }, pricingLine(m), h('span', { class: 'when', testid: 'message-time', title: timeTooltip(m) }, fullTime(at)), ticks(m)),
    m.status === 'failed' && m.error ? h('div', { class: 'err', testid: 'message-error' },
      `Not delivered: ${m.error.message || m.error.code}${m.error.code && m.error.message ? ` (${m.error.code})` : ''}`,
      FAILURE_HINTS[m.error.code] ? ` — ${FAILURE_HINTS[m.error.code]}` : '') : null);
}

/** Milliseconds left in the human and automation windows (negative: closed; null: never opened). */
function windowLeft(c) {
  const w = (c && c.window) || {};
  const now = Date.now();
  const left = (iso) => (iso ? Date.parse(iso) - now : null);
  return { human: left(w.humanExpiresAt), automation: left(w.automationExpiresAt), templateRequired: !!w.templateRequired };
}

export function renderWindowBar() {
  const el = $('#windowbar');
  const c = currentConversation();
  if (!el || !c) return;
  const w = windowLeft(c);
  const clock = (label, ms, testid) => {
    const state = ms === null || ms <= 0 ? 'expired' : ms < 15 * 60 * 1000 ? 'soon' : 'ok';
    return h('span', { class: state, testid, dataset: { state } }, `${label} `, h('span', { class: 'clock' }, ms === null ? 'not open' : duration(ms)));
  };
  mount(el, h('span', { class: 'clock-mark' }, '◷'),
    clock(c.platform === 'whatsapp' ? 'Reply window:' : 'Human reply:', w.human, 'window-human'),
    clock('Automation:', w.automation, 'window-automation'));
}

/** What the reply side of the composer can do now. */
function composerKind(c) {
  if (composer.mode === 'note') return 'note';
  const w = windowLeft(c);
  const open = w.human !== null && w.human > 0 && !w.templateRequired;
  if (open) return 'reply';
  return c.platform === 'whatsapp' ? 'template' : 'blocked';
}

export function tickWindow() {
  const c = currentConversation();
  if (!c) return;
  renderWindowBar();
  if (composerKind(c) !== composer.kind) renderComposer();
}

function guessMime(url) {
  const ext = (url.split('?')[0].split('.').pop() || '').toLowerCase();
  return { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', pdf: 'application/pdf',
    mp4: 'video/mp4', mp3: 'audio/mpeg', ogg: 'audio/ogg', txt: 'text/plain', csv: 'text/csv' }[ext] || 'application/octet-stream';
}

export function renderComposer() {
  const el = $('#composer');
  const c = currentConversation();
  if (!el || !c) return;
  const kind = composerKind(c);
  // only a composer that can send takes dropped files (set again below)
  el.ondragover = el.ondragleave = el.ondrop = null;
  const old = el.querySelector('textarea');
  const keptText = old ? old.value : '';
  // the window can close while the agent types: what they typed outlives the textarea
  if (old && keptText.trim()) writeDraft(c.id, keptText);
  composer.kind = kind;
  el.classList.toggle('note-mode', kind === 'note');
  composer.sentElsewhere = null;

  const toggle = h('div', { class: 'toggle', testid: 'composer-mode' },
    h('button', { class: composer.mode === 'reply' ? 'active' : '', testid: 'mode-reply', onclick: () => { composer.mode = 'reply'; renderComposer(); } }, 'Reply'),
    h('button', { class: composer.mode === 'note' ? 'active' : '', testid: 'mode-note', onclick: () => { composer.mode = 'note'; renderComposer(); } }, 'Private Note'));

  if (kind === 'template') {
    const draft = keptText || readDraft(c.id);
    const neverWrote = !c.lastInboundAt;
    mount(el, h('div', { class: 'toolbar' }, toggle),
      h('div', { class: 'template-only', testid: 'composer-template-only' },
        h('strong', {}, 'Template only'),
        h('span', { testid: 'template-reason' }, neverWrote
          ? 'This customer has not written yet, so WhatsApp allows only an approved template as the first message. Their answer opens a 24-hour window for free-form replies.'
          : 'The 24-hour window for this WhatsApp conversation is closed. Send an approved template to reach the customer; the window reopens when they answer.'),
        draft ? keptDraft(draft, c) : null,
        templatePicker(c.channelId, async (tpl) => {
          const m = await api.post(`/conversations/${enc(c.id)}/template`, tpl, { 'Idempotency-Key': crypto.randomUUID() });
          upsertMessage(m);
          toast('Template sent');
        })));
    return;
  }
  if (kind === 'blocked') {
    mount(el, h('div', { class: 'toolbar' }, toggle),
      h('div', { class: 'blocked', testid: 'composer-blocked' },
        `${platformName(c.platform)} allows a human reply only within ${c.platform === 'whatsapp' ? '24 hours' : '7 days'} of the customer's last message, and that window has closed. `
        + 'You can reply again when the customer writes; a private note is still possible.'));
    return;
  }

  const text = h('textarea', { testid: 'composer-text', 'aria-label': kind === 'note' ? 'Private note' : 'Reply',
    placeholder: kind === 'note' ? 'Write a private note (only your team sees it)…' : 'Type a reply… use {{field}} for custom fields',
    value: keptText || readDraft(c.id) });
  text.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.isComposing) return;
    // Enter sends and Shift+Enter breaks the line, or the other way round (the agent's setting); Ctrl/⌘+Enter always sends
    const sends = e.ctrlKey || e.metaKey || (enterSends() ? !e.shiftKey : e.shiftKey);
    if (sends) { e.preventDefault(); send(); }
  });
  text.addEventListener('input', () => {
    if (notice.firstChild) mount(notice);
    if (text.value) { draftStarted(c.id); typed(c.id, kind === 'note' ? 'note' : 'reply'); }
    writeDraft(c.id, text.value);
  });
  // a pasted screenshot or copied image uploads like a dropped file; pasted text stays text
  text.addEventListener('paste', (e) => {
    const files = [...((e.clipboardData && e.clipboardData.files) || [])].filter((f) => f.type.startsWith('image/'));
    if (!files.length) return;
    e.preventDefault();
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    files.forEach((f, i) => uploadFile(f.name && f.name !== 'image.png' ? f
      : new File([f], `pasted-${stamp}${i ? `-${i}` : ''}.${(f.type.split('/')[1] || 'png').replace('jpeg', 'jpg')}`, { type: f.type })));
  });
  const error = h('div', { class: 'error', testid: 'composer-error', hidden: true });
  // there before anything is said in it, so a screen reader announces what is (dropIfSentElsewhere)
  const notice = h('div', { class: 'sent-elsewhere', testid: 'sent-elsewhere', role: 'status' });
  const attachList = h('div', { class: 'attach-list', testid: 'attachments' });
  // a picked, dropped or pasted image shows as a thumbnail from the agent's own copy (an object
  // URL, freed when the chip goes), so the agent sees what will be sent before sending it
  const forget = (a) => { if (a.preview) URL.revokeObjectURL(a.preview); };
  const renderAttachments = () => mount(attachList, composer.attachments.map((a, i) => h('span', {
    class: `chip${a.error ? ' chip-error' : ''}${a.preview ? ' chip-preview' : ''}`, testid: a.error ? 'attachment-error' : 'attachment-chip', title: a.error ? `${a.filename || a.url} — ${a.error}` : a.filename || a.url },
  a.preview ? h('img', { class: 'attach-preview', src: a.preview, alt: `Preview of ${a.filename}`, testid: 'attachment-preview' }) : null,
  // a long name wraps within the chip, which keeps to the composer's width with × beside it
  h('span', { class: 'chip-text' }, a.filename || a.url, a.uploading ? ' (uploading…)' : '', a.error ? ` — ${a.error}` : ''),
  h('button', { title: 'Remove', testid: 'attachment-remove', 'aria-label': `Remove ${a.filename || a.url}`,
    onclick: () => { forget(a); composer.attachments.splice(i, 1); renderAttachments(); } }, '×'))));
  renderAttachments();
  // files from the picker or dropped on the composer: each uploads at once (streamed, typed and
  // checked by the server for this platform); a refusal stays on its chip and is never sent
  const uploadFile = async (file) => {
    const item = { filename: file.name, uploading: true,
      preview: /^image\/(png|jpeg|gif|webp)$/.test(file.type) ? URL.createObjectURL(file) : null };
    composer.attachments.push(item);
    renderAttachments();
    try {
      const form = new FormData();
      form.append('file', file, file.name);
      const res = await fetch(`/api/v1/media?platform=${enc(c.platform)}`, { method: 'POST', headers: { Authorization: `Bearer ${getToken()}` }, body: form });
      const j = await res.json().catch(() => null);
      if (!res.ok) throw new Error((j && j.error && j.error.message) || `upload failed (${res.status})`);
      Object.assign(item, { mediaId: j.id, mimeType: j.mimeType, uploading: false });
    } catch (e) {
      Object.assign(item, { uploading: false, error: e.message || 'upload failed' });
    }
    renderAttachments();
  };
  const fileInput = h('input', { type: 'file', multiple: true, hidden: true, testid: 'file-input', 'aria-label': 'Attach files',
    onchange: (e) => { [...e.target.files].forEach(uploadFile); e.target.value = ''; } });
  const urlInput = h('input', { type: 'url', placeholder: 'https://… attachment URL', testid: 'attach-url', class: 'grow', 'aria-label': 'Attachment URL' });
  const attachRow = h('div', { class: 'row', hidden: true, testid: 'attach-row' }, urlInput,
    h('button', { class: 'btn btn-sm', testid: 'attach-add', onclick: () => {
      const url = urlInput.value.trim();
      if (!/^https?:\/\/\S+$/i.test(url)) { error.textContent = 'An attachment needs an http(s) URL.'; error.hidden = false; return; }
      composer.attachments.push({ url, mimeType: guessMime(url), filename: decodeURIComponent(url.split('?')[0].split('/').pop() || 'file') });
      urlInput.value = ''; attachRow.hidden = true; error.hidden = true; renderAttachments();
    } }, 'Add'));
  const sendBtn = h('button', { class: 'btn btn-primary', testid: 'send-button', onclick: () => send() }, kind === 'note' ? 'Add note' : 'Send');
  composer.sentElsewhere = (sent) => {
    text.value = '';
    composer.attachments.forEach(forget);
    composer.attachments = [];
    renderAttachments();
    error.hidden = true;
    mount(notice, 'You already sent this from another tab, so it is no longer here: ',
      h('q', { testid: 'sent-elsewhere-text' }, sent), ' ',
      h('button', { class: 'btn btn-sm', testid: 'sent-elsewhere-restore', onclick: () => {
        // the agent means to send it once more: a new draft, checked from what is shown now
        text.value = sent;
        mount(notice);
        text.focus();
        text.dispatchEvent(new Event('input'));
      } }, 'Write it again'));
  };

  async function send(force) {
    const body = { type: kind === 'note' ? 'note' : 'reply', text: text.value };
    // collision control: the server refuses (409 newer_reply) if someone else replied after this base
    if (body.type === 'reply') { const base = basedOn(c.id); if (base) body.basedOnMessageId = base; if (force === true) body.force = true; }
    if (composer.attachments.some((a) => a.uploading)) { error.textContent = 'Wait for the files to finish uploading.'; error.hidden = false; return; }
    const ready = composer.attachments.filter((a) => !a.error)
      .map((a) => (a.mediaId ? { mediaId: a.mediaId, filename: a.filename } : { url: a.url, mimeType: a.mimeType, filename: a.filename }));
    if (!body.text.trim() && !ready.length) { error.textContent = 'Write something first.'; error.hidden = false; return; }
    if (ready.length) body.attachments = ready;
    error.hidden = true;
    sendBtn.disabled = true;
    sendingIn.add(c.id);
    try {
      // one key per click: a retried request is answered with the same message, never sent twice
      const m = await api.post(`/conversations/${enc(c.id)}/messages`, body, { 'Idempotency-Key': crypto.randomUUID() });
      text.value = '';
      writeDraft(c.id, '');
      composer.attachments.forEach(forget);
      composer.attachments = [];
      renderAttachments();
      upsertMessage(m);
    } catch (e) {
      if (e.code === 'newer_reply' && e.detail && e.detail.reply) {
        newerReplyDialog(e.detail.reply, () => send(true));
        return;
      }
      error.textContent = e.code === 'missing_field' ? `${e.message}` : e.code === 'window_closed' || e.code === 'template_required' ? `Cannot send: ${e.message}` : e.message;
      error.hidden = false;
    } finally {
      sendBtn.disabled = false;
      sendingIn.delete(c.id);
    }
  }

  el.ondragover = (e) => { if (e.dataTransfer && [...e.dataTransfer.types].includes('Files')) { e.preventDefault(); el.classList.add('dropping'); } };
  el.ondragleave = () => el.classList.remove('dropping');
  el.ondrop = (e) => {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    e.preventDefault();
    el.classList.remove('dropping');
    [...e.dataTransfer.files].forEach(uploadFile);
  };
  mount(el,
    h('div', { class: 'toolbar' }, toggle,
      h('span', { class: 'spacer' }),
      h('span', { class: 'anchor' }, h('button', { class: 'btn btn-sm', testid: 'saved-replies-button', onclick: (e) => openSavedReplies(e.currentTarget, (content) => insertAtCursor(text, content)) }, '★ Saved replies')),
      fieldSelect((name) => insertAtCursor(text, `{{${name}}}`), 'field-insert'),
      h('button', { class: 'btn btn-sm', testid: 'file-button', onclick: () => fileInput.click() }, '+ File'), fileInput,
      h('button', { class: 'btn btn-sm', testid: 'attach-button', onclick: () => { attachRow.hidden = !attachRow.hidden; if (!attachRow.hidden) urlInput.focus(); } }, '+ Attach')),
    notice, text, attachRow, attachList, error,
    h('div', { class: 'sendrow' },
      h('span', { class: 'muted hint', testid: 'send-hint' }, `${kind === 'note' ? 'Only visible to your team · ' : ''}${enterSends() ? 'Enter to send, Shift+Enter for a new line' : 'Shift+Enter to send, Enter for a new line'}`),
      h('label', { class: 'muted hint enter-setting' }, h('input', { type: 'checkbox', testid: 'enter-sends', checked: enterSends(),
        onchange: (e) => { localStorage.setItem(ENTER_KEY, e.target.checked ? 'send' : 'newline'); renderComposer(); } }), ' Enter sends'),
      h('span', { class: 'spacer' }), sendBtn));
}

// ---------- drafts and composer settings ----------

// conversations with a send of this tab in flight: its own message may arrive live before the answer
const sendingIn = new Set();

/** Whether a sent text is the draft's: the same, or the same with its {{field}} placeholders filled in. */
function sameText(draft, sent) {
  if (typeof sent !== 'string') return false;
  if (draft === sent) return true;
  if (!draft.includes('{{')) return false;
  const parts = draft.split(/\{\{[^{}]*\}\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]*?')}$`).test(sent);
}

/**
 * The same agent's other tab (a duplicate, with this draft copied into it) has sent this draft:
 * among the agent's own messages newer than the draft's base is one with the same text, and the
 * attachments of this composer, if any, went with it. The draft leaves this composer, with a
 * word saying why, so Enter here does not give the customer the same answer twice. The server
 * cannot tell: its newer-reply check skips the sender's own replies, so that quick successive
 * sends never warn; a send of this tab in flight is not another tab's.
 */
function dropIfSentElsewhere() {
  const c = currentConversation();
  const ta = document.querySelector('#composer textarea');
  if (!c || !ta || !composer.sentElsewhere || sendingIn.has(c.id)) return;
  const draft = ta.value;
  const base = draftBase(c.id);
  if (!base || !draft.trim()) return;
  const own = S.messages.filter((m) => m && m.senderType === 'agent' && String(m.senderId) === String(S.user.id)
    && m.id && BigInt(m.id) > BigInt(base));
  if (!own.some((m) => sameText(draft, m.text))) return;
  const key = (a) => a.mediaId || a.url;
  const went = new Set(own.flatMap((m) => m.attachments || []).map(key));
  if (!composer.attachments.filter((a) => !a.error).every((a) => went.has(key(a)))) return;
  writeDraft(c.id, '');
  composer.sentElsewhere(draft);
}

const ENTER_KEY = 'switchboard.enter';
/** Whether Enter sends (the default) or breaks the line; a per-browser setting. */
function enterSends() {
  return localStorage.getItem(ENTER_KEY) !== 'newline';
}

/** Keeps what is in the composer before it is replaced by another conversation's. */
function saveDraft() {
  const ta = document.querySelector('#composer textarea');
  if (ta && composer.convId) writeDraft(composer.convId, ta.value);
}

/** Switches the composer between a reply and a private note (the r and n keys). */
export function setComposerMode(mode) {
  if (!currentConversation() || composer.mode === mode) return;
  saveDraft();
  composer.mode = mode;
  renderComposer();
  const ta = document.querySelector('#composer textarea');
  if (ta) ta.focus();
}

/**
 * The text an agent was typing when the window closed: kept, and sendable as a private note
 * (or copied into a template parameter) instead of being lost.
 */
function keptDraft(draft, c) {
  const box = h('div', { class: 'kept-draft', testid: 'kept-draft' },
    h('span', {}, 'Your unsent text is kept:'),
    h('div', { class: 'tpl-body', testid: 'kept-draft-text' }, draft),
    h('div', { class: 'row' },
      h('button', { class: 'btn btn-sm', testid: 'draft-as-note', onclick: async () => {
        try {
          const m = await api.post(`/conversations/${enc(c.id)}/messages`, { type: 'note', text: draft }, { 'Idempotency-Key': crypto.randomUUID() });
          writeDraft(c.id, '');
          upsertMessage(m);
          box.remove();
          toast('Saved as a private note');
        } catch (e) { toast(e.message); }
      } }, 'Send as a private note'),
      h('button', { class: 'btn btn-sm', testid: 'draft-to-param', title: 'Put the text into the first empty template parameter', onclick: () => {
        const empty = [...document.querySelectorAll('#composer [data-testid=template-param]')].find((x) => !x.value.trim());
        if (!empty) { toast('This template has no empty parameter'); return; }
        empty.value = draft.replace(/\s+/g, ' ').trim();
        empty.focus();
      } }, 'Use as template parameter'),
      h('button', { class: 'btn btn-sm', testid: 'draft-discard', onclick: () => { writeDraft(c.id, ''); box.remove(); } }, 'Discard')));
  return box;
}

// the middle pane follows the store: its messages when they change, its header, window bar and
// composer when the open conversation's view changes
subscribe(['thread', 'conversation', 'reference'], (a, topics) => {
  const pane = document.getElementById('thread-pane');
  if (!pane) return;
  if (!S.user) {
    // signed out: the agent's composer and its text leave the page, so the next agent to sign
    // in here neither sees them nor has them saved as a draft of their own
    composer.convId = null; composer.kind = null; composer.attachments = []; composer.sentElsewhere = null;
    pane.dataset.conv = '';
    mount(pane);
    return;
  }
  if (topics.includes('thread')) renderThread(pane, !!a.keepScroll);
  else if (topics.includes('reference')) renderThread(pane, true);
  else renderThread(pane, true, true);
});
