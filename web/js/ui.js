// Shared UI pieces: the modal dialog and the popover menu. One popover is open at a time; it
// lives inside its anchor's `.anchor` span, so a pane that keeps its anchor across live redraws
// keeps the menu open. Escape closes the innermost thing open: a menu, then a dialog.

import { h, mount } from './dom.js';

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
  return popover;
}

document.addEventListener('mousedown', (e) => {
  if (popover && !popover.contains(e.target)) closePopover();
});

/** A modal with a body and a primary button; onOk(close) decides when to close. */
export function openModal(title, body, onOk, okLabel, okTestid) {
  const root = document.getElementById('modal-root');
  const opener = document.activeElement;
  const close = () => { mount(root); if (opener && opener.focus && document.contains(opener)) opener.focus(); };
  const ok = okLabel ? h('button', { class: 'btn btn-primary', testid: okTestid, onclick: () => onOk(close) }, okLabel) : null;
  const titleId = `modal-title-${Date.now()}`;
  const modal = h('div', { class: 'modal', testid: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title), body,
    h('div', { class: 'buttons' }, h('button', { class: 'btn', testid: 'modal-cancel', onclick: close }, okLabel ? 'Cancel' : 'Close'), ok));
  mount(root, h('div', { class: 'modal-back', onmousedown: (e) => { if (e.target === e.currentTarget) close(); } }, modal));
  return { modal, close };
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
  if (root && root.firstChild) {
    const cancel = root.querySelector('[data-testid=modal-cancel]');
    if (cancel) cancel.click(); else mount(root);
    e.preventDefault();
  }
});
