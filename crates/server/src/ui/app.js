// Canopy's API explorer. Everything it shows is built from /types/metadata when the page loads, and everything
// the service answers reaches the page as text (textContent, text nodes, form values), never parsed as markup.
// The bearer token lives in this script's memory only: requests go out without cookies (credentials: 'omit'), so
// what a run sends is exactly what "copy as curl" shows.
'use strict';

(() => {
  const state = {
    types: new Map(), // type name -> MetadataType
    operations: [], // { request, routes, actions, tags, requiresAuth, returnsVoid, ... }
    current: null,
    token: null,
    refreshToken: null,
    user: null,
  };

  const NUMERIC = new Set([
    'Byte', 'SByte', 'Int16', 'Int32', 'Int64', 'UInt16', 'UInt32', 'UInt64', 'Single', 'Double', 'Decimal',
  ]);
  const INTEGER = new Set(['Byte', 'SByte', 'Int16', 'Int32', 'Int64', 'UInt16', 'UInt32', 'UInt64']);
  const BODY_VERBS = new Set(['POST', 'PUT', 'PATCH']);

  const $ = (id) => document.getElementById(id);

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child !== undefined && child !== null) node.append(child);
    }
    return node;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  // ---- reading the metadata ----------------------------------------------------------------------------------

  /** The type name as a reader would write it: List<String>, Dictionary<String,Value>. */
  function typeLabel(prop) {
    const args = prop.genericArgs || [];
    const base = String(prop.type || '').replace(/`\d+$/, '');
    return args.length ? `${base}<${args.join(',')}>` : base;
  }

  function isEnum(name) {
    const type = state.types.get(name);
    return !!(type && type.isEnum);
  }

  function isScalar(name) {
    return NUMERIC.has(name) || isEnum(name) || !state.types.has(name);
  }

  /** Which input a request member gets. */
  function inputKind(prop) {
    const type = String(prop.type || '');
    const args = prop.genericArgs || [];
    if (type === 'Boolean') return 'bool';
    if (NUMERIC.has(type)) return 'number';
    if (isEnum(type)) return 'enum';
    if (type.endsWith('[]')) return isScalar(type.slice(0, -2)) && !type.startsWith('Dictionary') ? 'list' : 'json';
    if (/^(List|IList|IEnumerable|ICollection|HashSet)`1$/.test(type)) {
      return args.length === 1 && isScalar(args[0]) ? 'list' : 'json';
    }
    if (type.startsWith('Dictionary`') || type.startsWith('IDictionary`') || type === 'Object') return 'json';
    if (state.types.has(type)) return 'json';
    return 'text'; // String, DateTime, TimeSpan, Guid and the like travel as text
  }

  function firstRoute(op) {
    const route = (op.routes && op.routes[0]) || { path: `/json/reply/${op.request.name}`, verbs: 'POST' };
    let verb = String(route.verbs || '').split(',')[0].trim().toUpperCase();
    if (!verb || verb === 'ANY') verb = (op.actions && op.actions[0] && op.actions[0] !== 'ANY') ? op.actions[0] : 'POST';
    return { path: route.path, verb };
  }

  function pathMembers(path) {
    return Array.from(path.matchAll(/\{([^}*]+)\*?\}/g), (m) => m[1].toLowerCase());
  }

  async function loadMetadata() {
    const response = await fetch('/types/metadata', {
      credentials: 'omit',
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`GET /types/metadata answered ${response.status}`);
    const metadata = await response.json();
    for (const type of metadata.types || []) state.types.set(type.name, type);
    state.operations = (metadata.operations || []).filter((op) => op && op.request && op.request.name);
  }

  // ---- the list of operations --------------------------------------------------------------------------------

  function renderGroups() {
    const groups = new Map();
    for (const op of state.operations) {
      const tag = (op.tags && op.tags[0]) || 'Other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(op);
    }
    const container = $('op-groups');
    container.replaceChildren();
    for (const [tag, ops] of groups) {
      const list = el('ul', { class: 'ops' });
      for (const op of ops) {
        const { verb } = firstRoute(op);
        const link = el('a', { href: `#${encodeURIComponent(op.request.name)}`, 'data-op': op.request.name },
          el('span', { class: `verb verb-${verb.toLowerCase()}`, text: verb }),
          el('span', { class: 'op-label', text: op.request.name }));
        list.append(el('li', { 'data-op': op.request.name }, link));
      }
      container.append(el('details', { class: 'group', open: true, 'data-group': tag },
        el('summary', { text: tag }), list));
    }
    $('welcome-text').textContent =
      `${state.operations.length} operations in ${groups.size} groups. Pick one on the left; ` +
      'most need a sign-in first (top right).';
  }

  function filterGroups() {
    const needle = $('op-filter').value.trim().toLowerCase();
    for (const group of $('op-groups').querySelectorAll('details.group')) {
      let any = false;
      for (const item of group.querySelectorAll('li[data-op]')) {
        const hit = !needle || item.dataset.op.toLowerCase().includes(needle);
        show(item, hit);
        any = any || hit;
      }
      show(group, any);
    }
  }

  // ---- one operation's form ----------------------------------------------------------------------------------

  function fieldFor(prop, inPath) {
    const kind = inputKind(prop);
    const id = `f-${prop.name}`;
    let input;
    let note = null;
    switch (kind) {
      case 'bool': {
        input = el('input', { type: 'checkbox', id, 'data-kind': kind });
        note = el('span', { class: 'note', text: 'not sent' });
        input.addEventListener('change', () => {
          input.dataset.touched = '1';
          note.textContent = `sends ${input.checked}`;
        });
        break;
      }
      case 'number':
        input = el('input', { type: 'number', id, 'data-kind': kind, step: INTEGER.has(prop.type) ? '1' : 'any' });
        break;
      case 'enum': {
        input = el('select', { id, 'data-kind': kind }, el('option', { value: '', text: '' }));
        for (const name of state.types.get(prop.type).enumNames || []) {
          input.append(el('option', { value: name, text: name }));
        }
        break;
      }
      case 'list':
        input = el('input', { type: 'text', id, 'data-kind': kind, placeholder: 'comma-separated' });
        break;
      case 'json':
        input = el('textarea', { id, 'data-kind': kind, rows: 3, spellcheck: 'false', placeholder: 'JSON' });
        break;
      default:
        input = el('input', { type: 'text', id, 'data-kind': kind });
    }
    input.dataset.name = prop.name;
    if (prop.genericArgs && prop.genericArgs[0]) input.dataset.element = prop.genericArgs[0];
    const label = el('label', { for: id },
      el('span', { class: 'name', text: prop.name }),
      el('span', { class: 'type', text: typeLabel(prop) }),
      inPath ? el('span', { class: 'tag', text: 'path' }) : null,
      prop.isRequired ? el('span', { class: 'tag required', text: 'required' }) : null);
    return el('div', { class: `field field-${kind}` },
      label,
      el('div', { class: 'control' }, input, note),
      prop.description ? el('div', { class: 'description', text: prop.description }) : null);
  }

  function selectOperation(name) {
    const op = state.operations.find((o) => o.request.name === name);
    show($('welcome'), !op);
    show($('operation'), !!op);
    for (const link of $('op-groups').querySelectorAll('a[data-op]')) {
      link.classList.toggle('active', !!op && link.dataset.op === name);
    }
    state.current = op || null;
    if (!op) return;
    const { path, verb } = firstRoute(op);
    const inPath = new Set(pathMembers(path));
    $('op-name').textContent = op.request.name;
    $('op-route').textContent = `${verb} ${path}`;
    $('op-auth').textContent = op.requiresAuth ? 'sign-in needed' : 'open';
    $('op-auth').className = op.requiresAuth ? 'badge badge-auth' : 'badge';
    $('op-description').textContent = op.request.description || '';
    const fields = $('op-fields');
    fields.replaceChildren();
    const props = op.request.properties || [];
    if (!props.length) fields.append(el('p', { class: 'note', text: 'This operation takes no members.' }));
    for (const prop of props) fields.append(fieldFor(prop, inPath.has(prop.name.toLowerCase())));
    clearAnswer();
    $('copy-note').textContent = '';
    updateCurl();
  }

  // ---- building the request ----------------------------------------------------------------------------------

  class FormError extends Error {}

  function readValue(input) {
    const kind = input.dataset.kind;
    const name = input.dataset.name;
    const raw = input.value;
    switch (kind) {
      case 'bool':
        return input.dataset.touched ? input.checked : undefined;
      case 'number': {
        if (raw.trim() === '') return undefined;
        const value = Number(raw);
        if (!Number.isFinite(value)) throw new FormError(`${name}: not a number`);
        return value;
      }
      case 'list': {
        const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
        if (!items.length) return undefined;
        return NUMERIC.has(input.dataset.element || '') ? items.map(Number) : items;
      }
      case 'json': {
        if (raw.trim() === '') return undefined;
        try {
          return JSON.parse(raw);
        } catch (e) {
          throw new FormError(`${name}: not valid JSON (${e.message})`);
        }
      }
      default:
        return raw === '' ? undefined : raw;
    }
  }

  function queryValue(value) {
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
    if (value !== null && typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  function csvWanted() {
    return $('format-csv').checked;
  }

  /** The request a run sends: method, absolute URL, headers and body. Throws FormError for bad input. */
  function buildRequest() {
    const op = state.current;
    const { path, verb } = firstRoute(op);
    const values = new Map();
    for (const input of $('op-fields').querySelectorAll('[data-name]')) {
      const value = readValue(input);
      if (value !== undefined) values.set(input.dataset.name, value);
    }
    const used = new Set();
    const filled = path.replace(/\{([^}*]+)(\*?)\}/g, (match, member, wildcard) => {
      const key = [...values.keys()].find((k) => k.toLowerCase() === member.toLowerCase());
      if (key === undefined) throw new FormError(`${member} is part of the path: fill it in`);
      used.add(key);
      const text = queryValue(values.get(key));
      return wildcard ? text.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(text);
    });
    const rest = [...values.entries()].filter(([k]) => !used.has(k));
    const query = [];
    let body = null;
    if (BODY_VERBS.has(verb)) {
      body = JSON.stringify(Object.fromEntries(rest));
    } else {
      for (const [k, v] of rest) query.push(`${encodeURIComponent(k)}=${encodeURIComponent(queryValue(v))}`);
    }
    if (csvWanted()) query.push('format=csv');
    const url = `${window.location.origin}${filled}${query.length ? `?${query.join('&')}` : ''}`;
    const headers = { Accept: csvWanted() ? 'text/csv' : 'application/json' };
    if (body !== null) headers['Content-Type'] = 'application/json';
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    return { method: verb, url, headers, body };
  }

  function shellQuote(text) {
    return `'${String(text).replace(/'/g, "'\\''")}'`;
  }

  function curlCommand(request) {
    const parts = ['curl', '-s'];
    if (request.method !== 'GET') parts.push('-X', request.method);
    parts.push(shellQuote(request.url));
    for (const [name, value] of Object.entries(request.headers)) parts.push('-H', shellQuote(`${name}: ${value}`));
    if (request.body !== null) parts.push('-d', shellQuote(request.body));
    return parts.join(' ');
  }

  function updateCurl() {
    if (!state.current) return;
    try {
      $('curl').value = curlCommand(buildRequest());
    } catch (e) {
      if (!(e instanceof FormError)) throw e;
      $('curl').value = `# ${e.message}`;
    }
  }

  async function copyCurl() {
    updateCurl();
    const text = $('curl').value;
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        copied = true;
      }
    } catch (_) {
      copied = false;
    }
    if (!copied) {
      $('curl').focus();
      $('curl').select();
      try {
        copied = document.execCommand('copy');
      } catch (_) {
        copied = false;
      }
    }
    $('copy-note').textContent = copied ? 'copied' : 'selected: press Ctrl+C to copy';
  }

  // ---- sending it --------------------------------------------------------------------------------------------

  async function send(request) {
    return fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body === null ? undefined : request.body,
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'manual',
    });
  }

  /** A 401 with a refresh token at hand: trade it for a new bearer token, once. */
  async function renewToken() {
    if (!state.refreshToken) return false;
    const response = await fetch('/access-token', {
      method: 'POST',
      credentials: 'omit',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: state.refreshToken }),
    });
    if (!response.ok) return false;
    const answer = await response.json().catch(() => ({}));
    if (!answer.accessToken) return false;
    state.token = answer.accessToken;
    return true;
  }

  async function run(event) {
    event.preventDefault();
    if (!state.current) return;
    let request;
    try {
      request = buildRequest();
    } catch (e) {
      if (!(e instanceof FormError)) throw e;
      showAnswer({ status: 0, statusText: e.message, contentType: '', text: '', elapsed: null });
      return;
    }
    $('curl').value = curlCommand(request);
    clearAnswer();
    $('answer').dataset.state = 'running';
    $('run').disabled = true;
    const started = performance.now();
    try {
      let response = await send(request);
      if (response.status === 401 && state.token && (await renewToken())) {
        request.headers.Authorization = `Bearer ${state.token}`;
        $('curl').value = curlCommand(request);
        response = await send(request);
      }
      const text = await response.text();
      showAnswer({
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get('content-type') || '',
        text,
        elapsed: performance.now() - started,
      });
    } catch (e) {
      showAnswer({ status: 0, statusText: `request failed: ${e.message}`, contentType: '', text: '', elapsed: null });
    } finally {
      $('run').disabled = false;
    }
  }

  // ---- showing the answer ------------------------------------------------------------------------------------

  /** RFC 4180: quoted fields, doubled quotes, line breaks inside quotes. */
  function parseCsv(text) {
    const rows = [];
    let row = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else {
            quoted = false;
          }
        } else {
          field += c;
        }
      } else if (c === '"') {
        quoted = true;
      } else if (c === ',') {
        row.push(field);
        field = '';
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        row.push(field);
        rows.push(row);
        row = [];
        field = '';
      } else {
        field += c;
      }
    }
    if (field !== '' || row.length) {
      row.push(field);
      rows.push(row);
    }
    return rows;
  }

  function cellText(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  }

  function buildTable(columns, rows, kind) {
    const head = el('tr', {}, ...columns.map((c) => el('th', { scope: 'col', text: c })));
    const body = el('tbody');
    for (const row of rows) {
      body.append(el('tr', {}, ...columns.map((_, i) => {
        const text = row[i];
        const short = text.length > 160 ? `${text.slice(0, 157)}…` : text;
        return el('td', { title: short !== text ? text : null, text: short });
      })));
    }
    return el('table', { class: `results results-${kind}` }, el('thead', {}, head), body);
  }

  /** The first list of objects in a JSON answer (the answer itself, or a member such as `items`). */
  function rowsOf(answer) {
    const isRows = (v) => Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object' && !Array.isArray(x));
    if (isRows(answer)) return { name: '', list: answer };
    if (answer && typeof answer === 'object') {
      for (const [name, value] of Object.entries(answer)) if (isRows(value)) return { name, list: value };
    }
    return null;
  }

  /** Forgets the last answer, so that nothing stale is shown while another runs (or for another operation). */
  function clearAnswer() {
    show($('answer'), false);
    delete $('answer').dataset.state;
    $('answer-status').textContent = '';
    $('answer-meta').textContent = '';
    $('answer-table').replaceChildren();
    $('answer-body').textContent = '';
  }

  function showAnswer({ status, statusText, contentType, text, elapsed }) {
    show($('answer'), true);
    $('answer').dataset.state = 'done';
    const status$ = $('answer-status');
    status$.textContent = status ? `${status} ${statusText || ''}`.trim() : statusText;
    status$.className = `status ${status >= 200 && status < 300 ? 'ok' : 'bad'}`;
    const meta = [];
    if (contentType) meta.push(contentType);
    if (elapsed !== null && elapsed !== undefined) meta.push(`${Math.round(elapsed)} ms`);
    $('answer-meta').textContent = meta.join(' · ');
    const tableWrap = $('answer-table');
    tableWrap.replaceChildren();
    const body = $('answer-body');
    body.textContent = '';
    const type = contentType.toLowerCase();
    if (type.includes('json')) {
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch (_) {
        body.textContent = text;
        return;
      }
      body.textContent = JSON.stringify(parsed, null, 2);
      const rows = rowsOf(parsed);
      if (rows) {
        const columns = [];
        for (const item of rows.list) for (const key of Object.keys(item)) if (!columns.includes(key)) columns.push(key);
        tableWrap.append(
          el('div', { class: 'note', text: `${rows.name || 'answer'}: ${rows.list.length} row(s)` }),
          buildTable(columns, rows.list.map((item) => columns.map((c) => cellText(item[c]))), 'json'));
      }
    } else if (type.includes('csv')) {
      body.textContent = text;
      const rows = parseCsv(text);
      if (rows.length) {
        const [columns, ...data] = rows;
        const width = columns.length;
        const padded = data.map((r) => Array.from({ length: width }, (_, i) => (r[i] === undefined ? '' : r[i])));
        tableWrap.append(
          el('div', { class: 'note', text: `CSV: ${data.length} row(s)` }),
          buildTable(columns, padded, 'csv'));
      }
    } else {
      body.textContent = text || (status === 204 ? '(no content)' : '');
    }
  }

  // ---- signing in --------------------------------------------------------------------------------------------

  function renderSession() {
    const signedIn = !!state.token;
    show($('signin'), !signedIn);
    show($('signed-in'), signedIn);
    if (signedIn && state.user) {
      const roles = state.user.roles && state.user.roles.length ? ` (${state.user.roles.join(', ')})` : '';
      $('who').textContent = `Signed in as ${state.user.displayName || state.user.userName}${roles}`;
    }
    updateCurl();
  }

  function errorMessage(answer, response) {
    const status = answer && answer.responseStatus;
    return (status && status.message) || `${response.status} ${response.statusText}`;
  }

  async function signIn(event) {
    event.preventDefault();
    const error = $('signin-error');
    show(error, false);
    $('signin-submit').disabled = true;
    try {
      const userName = $('signin-user').value;
      const response = await fetch('/auth/credentials', {
        method: 'POST',
        credentials: 'omit',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({ userName, password: $('signin-password').value }),
      });
      const answer = await response.json().catch(() => null);
      if (!response.ok || !answer || !answer.bearerToken) {
        error.textContent = `Sign-in failed: ${errorMessage(answer, response)}`;
        show(error, true);
        return;
      }
      state.token = answer.bearerToken;
      state.refreshToken = answer.refreshToken || null;
      state.user = { userName: answer.userName || userName, displayName: answer.displayName, roles: answer.roles || [] };
      $('signin-password').value = '';
      renderSession();
    } catch (e) {
      error.textContent = `Sign-in failed: ${e.message}`;
      show(error, true);
    } finally {
      $('signin-submit').disabled = false;
    }
  }

  async function signOut() {
    const token = state.token;
    state.token = null;
    state.refreshToken = null;
    state.user = null;
    renderSession();
    if (token) {
      // Ends the session on the server too, so the forgotten token is also dead.
      await fetch('/auth/logout', {
        method: 'POST',
        credentials: 'omit',
        headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
      }).catch(() => {});
    }
  }

  // ---- wiring ------------------------------------------------------------------------------------------------

  function fromHash() {
    const name = decodeURIComponent(window.location.hash.replace(/^#/, ''));
    selectOperation(name);
  }

  async function start() {
    $('signin').addEventListener('submit', signIn);
    $('signout').addEventListener('click', signOut);
    $('op-filter').addEventListener('input', filterGroups);
    $('op-form').addEventListener('submit', run);
    $('op-form').addEventListener('input', updateCurl);
    $('op-form').addEventListener('change', updateCurl);
    $('copy-curl').addEventListener('click', copyCurl);
    window.addEventListener('hashchange', fromHash);
    renderSession();
    try {
      await loadMetadata();
    } catch (e) {
      $('welcome-text').textContent = `Could not read the metadata: ${e.message}`;
      return;
    }
    renderGroups();
    fromHash();
    document.body.dataset.ready = '1';
  }

  document.addEventListener('DOMContentLoaded', start);
})();
