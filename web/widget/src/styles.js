// Styles for the launcher and panel (our shadow root) and for deep-chat's own shadow root.
//
// Colours come from the clinic's config; the defaults and the fixed greys meet WCAG AA
// contrast (text 4.5:1, focus rings and borders 3:1). A clinic that sets its own `primary`
// must keep 4.5:1 against `primaryText`. On narrow or short screens (320 px, 200 % zoom) the
// panel fills the viewport instead of floating, so nothing is cut off.

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
export const FONT_FAMILY = FONT;

export const TEXT = '#1a1a1a';
export const MUTED_BORDER = '#6b6b6b';
export const BOT_BUBBLE = '#eef1f4';

export function shellCss(c) {
  return `
:host { all: initial; }
* { box-sizing: border-box; }
.launcher {
  position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: .5rem;
  min-height: 48px; max-width: calc(100vw - 2rem); padding: .75rem 1.1rem;
  font: 600 1rem/1.25 ${FONT}; color: ${c.primaryText}; background: ${c.primary};
  border: 2px solid ${c.primaryText}; border-radius: 1.75rem; cursor: pointer;
  box-shadow: 0 2px 10px rgba(0, 0, 0, .3);
}
.launcher svg { flex: none; width: 1.25em; height: 1.25em; fill: currentColor; }
.launcher:hover { filter: brightness(1.12); }
.launcher:focus-visible { outline: 3px solid ${c.focus}; outline-offset: 3px; }
.panel {
  position: fixed; right: 1rem; bottom: 5.25rem; z-index: 2147483001;
  display: flex; flex-direction: column;
  width: min(25rem, calc(100vw - 2rem)); height: min(46rem, calc(100vh - 6.5rem));
  font: 1rem/1.4 ${FONT}; color: ${TEXT}; background: #fff;
  border: 1px solid ${MUTED_BORDER}; border-radius: .75rem; overflow: hidden;
  box-shadow: 0 6px 24px rgba(0, 0, 0, .3);
}
.panel[hidden] { display: none; }
.header {
  flex: none; display: flex; align-items: center; gap: .5rem;
  padding: .5rem .5rem .5rem .9rem; color: ${c.primaryText}; background: ${c.primary};
}
.title { flex: 1 1 auto; min-width: 0; margin: 0; font: 600 1rem/1.3 ${FONT}; }
.subtitle { display: block; font-weight: 400; font-size: .875rem; }
.header button {
  flex: none; min-width: 44px; min-height: 44px; padding: .25rem .6rem;
  font: 600 .9375rem/1.2 ${FONT}; color: ${c.primaryText}; background: transparent;
  border: 1px solid ${c.primaryText}; border-radius: .375rem; cursor: pointer;
}
.header button:hover { background: rgba(255, 255, 255, .15); }
.header button:focus-visible { outline: 3px solid ${c.primaryText}; outline-offset: 2px; }
deep-chat { display: block; flex: 1 1 auto; min-height: 0; width: 100%; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
@media (max-width: 30rem), (max-height: 32rem) {
  .panel {
    inset: 0; right: 0; bottom: 0; width: 100%; height: 100%;
    border: none; border-radius: 0;
  }
  .launcher.is-open { display: none; }
}
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
@media (forced-colors: active) { .launcher, .header button { border: 2px solid ButtonText; } }
`;
}

// Injected into deep-chat's shadow root (its `auxiliaryStyle`).
export function chatCss(c) {
  return `
#messages { outline: none; }
#messages:focus-visible { outline: 3px solid ${c.focus}; outline-offset: -3px; }
#input { align-items: flex-end; gap: .5rem; padding: .5rem .75rem .75rem; box-sizing: border-box; }
#text-input-container {
  flex: 1 1 auto; width: auto; min-width: 0; margin: 0 !important; box-shadow: none;
}
#input .input-button-container { flex: none; }
#input .text-input-container-end-adjustment { margin-inline-end: 0; }
#input .input-button.outside-end { position: static; scale: 1; margin: 0; height: auto; }
#input .input-button svg { display: none; }
#text-input-container:focus-within { outline: 3px solid ${c.focus}; outline-offset: 2px; }
.input-button:focus-visible, a:focus-visible, button:focus-visible {
  outline: 3px solid ${c.focus}; outline-offset: 2px;
}
.message-bubble { font-size: 1rem; line-height: 1.45; max-width: 85%; overflow-wrap: anywhere; }
.message-bubble p { margin: 0 0 .6em; }
.message-bubble p:last-child { margin-bottom: 0; }
.message-bubble a { color: ${c.link}; text-decoration: underline; }
.user-message-text a { color: inherit; }
.qr-group { display: flex; flex-wrap: wrap; gap: .5rem; }
.qr {
  min-height: 44px; padding: .5rem .85rem; font: inherit; font-size: .9375rem;
  color: ${c.link}; background: #fff; border: 2px solid ${c.link}; border-radius: 1.5rem;
  cursor: pointer;
}
.qr:hover { background: #f0f4fa; }
.qr:disabled { color: #595959; border-color: #949494; background: #fff; cursor: default; }
.blocked-link { text-decoration: none; }
.html-message { background: transparent !important; padding-left: 0 !important; }
.error-message-text { font-weight: 600; }
@media (prefers-reduced-motion: reduce) { * { animation: none !important; transition: none !important; } }
`;
}
