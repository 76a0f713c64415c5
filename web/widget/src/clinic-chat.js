// Clinic chat widget: one <script> tag plus window.ClinicChatConfig.
//
//   <script src="/config.js"></script>          window.ClinicChatConfig = {serverUrl, ...}
//   <script src="/widget/dist/clinic-chat.js"></script>
//
// The chat itself is deep-chat (MIT, pinned, bundled into this file so nothing loads from a
// CDN). This file only adds what the clinic needs around it: our REST channel and session
// token, quick-reply buttons, a launcher and panel with keyboard and focus handling, a live
// region for screen readers, and the transcript kept in sessionStorage.

import 'deep-chat/dist/deepChat.bundle.js';

import { escapeHtml, installMarkdownRestrictions, plainText } from './markdown.js';
import { createStore } from './storage.js';
import { BOT_BUBBLE, chatCss, FONT_FAMILY, shellCss, TEXT } from './styles.js';
import { ChatError, sendMessage } from './transport.js';

const DEFAULTS = {
  serverUrl: '/webhooks/web/message',
  clinicName: 'the clinic',
  openingText:
    "Hi! I'm an automated assistant. I answer general questions about ketamine treatment. " +
    "Please don't share personal details here.",
  launcherText: 'Questions? Chat with us',
  placeholder: 'Type your question',
  timeoutMs: 20000,
  maxStoredMessages: 100,
  texts: {
    unreachable:
      "Sorry, the assistant can't be reached right now. Please check your connection and try " +
      'again in a few minutes.',
    timeout: 'Sorry, the assistant is taking too long to answer. Please try again.',
    rateLimited:
      "You've sent a lot of messages in a short time. Please wait a minute, then try again.",
    serverError: 'Sorry, something went wrong on our side. Please try again in a few minutes.',
    empty: "Sorry, I don't have an answer for that.",
  },
};

function readConfig() {
  const given = window.ClinicChatConfig || {};
  const cfg = { ...DEFAULTS, ...given, texts: { ...DEFAULTS.texts, ...(given.texts || {}) } };
  const colors = given.colors || {};
  const primary = colors.primary || '#1d4e89';
  cfg.colors = {
    primary,
    primaryText: colors.primaryText || colors.onPrimary || '#ffffff',
    focus: colors.focus || primary,
    link: colors.link || primary,
  };
  return cfg;
}

function buttonsHtml(buttons, enabled) {
  const items = buttons
    .map(
      (b) =>
        `<button type="button" class="qr" data-payload="${escapeHtml(b.payload)}"` +
        `${enabled ? '' : ' disabled'}>${escapeHtml(b.title)}</button>`,
    )
    .join('');
  return `<div class="qr-group" role="group" aria-label="Suggested replies">${items}</div>`;
}

function buttonsMessage(buttons, enabled) {
  return { role: 'ai', html: buttonsHtml(buttons, enabled), custom: { buttons } };
}

