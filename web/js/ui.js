// Shared UI pieces: the modal dialog, the popover menu and where the focus goes when a narrow
// screen changes pane. One popover is open at a time; it lives inside its anchor's `.anchor` span,
// so a pane that keeps its anchor across live redraws keeps the menu open. Escape closes the
// innermost thing open: a menu, then a dialog.

import { h, mount } from './dom.js';
import { state, subscribe } from './store.js';

let popover = null;
let popoverAnchor = null;

export function closePopover() {
  if (popover) popover.remove();
  if (popoverAnchor) popoverAnchor.setAttribute('aria-expanded', 'false');
  popover = null;
  popoverAnchor = null;
}

/** Closes the open menu when it is inside `root` (a pane drawn again for another conversation). */
export function closePopoverWithin(root) {
  if (popover && root.contains(popover)) closePopover();
}

/** Opens a small menu under `anchor` (a button inside a `.anchor` span). */
export function openPopover(anchor, content, alignRight) {
  closePopover();
  popover = h('div', { class: 'popover', style: alignRight ? 'right:0;top:calc(100% + 4px)' : 'left:0;top:calc(100% + 4px)' }, content);
  popoverAnchor = anchor;
  anchor.setAttribute('aria-expanded', 'true');
  anchor.parentElement.appendChild(popover);
  // a menu wider than the room beside its anchor (a long agent or team name) moves sideways to
  // stay inside the screen, rather than start off its edge
  const margin = 8;
  const r = popover.getBoundingClientRect();
  const room = document.documentElement.clientWidth - margin;
  const shift = r.left < margin ? margin - r.left : r.right > room ? Math.max(room - r.right, margin - r.left) : 0;
  if (shift) popover.style.transform = `translateX(${Math.round(shift)}px)`;
  return popover;
}

document.addEventListener('mousedown', (e) => {
  if (popover && !popover.contains(e.target)) closePopover();
});

// the dialog open now: {opener, modal, close, buttons, guarded, initial, touched, asking}
let current = null;

/**
 * A modal with a body and a primary button; onOk(close) decides when to close. While it is open
 * the page behind it is inert (no clicks, no focus, hidden from screen readers) and Tab cycles
 * through the dialog's own controls; closing gives the focus back to the control that opened it.
 * Escape or a press on the backdrop closes an unchanged one at once; a changed one (an agent, a
 * saved reply, a flow, a new contact's number) asks first, so a stray key or click never throws
 * that work away.
 */
export function openModal(title, body, onOk, okLabel, okTestid) {
  const root = document.getElementById('modal-root');
  // a dialog opened from another one hands the focus back to where the first one was opened
  const opener = current ? current.opener : document.activeElement;
  const close = () => {
    if (current !== shown) return;
    current = null;
    mount(root);
    setPageInert(false);
    if (opener && opener.focus && document.contains(opener)) opener.focus();
  };
  const ok = okLabel ? h('button', { class: 'btn btn-primary', testid: okTestid, onclick: () => onOk(close) }, okLabel) : null;
  const titleId = `modal-title-${Date.now()}`;
  const buttons = h('div', { class: 'buttons' }, h('button', { class: 'btn', testid: 'modal-cancel', onclick: close }, okLabel ? 'Cancel' : 'Close'), ok);
  const modal = h('div', { class: 'modal', testid: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title), body, buttons);
  const shown = { opener, modal, close, buttons, initial: null, touched: false, asking: null };
  // what an admin changes fires input or change; a field the code fills in later does not
  modal.addEventListener('input', () => { shown.touched = true; });
  modal.addEventListener('change', () => { shown.touched = true; });
  modal.addEventListener('keydown', (e) => { if (e.key === 'Tab') cycleFocus(modal, e); });
  current = shown;
  mount(root, h('div', { class: 'modal-back', onmousedown: (e) => { if (e.target === e.currentTarget) dismiss(shown); } }, modal));
  setPageInert(true);
  shown.initial = formValues(modal);
  // the opener is inert now; the caller may focus a field of its choice after this
  if (!modal.contains(document.activeElement)) (focusables(modal)[0] || modal).focus();
  return { modal, close };
}

