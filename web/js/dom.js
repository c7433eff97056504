// Small DOM helpers. Every piece of data becomes a text node: nothing from the server or a
// customer is ever parsed as HTML.

/** h('div', {class: 'x', testid: 'y', onclick: fn}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'testid') el.dataset.testid = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    // through the CSSOM: the page's Content-Security-Policy (style-src 'self') refuses style attributes
    else if (k === 'style') el.style.cssText = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function mount(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/**
 * Mounts a row of buttons, or, when the row already holds the same buttons (same tags, test ids
 * and labels), updates them in place: their class, pressed/selected state, title and count. Live
 * counts re-render a row many times a minute; a new button under the pointer would swallow a click
 * that began on the old one (mousedown and mouseup on different elements make no click), and
 * keyboard focus would fall back to the page.
 */
export function mountButtons(el, children) {
  const old = [...el.children];
  const same = old.length === children.length && old.every((o, i) => o.tagName === children[i].tagName
    && o.dataset.testid === children[i].dataset.testid && buttonLabel(o) === buttonLabel(children[i]));
  if (!same) return mount(el, ...children);
  old.forEach((o, i) => {
    const n = children[i];
    o.className = n.className;
    for (const a of ['aria-pressed', 'aria-selected', 'title']) {
      if (n.hasAttribute(a)) o.setAttribute(a, n.getAttribute(a)); else o.removeAttribute(a);
    }
    const oc = o.querySelector('.count');
    const nc = n.querySelector('.count');
    if (oc && nc && oc.textContent !== nc.textContent) oc.textContent = nc.textContent;
  });
  return el;
}

/** A button's text without its count. */
function buttonLabel(b) {
  return [...b.childNodes].filter(c => !(c.classList && c.classList.contains('count'))).map(c => c.textContent).join('');
}

/**
 * Gives {@code el} the attributes and content of {@code fresh}, a new build of the same thing, and
 * keeps {@code el} itself with its listeners: a live update then never swaps the element under a
 * pointer mid-click (a click that begins on one element and ends on another is lost) nor takes
 * its focus. The listeners must therefore not depend on what changed. {@code children}: the new
 * children, by default fresh's; a child of {@code el} among them stays where it is (see place).
 */
export function morph(el, fresh, children = [...fresh.childNodes]) {
  for (const a of [...el.attributes]) if (!fresh.hasAttribute(a.name)) el.removeAttribute(a.name);
  for (const a of [...fresh.attributes]) if (el.getAttribute(a.name) !== a.value) el.setAttribute(a.name, a.value);
  return place(el, children);
}

/**
 * Makes {@code nodes} the children of {@code parent}, in order, moving only what is out of place
 * and removing the rest: nodes kept from an earlier render stay the same elements. What goes is
 * removed first, so a kept node moves only when the order of the kept ones changed (a moved
 * video leaves fullscreen, a moved node loses a selection in it).
 */
export function place(parent, nodes) {
  const keep = new Set(nodes);
  for (const c of [...parent.childNodes]) if (!keep.has(c)) c.remove();
  let at = parent.firstChild;
  for (const n of nodes) {
    if (n === at) { at = at.nextSibling; continue; }
    parent.insertBefore(n, at);
  }
  while (at) { const next = at.nextSibling; at.remove(); at = next; }
  return parent;
}

export const $ = (sel, root = document) => root.querySelector(sel);

/**
 * Two letters from the first and last words that begin with a letter or digit: "Omar H. (refund)"
 * is "OH" (a remark in brackets is not a name); a name of symbols only gives its first letter, or "?".
 */
export function initials(name) {
  const all = String(name || '').trim().split(/\s+/).filter(Boolean);
  const words = all.filter((w) => /^[\p{L}\p{N}]/u.test(w)).map((w) => [...w][0]);
  if (!words.length) {
    const any = String(name || '').match(/[\p{L}\p{N}]/u);
    return any ? any[0].toUpperCase() : '?';
  }
  return (words[0] + (words.length > 1 ? words[words.length - 1] : '')).toUpperCase();
}

const PLATFORM_NAMES = { whatsapp: 'WhatsApp', messenger: 'Messenger', instagram: 'Instagram' };
const PLATFORM_MARKS = { whatsapp: 'WA', messenger: 'FB', instagram: 'IG' };
export const platformName = (p) => PLATFORM_NAMES[p] || p || '';

/** How a contact is named: the agents' name, else platformLabel(ct). */
export function contactLabel(ct) {
  if (!ct) return '';
  return (ct.displayName && ct.displayName.trim()) || platformLabel(ct);
}

/** A contact's name without the agents' display name: the platform's, the phone, the WhatsApp username, the platform id. */
export function platformLabel(ct) {
  return ct.platformName || ct.phone || (ct.username ? `@${ct.username}` : '') || ct.platformUserId || '';
}
export const platformMark = (p) => h('span', { class: `plat plat-${p}`, title: platformName(p) }, PLATFORM_MARKS[p] || '?');

/** How long ago, for the list: "now", "5 m", "3 h", "2 d", then the date. */
export function relativeTime(iso, now = Date.now()) {
  if (!iso) return '';
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const m = Math.floor(ms / 60000);
  if (m < 1) return 'now';
  if (m < 60) return `${m} m`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return `${hrs} h`;
  const d = Math.floor(hrs / 24);
  if (d < 7) return `${d} d`;
  return new Date(iso).toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** An absolute date and time for tooltips. */
export function absoluteTime(iso) {
  return iso ? new Date(iso).toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '';
}

const MEDIA = {
  image: '📷 Photo', video: '🎥 Video', audio: '🎤 Audio', voice: '🎤 Voice message', document: '📄 Document', file: '📄 File',
  sticker: '🏷 Sticker', location: '📍 Location', contacts: '👤 Contact card', reaction: '👍 Reaction', story_mention: '📣 Story mention',
  interactive: '🔘 Button reply', button: '🔘 Button reply', template: '📋 Template',
};

/** One line for a list row: what the newest message says, notes and media named as such. */
export function preview(m) {
  if (!m) return 'No messages yet';
  if (m.deleted) return 'Message deleted';
  let what = m.text && m.text.trim() ? m.text.replace(/\s+/g, ' ').trim() : '';
  if (!what) {
    const mime = String(m.mimeType || '');
    what = MEDIA[m.contentType] || (mime.startsWith('image/') ? MEDIA.image : mime.startsWith('video/') ? MEDIA.video
      : mime.startsWith('audio/') ? MEDIA.audio : m.attachments ? MEDIA.file : `[${m.contentType || 'message'}]`);
  } else if (MEDIA[m.contentType] && m.contentType !== 'template' && m.contentType !== 'interactive' && m.contentType !== 'button') {
    what = `${MEDIA[m.contentType]}: ${what}`;
  }
  if (m.type === 'note') return `Note: ${what}`;
  return m.direction === 'out' ? `↪ ${what}` : what;
}

export function shortTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

export function fullTime(iso) {
  return iso ? new Date(iso).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '';
}

/** "23h 59m 08s" style, for a number of milliseconds left. */
export function duration(ms) {
  if (ms <= 0) return 'expired';
  let s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const mm = Math.floor(s / 60); s -= mm * 60;
  const pad = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${hh}h ${pad(mm)}m`;
  if (hh > 0) return `${hh}h ${pad(mm)}m ${pad(s)}s`;
  return `${mm}m ${pad(s)}s`;
}

let toastTimer = null;
export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
}
