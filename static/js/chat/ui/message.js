// One entry of the timeline as an element: a message (its author, time, "(edited)", the quote of
// the message it replies to, its body as the server's sanitised html, its reactions, and the
// actions on it), or a pending send. Buttons carry `data-action`; the timeline handles them all
// by delegation. Every control inside an entry is out of the Tab order (tabindex -1): the list is
// one Tab stop, and the arrow keys move within it (timeline.js).

import {
  displayName, EDITED, editedTitle, FAILED_SEND_ACTIONS, MESSAGE_ACTIONS, messageActionLabel, messageActionsLabel,
  pendingStatusText, quoteText, reactionText, YOU,
} from '../format.js';
import { attachmentList } from './attachments.js';
import { h, linkify, messageHtml, svgIcon, timeElement, userAvatar } from './dom.js';

const ICONS = {
  react: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM8 14s1.5 2 4 2 4-2 4-2M9 9h.01M15 9h.01',
  reply: 'M9 17l-5-5 5-5M4 12h11a5 5 0 0 1 5 5v2',
  edit: 'M12 20h9M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4z',
  delete: 'M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6',
};

function icon(name) {
  return svgIcon(ICONS[name]);
}

/** A control inside an entry: reachable with the arrow keys, not with Tab. */
function control(tag, props, ...children) {
  return h(tag, { tabindex: '-1', ...props }, ...children);
}

/** The quote of the message a reply answers: a button that shows it. */
function quoteItem(quote) {
  const words = quoteText(quote);
  if (quote.deleted) {
    return h('p', { class: 'msg-quote msg-quote--deleted', 'aria-label': words.label }, h('span', { class: 'msg-quote-text', dir: 'auto' }, words.text));
  }
  return control('button', {
    type: 'button', class: 'msg-quote', 'aria-label': words.label, dataset: { action: 'quote', target: quote.id },
  }, h('span', { class: 'msg-quote-author', dir: 'auto' }, words.author), ' ', h('span', { class: 'msg-quote-text', dir: 'auto' }, words.text));
}

function reactionsItem(reactions, { me, members }) {
  if (!reactions.length) return null;
  return h('div', { class: 'msg-reactions' }, reactions.map((reaction) => {
    const words = reactionText(reaction, { me, members });
    return control('button', {
      type: 'button', class: `reaction${reaction.mine ? ' is-mine' : ''}`, 'aria-pressed': String(reaction.mine),
      'aria-label': words.label, title: words.title, dataset: { action: 'toggle-reaction', emoji: reaction.emoji },
    }, h('span', { class: 'reaction-emoji', 'aria-hidden': 'true' }, reaction.emoji),
    h('span', { class: 'reaction-count', 'aria-hidden': 'true' }, String(reaction.count)));
  }));
}

function actionsItem(message, actions, me) {
  return h('div', { class: 'msg-actions', role: 'toolbar', 'aria-label': messageActionsLabel(message, me) },
    actions.map((action) => control('button', {
      type: 'button', class: `msg-action msg-action--${action}`, 'aria-label': messageActionLabel(action, message, me),
      title: MESSAGE_ACTIONS[action], dataset: { action },
    }, icon(action))));
}

/**
 * A delivered message. `view`: {me, own, mentionsMe, quote (replyQuote's, or null), reactions
 * (reactionsShown's), members (the room's, or null), actions (the ones the person may take:
 * 'react', 'reply', 'edit', 'delete'), saving (an edit of it is on its way)}.
 */
export function messageItem(message, view) {
  const { me, own, mentionsMe, quote, reactions, members, actions, saving } = view;
  const author = message.author;
  const ids = { author: `msg-${message.id}-author`, body: `msg-${message.id}-body`, attachments: `msg-${message.id}-attachments` };
  const attachments = attachmentList(message, ids.attachments); // named with the message: it may have no words
  const classes = ['msg', own ? 'msg--own' : '', mentionsMe && !own ? 'msg--mention' : '', saving ? 'msg--saving' : ''];
  const body = typeof message.html === 'string'
    ? h('div', { class: 'msg-body msg-body--html', id: ids.body, dir: 'auto' }, messageHtml(message.html, me.id))
    : h('p', { class: 'msg-body', id: ids.body, dir: 'auto' }, linkify(message.body)); // a version 1 server
  for (const link of body.querySelectorAll('a')) link.tabIndex = -1;
  return h('div', {
    class: classes.filter(Boolean).join(' '), role: 'listitem', tabindex: '-1', 'aria-labelledby': [ids.author, ids.body, attachments && ids.attachments].filter(Boolean).join(' '),
    dataset: { key: message.id, id: message.id, author: author.id },
  },
  // The author's name and picture open their card (ui/profile.js); the name is the control the keys reach.
  own ? null : h('span', { class: 'msg-avatar', dataset: { profile: author.id } }, userAvatar(author, 'sm')),
  actionsItem(message, actions, me),
  h('div', { class: 'msg-bubble' },
    h('div', { class: 'msg-meta' },
      own ? h('span', { class: 'msg-author', id: ids.author, dir: 'auto' }, YOU)
        : control('button', {
          type: 'button', class: 'msg-author', id: ids.author, dir: 'auto', title: `@${author.username}`, dataset: { profile: author.id },
        }, displayName(author)),
      timeElement(message.created_at, 'msg-time'),
      message.edited_at ? h('time', { class: 'msg-edited', datetime: message.edited_at, title: editedTitle(message.edited_at) }, EDITED) : null),
    quote ? quoteItem(quote) : null,
    body,
    attachments,
    reactionsItem(reactions, { me, members })));
}

/** A send on its way or refused, after the delivered messages; `quote` as messageItem's. */
export function pendingItem(pending, { quote = null } = {}) {
  const failed = pending.status === 'failed';
  const body = h('p', { class: 'msg-body', dir: 'auto' }, linkify(pending.body));
  for (const link of body.querySelectorAll('a')) link.tabIndex = -1;
  return h('div', {
    class: `msg msg--own ${failed ? 'msg--failed' : 'msg--pending'}`, role: 'listitem', tabindex: '-1',
    dataset: { key: Number.MAX_SAFE_INTEGER, clientId: pending.client_id },
  },
  h('div', { class: 'msg-bubble' },
    h('div', { class: 'msg-meta' }, h('span', { class: 'msg-author' }, YOU)),
    quote ? quoteItem(quote) : null,
    body,
    attachmentList(pending),
    h('p', { class: 'msg-status', role: failed ? 'alert' : null }, pendingStatusText(pending),
      failed ? control('button', { type: 'button', class: 'button button--small msg-retry', dataset: { action: 'retry' } }, FAILED_SEND_ACTIONS.retry) : null,
      failed ? control('button', { type: 'button', class: 'button button--small button--ghost msg-discard', dataset: { action: 'discard' } }, FAILED_SEND_ACTIONS.discard) : null)));
}