/** Makes everything but the dialog (and the toast's live region) inert, or lets it be again. */
function setPageInert(on) {
  for (const el of document.body.children) {
    if (el.id === 'modal-root' || el.id === 'toast' || el.tagName === 'SCRIPT') continue;
    if (on && !el.inert) { el.inert = true; el.dataset.inertByModal = ''; }
    if (!on && 'inertByModal' in el.dataset) { el.inert = false; delete el.dataset.inertByModal; }
  }
}

/** The controls Tab reaches inside `root`, in order. */
function focusables(root) {
  return [...root.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
    .filter((el) => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length && !(el.type === 'radio' && !el.checked && el.name));
}

/** Tab past the last control goes to the first, Shift+Tab before the first to the last. */
function cycleFocus(modal, e) {
  const all = focusables(modal);
  if (!all.length) { e.preventDefault(); return; }
  const first = all[0];
  const last = all[all.length - 1];
  const at = document.activeElement;
  if (e.shiftKey && (at === first || !modal.contains(at) || at === modal)) { e.preventDefault(); last.focus(); }
  else if (!e.shiftKey && (at === last || !modal.contains(at))) { e.preventDefault(); first.focus(); }
}

/** Every field's value in the dialog, as one string to compare. */
function formValues(modal) {
  return JSON.stringify([...modal.querySelectorAll('input, select, textarea')]
    .map((el) => (el.type === 'checkbox' || el.type === 'radio' ? el.checked : el.value)));
}

/** Escape or the backdrop: closes an unchanged dialog, asks before throwing a changed one's work away. */
function dismiss(shown) {
  if (shown.asking) { keepEditing(shown); return; }
  if (!shown.touched || formValues(shown.modal) === shown.initial) { shown.close(); return; }
  const keep = h('button', { class: 'btn', testid: 'discard-keep', onclick: () => keepEditing(shown) }, 'Keep editing');
  const textId = `discard-text-${Date.now()}`;
  shown.asking = h('div', { class: 'discard', testid: 'discard-confirm', role: 'group', 'aria-labelledby': textId },
    h('p', { id: textId, class: 'discard-text' }, 'Discard your changes?'),
    h('div', { class: 'buttons' }, keep,
      h('button', { class: 'btn btn-primary', testid: 'discard-yes', onclick: () => shown.close() }, 'Discard')));
  shown.buttons.replaceWith(shown.asking);
  keep.focus();
}

/** Back to the dialog as it was, the focus on its first control. */
function keepEditing(shown) {
  shown.asking.replaceWith(shown.buttons);
  shown.asking = null;
  (focusables(shown.modal)[0] || shown.modal).focus();
}

/** Whether a dialog is open. */
export function modalOpen() {
  const root = document.getElementById('modal-root');
  return !!(root && root.firstChild);
}

document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  if (popover) {
    const anchor = popoverAnchor;
    const inside = popover.contains(document.activeElement);
    closePopover();
    // the focus goes back to the button that opened the menu rather than to the page
    if (inside && anchor && anchor.isConnected) anchor.focus();
    e.preventDefault();
    return;
  }
  const root = document.getElementById('modal-root');
  if (current) { dismiss(current); e.preventDefault(); }
  else if (root && root.firstChild) { mount(root); e.preventDefault(); }
});

/** Whether the focus is nowhere a keyboard user can see: on the body, or in something hidden. */
function focusLost() {
  const at = document.activeElement;
  return !at || at === document.body || !at.getClientRects().length;
}

// A narrow screen shows one pane at a time, so the control that changed it (a row, Contact) is
// hidden with its pane: the focus moves into the pane shown instead of falling to the body. The
// move waits for the pane to be drawn (opening a conversation draws it right after the change).
const PANES = { thread: ['thread-pane', '[data-testid=thread-title]'], contact: ['contact-pane', null] };
subscribe(['view'], () => queueMicrotask(() => {
  const [id, heading] = PANES[state.view] || [];
  const pane = id && document.getElementById(id);
  if (!pane || !pane.getClientRects().length || !focusLost()) return;
  const target = (heading && pane.querySelector(heading)) || focusables(pane)[0] || pane;
  // a heading or the pane itself takes the focus without joining the Tab order
  if (target.tabIndex < 0 && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus();
}));
