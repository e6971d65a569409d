/**
 * The dashboard: every card is one subscription of the generated client SDK, with its
 * connection state shown in the card's header. Subscriptions are shared across tabs, so the
 * browser holds one connection per stream however many tabs show the dashboard (over HTTP/1.1
 * it allows six per host for all tabs together). Streams the identity may not open are not
 * requested at all: their cards show why.
 */
import { createClient, type LogEntry, type Notification, type PriceUpdate, type TaskProgress } from '../../generated/client/index.js';
import type { ConnectionStatus, Subscription } from 'asyncapi-sse/client';

/** The demo's identities (README): their bearer tokens, and the streams beyond the public ones they may open. */
const IDENTITIES = {
  u1: { token: 'user-token', admin: false, notifications: true },
  u2: { token: 'user2-token', admin: false, notifications: true },
  admin: { token: 'admin-token', admin: true, notifications: false },
} as const;
type IdentityName = keyof typeof IDENTITIES;

const chosen = new URLSearchParams(location.search).get('as') ?? localStorage.getItem('identity') ?? 'u1';
const identity: IdentityName = Object.hasOwn(IDENTITIES, chosen) ? (chosen as IdentityName) : 'u1';
const may = IDENTITIES[identity];
const client = createClient({ baseUrl: '', headers: () => ({ Authorization: `Bearer ${may.token}` }), shareAcrossTabs: true });

function element<T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
}

function create(tag: string, className: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function setState(card: HTMLElement, state: string, label = state): void {
  const badge = element('.state', card);
  badge.dataset.state = state;
  badge.textContent = label;
}

/** Mirrors a subscription's status in its card's badge. */
function showStatus(card: HTMLElement, subscription: Pick<Subscription<object>, 'onStatus'>): void {
  subscription.onStatus((status: ConnectionStatus) => {
    if (status.type === 'open') setState(card, 'open');
    else if (status.type === 'reconnecting') setState(card, 'reconnecting', `reconnecting (attempt ${status.attempt})`);
    // A failure that closes the stream was already shown by its `error` status.
    else if (status.type === 'closed') {
      if (status.reason !== 'error') setState(card, 'closed');
    } else if (status.status !== undefined) {
      setState(card, 'error', `error ${status.status}`);
    }
  });
}

/** A card of a stream this identity may not open: it stays unrequested, so no 403 reaches the console. */
function lock(card: HTMLElement, label: string): void {
  card.classList.add('locked');
  element('.locked', card).hidden = false;
  setState(card, 'locked', label);
}

/** Appends `item` to a card's list, keeping the newest `limit` and the list scrolled to the end. */
function appendLimited(list: HTMLElement, item: HTMLElement, limit = 100): void {
  list.append(item);
  while (list.childElementCount > limit) list.firstElementChild!.remove();
  list.scrollTop = list.scrollHeight;
}

function time(value: string | number): string {
  return new Date(value).toLocaleTimeString();
}

function pricesCard(): void {
  const card = element('#prices');
  const rows = new Map<string, HTMLTableRowElement>();
  const body = element('tbody', card);
  const prices = client.streamPrices();
  showStatus(card, prices);
  prices.on('priceUpdate', (update: PriceUpdate) => {
    let row = rows.get(update.symbol);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.symbol = update.symbol;
      row.append(create('td', 'symbol', update.symbol), create('td', 'num price', ''), create('td', 'num change', ''), create('td', 'num', ''));
      rows.set(update.symbol, row);
      body.append(row);
    }
    const [, price, change, updated] = row.cells;
    price!.textContent = update.price.toFixed(2);
    change!.textContent = `${update.change >= 0 ? '+' : ''}${update.change.toFixed(2)}`;
    change!.className = `num change ${update.change >= 0 ? 'up' : 'down'}`;
    updated!.textContent = time(update.timestamp);
    row.classList.remove('flash');
    void row.offsetWidth;
    row.classList.add('flash');
  });
}

function taskCard(): void {
  const card = element('#task');
  const button = element<HTMLButtonElement>('#start-task', card);
  const bar = element('.progress', card);
  const show = (task: TaskProgress) => {
    const percent = Math.round(task.progress * 100);
    bar.className = `progress ${task.status}`;
    bar.setAttribute('aria-valuenow', String(percent));
    element('div', bar).style.width = `${percent}%`;
    element('.task-percent', card).textContent = `${percent}%`;
    element('.task-message', card).textContent = `${task.status} · ${task.message}`;
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { taskId } = await client.createTask({ body: {} });
      const progress = client.streamTaskProgress({ params: { taskId } });
      showStatus(card, progress);
      progress.on('progress', (task) => {
        show(task);
        if (task.status === 'running') return;
        progress.close();
        setState(card, task.status === 'completed' ? 'open' : 'error', task.status);
        button.disabled = false;
      });
    } catch (error) {
      setState(card, 'error', String(error));
      button.disabled = false;
    }
  });
}