function toDeepChat(messages) {
  const out = [];
  for (const m of messages) {
    if (m.text) out.push({ text: m.text });
    if (m.buttons.length) out.push(buttonsMessage(m.buttons, true));
  }
  return out;
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

const CHAT_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M4 3h16a2 2 0 0 1 ' +
  '2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm2 5v2h12V8H6zm0 4v2h8v-2H6z"/>' +
  '</svg>';

function mount(cfg) {
  const store = createStore(cfg.maxStoredMessages);
  const c = cfg.colors;
  installMarkdownRestrictions();

  // Our own shadow root keeps the clinic page's CSS out of the widget and ours out of the page.
  const host = el('div', { id: 'clinic-chat', 'data-clinic-chat': '' });
  const root = host.attachShadow({ mode: 'open' });
  const css = shellCss(c);
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function') {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(el('style', {}, css));
  }

  const live = el('div', {
    class: 'visually-hidden',
    'aria-live': 'polite',
    'aria-relevant': 'additions text',
  });
  function announce(text) {
    const line = plainText(text);
    if (!line) return;
    live.append(el('p', {}, line));
    while (live.childNodes.length > 6) live.firstChild.remove();
  }

  const launcher = el('button', {
    type: 'button',
    class: 'launcher',
    'aria-expanded': 'false',
    'aria-controls': 'clinic-chat-panel',
  });
  launcher.innerHTML = CHAT_ICON;
  launcher.append(el('span', {}, cfg.launcherText));

  const panel = el('div', {
    id: 'clinic-chat-panel',
    class: 'panel',
    role: 'dialog',
    'aria-modal': 'false',
    'aria-labelledby': 'clinic-chat-title',
  });
  panel.hidden = true;
  const title = el('h2', { id: 'clinic-chat-title', class: 'title' }, cfg.clinicName);
  title.append(el('span', { class: 'subtitle' }, 'Automated assistant'));
  const restart = el('button', { type: 'button', class: 'restart' }, 'New chat');
  const close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close chat' });
  close.textContent = 'Close';
  const header = el('div', { class: 'header' });
  header.append(title, restart, close);

  const chat = document.createElement('deep-chat');
  // Must be set before deep-chat renders: with its default font it adds a Google Fonts <link>.
  chat.style.fontFamily = FONT_FAMILY;
  chat.style.fontSize = '1rem';
  chat.chatStyle = {
    width: '100%',
    height: '100%',
    border: 'none',
    borderRadius: '0',
    backgroundColor: '#ffffff',
    fontFamily: FONT_FAMILY,
  };
  chat.introMessage = { text: cfg.openingText };
  chat.textInput = {
    placeholder: { text: cfg.placeholder, style: { color: '#595959' } },
    characterLimit: 1000,
    styles: {
      container: { border: '1px solid #6b6b6b', borderRadius: '.5rem' },
      text: { color: TEXT, padding: '.6rem .75rem', fontSize: '1rem' },
    },
  };
  chat.submitButtonStyles = {
    position: 'outside-end',
    submit: {
      container: {
        default: {
          backgroundColor: c.primary,
          borderRadius: '.5rem',
          padding: '0 1rem',
          minHeight: '44px',
          display: 'inline-flex',
          alignItems: 'center',
        },
        hover: { filter: 'brightness(1.12)' },
      },
      text: { content: 'Send', styles: { default: { color: c.primaryText, fontWeight: '600' } } },
    },
    loading: {
      container: { default: { backgroundColor: '#595959', borderRadius: '.5rem' } },
    },
    disabled: {
      container: { default: { backgroundColor: '#595959', borderRadius: '.5rem' } },
      text: { content: 'Send', styles: { default: { color: '#ffffff', fontWeight: '600' } } },
    },
  };
  chat.messageStyles = {
    default: {
      shared: { bubble: { fontSize: '1rem', lineHeight: '1.45' } },
      user: { bubble: { backgroundColor: c.primary, color: c.primaryText } },
      ai: { bubble: { backgroundColor: BOT_BUBBLE, color: TEXT } },
    },
    intro: { bubble: { backgroundColor: BOT_BUBBLE, color: TEXT } },
    error: { bubble: { backgroundColor: '#fdecea', color: '#7a0b0b', border: '1px solid #b3261e' } },
  };
  chat.errorMessages = { displayServiceErrorMessages: true };
  chat.auxiliaryStyle = chatCss(c);

  const restored = store.transcript();
  const lastButtons = restored.map((m) => Boolean(m.buttons)).lastIndexOf(true);
  if (restored.length) {
    chat.history = restored.map((m, i) =>
      m.buttons ? buttonsMessage(m.buttons, i === lastButtons) : { role: m.role, text: m.text },
    );
  }

  chat.htmlClassUtilities = {
    qr: {
      events: {
        click: (event) => {
          const button = event.target && event.target.closest && event.target.closest('button.qr');
          if (!button || button.disabled) return;
          const group = button.closest('.qr-group');
          if (group) group.querySelectorAll('button').forEach((b) => (b.disabled = true));
          chat.submitUserMessage({
            text: button.textContent,
            custom: { payload: button.getAttribute('data-payload') },
          });
        },
      },
    },
  };

  chat.onMessage = ({ message, isHistory }) => {
    if (isHistory || !message) return;
    const buttons = message.custom && Array.isArray(message.custom.buttons);
    if (buttons) {
      store.append({ role: 'ai', buttons: message.custom.buttons });
      const titles = message.custom.buttons.map((b) => b.title).join(', ');
      announce(`Suggested replies: ${titles}`);
    } else if (typeof message.text === 'string' && message.text) {
      store.append({ role: message.role === 'user' ? 'user' : 'ai', text: message.text });
      if (message.role !== 'user') announce(message.text);
    }
  };

  chat.connect = {
    handler: async (body, signals) => {
      const messages = (body && body.messages) || [];
      const last = messages[messages.length - 1] || {};
      const payload = last.custom && typeof last.custom.payload === 'string';
      const text = payload ? last.custom.payload : String(last.text || '');
      announce('The assistant is typing…');
      try {
        const reply = await sendMessage({
          serverUrl: cfg.serverUrl,
          token: store.token(),
          message: text,
          timeoutMs: cfg.timeoutMs,
          texts: cfg.texts,
        });
        if (reply.token) store.setToken(reply.token);
        const out = toDeepChat(reply.messages);
        await signals.onResponse(out.length ? out : [{ text: cfg.texts.empty }]);
      } catch (error) {
        const line = error instanceof ChatError ? error.userText : cfg.texts.serverError;
        announce(line);
        await signals.onResponse({ error: line });
      }
    },
  };

  // deep-chat rebuilds its view when it re-renders, so these fixes are re-applied whenever its
  // shadow DOM changes (they are idempotent and cheap).
  function enhance() {
    const shadow = chat.shadowRoot;
    if (!shadow) return;
    const messages = shadow.getElementById('messages');
    if (messages && messages.getAttribute('aria-label') !== 'Conversation') {
      // The conversation scrolls: keyboard users need to reach it to scroll it (WCAG 2.1.1).
      messages.setAttribute('tabindex', '0');
      messages.setAttribute('role', 'region');
      messages.setAttribute('aria-label', 'Conversation');
    }
    const send = shadow.querySelector('.input-button');
    if (send && !send.hasAttribute('data-clinic-keys')) {
      send.setAttribute('data-clinic-keys', '');
      send.setAttribute('aria-label', 'Send');
      // deep-chat's send control is a div[role=button] that reacts to Enter only.
      send.addEventListener('keydown', (event) => {
        if (event.key === ' ') {
          event.preventDefault();
          send.click();
        }
      });
    }
  }

  let announcedIntro = false;
  function setOpen(open, { focus = true } = {}) {
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.classList.toggle('is-open', open);
    store.setOpen(open);
    if (open && !announcedIntro && !store.transcript().length) {
      announcedIntro = true; // screen-reader users hear the disclosure and privacy note too
      announce(cfg.openingText);
    }
    if (!focus) return;
    if (open) requestAnimationFrame(() => chat.focusInput && chat.focusInput());
    else launcher.focus();
  }

  launcher.addEventListener('click', () => setOpen(panel.hidden));
  close.addEventListener('click', () => setOpen(false));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      setOpen(false);
    }
  });
  restart.addEventListener('click', () => {
    store.clear();
    if (chat.clearMessages) chat.clearMessages(true);
    announce('Started a new conversation.');
    if (chat.focusInput) chat.focusInput();
  });

  panel.append(header, chat);
  root.append(launcher, panel, live);
  document.body.append(host);
  if (chat.shadowRoot) {
    new MutationObserver(enhance).observe(chat.shadowRoot, { childList: true, subtree: true });
  }
  enhance();
  if (store.wasOpen()) setOpen(true, { focus: false });

  window.ClinicChat = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    element: chat,
  };
}

function start() {
  if (document.getElementById('clinic-chat')) return; // loaded twice: keep the first
  mount(readConfig());
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
