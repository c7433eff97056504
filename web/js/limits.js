// A field with a maxlength keeps no more than its limit, and the browser drops the rest without a
// sign: a pasted name comes out shorter and is saved that way. Every such field on the page,
// wherever it is built, says so beside itself once it is full: "200 of 200 characters", and after
// a paste how many of the pasted characters were not kept. The note is a polite live region named
// by the field's aria-describedby while it has something to say; it is put in place, empty, when
// the field takes the focus, so a screen reader knows the region before its text changes.
// Nothing imports this module's names: app.js imports it for its listeners.

import { h } from './dom.js';

const notes = new WeakMap();
// field → the length it would have had, from a paste whose input event has not come yet
const pasted = new WeakMap();
let seq = 0;

/** The field's maxlength, or 0 when it has none (or is not a text field). */
function limitOf(el) {
  if (!el || (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA')) return 0;
  return el.maxLength > 0 ? el.maxLength : 0;
}

/**
 * Where the note goes: after the field, or after the label or row of controls the field sits in
 * (a note inside a label would become part of the field's name; inside a row it would squeeze
 * the buttons), or at the end of the grid the field is a cell of, where it spans a line of its own.
 */
function position(note, field) {
  let at = field;
  for (let p = at.parentElement; p && p !== document.body; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.display.endsWith('grid')) {
      if (note.parentElement !== p || p.lastElementChild !== note) p.append(note);
      return;
    }
    const row = s.display.endsWith('flex') && !s.flexDirection.startsWith('column');
    if (p.tagName !== 'LABEL' && !row) break;
    at = p;
  }
  if (at.nextElementSibling !== note) at.after(note);
}

/** The field's note, in its place next to the field. */
function noteFor(field) {
  let note = notes.get(field);
  if (!note) {
    note = h('span', { class: 'muted field-note limit-note', id: `limit-note-${++seq}`, testid: 'limit-note', 'aria-live': 'polite' });
    notes.set(field, note);
  }
  position(note, field);
  return note;
}

/** Shows (or, below the limit, empties) the note: `dropped` pasted characters were not kept. */
function say(field, dropped) {
  const max = limitOf(field);
  const full = `${field.value.length} of ${max} characters`;
  const text = dropped > 0 ? `${full}: the last ${dropped} pasted ${dropped === 1 ? 'character was' : 'characters were'} not kept.`
    : field.value.length >= max ? `${full}: the field is full.` : '';
  // most keystrokes are far from the limit: nothing to place or say
  if (!text && !notes.has(field)) return;
  const note = text ? noteFor(field) : notes.get(field);
  if (note.textContent !== text) note.textContent = text;
  const ids = (field.getAttribute('aria-describedby') || '').split(/\s+/).filter((id) => id && id !== note.id);
  if (text) ids.push(note.id);
  if (ids.length) field.setAttribute('aria-describedby', ids.join(' ')); else field.removeAttribute('aria-describedby');
}

/** The selected range, or the caret at the end where a field has no selection (email fields). */
function selection(field) {
  const end = field.value.length;
  return [field.selectionStart ?? end, field.selectionEnd ?? end];
}

/** Pasted text as the field takes it: one line in an input (line breaks become spaces), CRLF as one break in a textarea. */
function asTaken(field, text) {
  if (field.tagName === 'TEXTAREA') return text.replace(/\r\n?/g, '\n');
  return text.replace(/[\r\n]+$/, '').replace(/\r\n|\r|\n/g, ' ');
}

/** A paste's input event has come (or, when the field took nothing, never will): how much was dropped. */
function settle(field) {
  const wanted = pasted.get(field);
  pasted.delete(field);
  say(field, wanted === undefined ? 0 : wanted - field.value.length);
}

document.addEventListener('focusin', (e) => { if (limitOf(e.target)) noteFor(e.target); });

document.addEventListener('input', (e) => { if (limitOf(e.target)) settle(e.target); });

// the document hears a paste last: a field's own handler that took it over has prevented it by then
document.addEventListener('paste', (e) => {
  const field = e.target;
  if (!limitOf(field) || e.defaultPrevented || !e.clipboardData) return;
  const [from, to] = selection(field);
  pasted.set(field, field.value.length - (to - from) + asTaken(field, e.clipboardData.getData('text/plain')).length);
  // a full field takes nothing and fires no input event
  setTimeout(() => { if (pasted.has(field)) settle(field); }, 0);
});

// a key pressed in a full field changes nothing and fires no input event either
document.addEventListener('beforeinput', (e) => {
  const field = e.target;
  const max = limitOf(field);
  if (!max || !(e.inputType || '').startsWith('insert') || e.inputType === 'insertFromPaste') return;
  const [from, to] = selection(field);
  if (from === to && field.value.length >= max) say(field, 0);
});