function chatCard(): void {
  const card = element('#chat');
  const list = element('.messages', card);
  const members = new Set<string>();
  const channel = 'general';
  const showMembers = () => {
    element('.members', card).textContent = members.size ? `In the room: ${[...members].sort().join(', ')}` : 'Nobody here yet';
  };
  const append = (item: HTMLElement) => appendLimited(list, item, Infinity);
  // lastEventId 0 replays the room's recent history on first load.
  const room = client.streamChatRoom({ params: { channel }, lastEventId: '0' });
  showStatus(card, room);
  room.on('join', ({ userId }) => {
    if (members.has(userId)) return;
    members.add(userId);
    showMembers();
    append(create('li', 'system', `${userId} joined`));
  });
  room.on('leave', ({ userId }) => {
    members.delete(userId);
    showMembers();
    append(create('li', 'system', `${userId} left`));
  });
  room.onReset(() => {
    members.clear();
    showMembers();
    append(create('li', 'system', 'Some history could not be replayed'));
  });
  room.on('message', (message) => {
    const item = create('li', 'message', message.content);
    item.prepend(create('span', 'who', message.userId));
    item.title = time(message.timestamp);
    append(item);
  });
  const typing = new Map<string, ReturnType<typeof setTimeout>>();
  const showTyping = () => {
    const names = [...typing.keys()].sort();
    element('.typing', card).textContent = names.length ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…` : '';
  };
  room.on('typing', ({ userId }) => {
    clearTimeout(typing.get(userId));
    typing.set(userId, setTimeout(() => typing.delete(userId) && showTyping(), 3000));
    showTyping();
  });
  const form = element<HTMLFormElement>('#chat-form', card);
  let lastTypingNotice = 0;
  form.addEventListener('input', () => {
    if (Date.now() - lastTypingNotice < 2000) return;
    lastTypingNotice = Date.now();
    void client.postChannelMessage({ params: { channel }, body: { typing: true } }).catch(() => {});
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = element<HTMLInputElement>('input', form);
    const content = input.value;
    if (!content.trim()) return;
    input.value = '';
    try {
      await client.postChannelMessage({ params: { channel }, body: { content } });
    } catch (error) {
      append(create('li', 'system', `Not sent: ${String(error)}`));
    }
  });
}

function metricsCard(): void {
  const card = element('#metrics');
  const history: number[] = [];
  const figure = (name: string, value: string) => {
    element(`[data-figure="${name}"]`, card).textContent = value;
  };
  if (!may.admin) {
    lock(card, 'admin only');
    return;
  }
  const metrics = client.streamMetrics();
  showStatus(card, metrics);
  metrics.on('metrics', (sample) => {
    history.push(sample.eventsPerSecond);
    if (history.length > 60) history.shift();
    const peak = Math.max(1, ...history);
    const points = history.map((value, i) => `${(i / 59) * 300},${60 - (value / peak) * 56 - 2}`);
    element('polyline', card).setAttribute('points', points.join(' '));
    const open = Object.values(sample.connections).reduce((total, count) => total + count, 0);
    figure('eventsPerSecond', String(sample.eventsPerSecond));
    figure('bytesPerSecond', `${(sample.bytesPerSecond / 1024).toFixed(1)} KiB`);
    figure('connections', String(open));
    figure('rss', `${Math.round(sample.rssBytes / 1048576)} MiB`);
    figure('loopDelay', `${sample.eventLoopDelayMs.p99} ms`);
  });
}

function notificationsCard(): void {
  const card = element('#notifications');
  if (!may.notifications) {
    lock(card, 'users only');
    return;
  }
  const list = element('.messages', card);
  const notifications = client.streamNotifications();
  showStatus(card, notifications);
  const show = (notification: Notification) => {
    const item = create('li', 'message', notification.body);
    item.prepend(create('span', 'who', notification.title));
    item.title = time(notification.createdAt);
    appendLimited(list, item);
  };
  notifications.on('unread', show);
  notifications.on('new', show);
  const button = element<HTMLButtonElement>('#notify-me', card);
  button.addEventListener('click', () => {
    const body = { userId: identity, type: 'demo', title: 'Hello', body: `Sent at ${time(Date.now())}` };
    client.createNotification({ body }).catch((error: unknown) => appendLimited(list, create('li', 'system', `Not sent: ${String(error)}`)));
  });
}

function logsCard(): void {
  const card = element('#logs');
  if (!may.admin) {
    lock(card, 'admin only');
    return;
  }
  const list = element('.messages', card);
  const logs = client.streamLogs({ query: { follow: true } });
  showStatus(card, logs);
  logs.on('log', (entry: LogEntry) => {
    const item = create('li', 'entry', `${time(entry.timestamp)} ${entry.level} ${entry.service} ${entry.message}`);
    item.dataset.level = entry.level;
    appendLimited(list, item);
  });
}

function identityPicker(): void {
  const select = element<HTMLSelectElement>('#identity');
  select.value = identity;
  select.addEventListener('change', () => {
    localStorage.setItem('identity', select.value);
    const url = new URL(location.href);
    url.searchParams.delete('as');
    location.assign(url);
  });
}

identityPicker();
pricesCard();
taskCard();
chatCard();
metricsCard();
notificationsCard();
logsCard();
