// Safe rendering of bot and user text.
//
// deep-chat renders message text with its bundled `remarkable` (raw HTML off, so
// `<img onerror>` shows as text), but it switches remarkable's link validation off
// (`validateLink = () => true` in deep-chat 2.4.2), so `[x](javascript:...)` would render a live
// link. We register a remarkable plugin that rewrites the renderer rules instead: only
// http, https, tel and mailto links stay links; anything else becomes plain text, and markdown
// images become their alt text (no request leaves the clinic's site from message text).
// deep-chat reads `window.remarkable_plugins` when the element renders, so this must run first.

const ALLOWED_LINK = /^(https?:|mailto:|tel:)/i;

export function escapeHtml(value) {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

export function isAllowedLink(href) {
  return ALLOWED_LINK.test(String(href || ''));
}

function restrictLinks(md) {
  const rules = md.renderer.rules;
  const linkOpen = rules.link_open;
  const linkClose = rules.link_close;
  const dropped = [];
  rules.link_open = (tokens, idx, options, env) => {
    const allowed = isAllowedLink(tokens[idx].href);
    dropped.push(!allowed);
    if (!allowed) return '<span class="blocked-link">';
    return linkOpen(tokens, idx, options, env).replace(/^<a /, '<a rel="noopener noreferrer" ');
  };
  rules.link_close = (tokens, idx, options, env) =>
    dropped.pop() ? '</span>' : linkClose(tokens, idx, options, env);
  rules.image = (tokens, idx) => escapeHtml(tokens[idx].alt || '');
  // Raw HTML is off in deep-chat's preset; these make sure it stays text even if it is turned on.
  rules.htmltag = (tokens, idx) => escapeHtml(tokens[idx].content);
  rules.htmlblock = (tokens, idx) => escapeHtml(tokens[idx].content);
}

export function installMarkdownRestrictions() {
  const plugins = Array.isArray(window.remarkable_plugins) ? window.remarkable_plugins : [];
  if (!plugins.some((p) => p && p.plugin === restrictLinks)) {
    window.remarkable_plugins = plugins.concat([{ plugin: restrictLinks }]);
  }
}

/** Message text without markdown syntax, for the screen-reader announcements. */
export function plainText(text) {
  return String(text || '')
    .replace(/!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)/g, '$1')
    .replace(/[*_`#]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
