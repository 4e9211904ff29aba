// tradeprice merchant console: plain JavaScript, no framework, no third-party code.
// The staff member's access token lives in this module's memory only: never in storage, cookies or URLs.

const API = location.pathname.replace(/\/console\/?$/, "");
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

let session = null; // {token, email, scopes, expiresAt}
let expiryTimer = null;

// ---------------------------------------------------------------------------------------------------------------
// Small DOM helpers (text only: nothing from the API is ever parsed as HTML)

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function table(caption, headers, rows, options = {}) {
  const head = el("tr", {}, headers.map((header) => el("th", { scope: "col" }, header)));
  const body = rows.map((row) => el("tr", { class: row.className || null }, row.cells.map((cell) => el("td", {}, cell))));
  return el(
    "div",
    { class: "table-wrap" },
    el("table", { class: options.className || null },
      el("caption", { class: options.showCaption ? null : "visually-hidden" }, caption),
      el("thead", {}, head),
      el("tbody", {}, body.length ? body : el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, options.empty || "Nothing yet."))),
    ),
  );
}

function replace(container, ...children) {
  container.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));
}

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function notice(text) {
  $("#notice").textContent = text;
}

// ---------------------------------------------------------------------------------------------------------------
// The API: RFC 7807 problems become sentences a merchant can act on, naming the field at fault.

class Problem extends Error {
  constructor(status, body) {
    super(describeProblem(status, body));
    this.status = status;
    this.body = body;
  }
}

const FIELD_WORDS = {
  price_list: "Price list", kind: "What the file holds", mode: "Mode", filename: "File", email: "Email",
  password: "Password", new_password: "New password", name: "Who will hold it", scopes: "What it may do",
  customer_id: "Customer id", lines: "Cart", sku: "SKU", qty: "Quantity", profile: "ERP",
};

function fieldWords(field) {
  if (!field) return "";
  const parts = String(field).replace(/^body\.?/, "").split(".").filter(Boolean);
  const line = parts.findIndex((part) => part === "lines");
  if (line >= 0 && /^\d+$/.test(parts[line + 1] || "")) {
    const rest = parts.slice(line + 2).map((part) => FIELD_WORDS[part] || part).join(" ");
    return `Cart line ${Number(parts[line + 1]) + 1}${rest ? ` (${rest})` : ""}`;
  }
  return parts.map((part) => FIELD_WORDS[part] || part.replaceAll("_", " ")).join(" ") || "";
}

function describeProblem(status, body) {
  if (status === 401) return "Your session has ended or was not recognised. Please sign in again.";
  if (status === 403) return "Your account may not do this. Ask an admin if you need it.";
  if (status === 429) return "Too many requests just now. Wait a moment and try again.";
  if (status >= 500) return "Something went wrong on our side. Try again in a moment; if it keeps happening, tell your admin.";
  const errors = (body && Array.isArray(body.errors)) ? body.errors : [];
  if (errors.length) {
    return errors.slice(0, 3).map((error) => {
      const field = fieldWords(error.field);
      const reason = error.reason || error.message || "is not valid";
      return field ? `${field}: ${reason}.` : `${reason}.`;
    }).join(" ") + (errors.length > 3 ? ` (${errors.length - 3} more)` : "");
  }
  const detail = (body && (body.detail || body.title)) || `The request failed (${status}).`;
  return detail.charAt(0).toUpperCase() + detail.slice(1) + (detail.endsWith(".") ? "" : ".");
}

async function api(method, path, body, options = {}) {
  const headers = { Accept: options.accept || "application/json" };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`${API}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit", cache: "no-store" });
  } catch {
    throw new Problem(0, { detail: "the console could not reach the API: check your connection" });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let document = null;
  try { document = text ? JSON.parse(text) : null; } catch { document = null; }
  if (!response.ok && !(options.okStatuses || []).includes(response.status)) {
    if (response.status === 401 && session && !options.signingIn) endSession("Your session has ended. Please sign in again.");
    throw new Problem(response.status, document);
  }
  return options.raw ? { status: response.status, document, text, response } : document;
}

function showError(target, error) {
  const message = error instanceof Problem ? error.message : `Something unexpected happened: ${error.message}`;
  $(target).textContent = message;
}

// ---------------------------------------------------------------------------------------------------------------
// Sign-in: per person, a short-lived session kept in memory.

let pendingChallenge = null;

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  $("#sign-in-error").textContent = "";
  const email = form.email.value.trim();
  const password = form.password.value;
  if (!email || !password) {
    $("#sign-in-error").textContent = !email ? "Email: enter the email you sign in with." : "Password: enter your password.";
    (!email ? form.email : form.password).focus();
    return;
  }
  const body = { email, password };
  if (pendingChallenge) Object.assign(body, { new_password: form.new_password.value, session: pendingChallenge });
  try {
    const answer = await api("POST", "/v1/sessions", body, { signingIn: true });
    if (answer.status === "new_password_required") {
      pendingChallenge = answer.session;
      $("#new-password-field").hidden = false;
      $("#new-password").focus();
      $("#sign-in-error").textContent = "Welcome! Choose your own password to finish signing in.";
      return;
    }
    pendingChallenge = null;
    startSession(answer);
    form.reset();
  } catch (error) {
    if (error instanceof Problem && error.status === 401) {
      $("#sign-in-error").textContent = (error.body && error.body.detail)
        ? describeProblem(400, error.body)
        : "The email or password is not right.";
    } else {
      showError("#sign-in-error", error);
    }
    form.password.focus();
  }
}

function startSession(answer) {
  session = {
    token: answer.access_token,
    email: answer.staff.email,
    scopes: answer.staff.scopes,
    groups: answer.staff.groups,
    expiresAt: new Date(answer.staff.expires_at),
  };
  $("#who-email").textContent = `${session.email} · ${session.groups.join(", ") || "no group"}`;
  $("#who").hidden = false;
  $("#nav").hidden = false;
  for (const link of $$("[data-admin]")) link.hidden = !session.scopes.includes("admin");
  clearTimeout(expiryTimer);
  expiryTimer = setTimeout(() => endSession("Your session has ended. Please sign in again."), Math.max(0, session.expiresAt - Date.now()));
  notice(`Signed in as ${session.email}.`);
  if (!location.hash || location.hash === "#sign-in") location.hash = "#import";
  else route();
}

function endSession(message) {
  session = null;
  clearTimeout(expiryTimer);
  $("#who").hidden = true;
  $("#nav").hidden = true;
  notice(message || "Signed out.");
  show("sign-in");
}

async function signOut() {
  try { await api("DELETE", "/v1/sessions/current"); } catch { /* the session ends here either way */ }
  endSession("Signed out.");
}

// ---------------------------------------------------------------------------------------------------------------
// Views (hash routes)

const LOADERS = {
  import: loadImportForm,
  jobs: loadJobs,
  lists: loadLists,
  groups: loadGroups,
  customers: () => searchCustomers(""),
  preview: () => {},
  sync: loadSync,
  keys: loadKeys,
};

function show(name) {
  for (const view of $$(".view")) view.hidden = view.id !== `view-${name}`;
  for (const link of $$("#nav a")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function route() {
  if (!session) { show("sign-in"); return; }
  const name = (location.hash || "#import").slice(1).split("/")[0];
  if (!(name in LOADERS)) { location.hash = "#import"; return; }
  if (name === "keys" && !session.scopes.includes("admin")) {
    show("import");
    notice("API keys are managed by admins only.");
    return;
  }
  show(name);
  const heading = $(`#view-${name} h1`);
  if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: false }); }
  Promise.resolve(LOADERS[name]()).catch((error) => notice(error instanceof Problem ? error.message : String(error)));
}

// ---------------------------------------------------------------------------------------------------------------
// Import a file

let chosenFile = null;

async function loadImportForm() {
  const select = $("#import-list");
  const lists = await api("GET", "/v1/price-lists?limit=1000");
  const current = select.value; // read after the request: staff may have chosen meanwhile
  replace(
    select,
    el("option", { value: "" }, "Named in the file (price_list column)"),
    lists.items.map((list) => el("option", { value: list.slug }, `${list.name} (${list.slug}, ${list.currency})`)),
  );
  if (current) select.value = current;
  syncImportForm();
}

function syncImportForm() {
  const kind = $("#import-kind").value;
  const prices = kind === "prices" || kind.startsWith("profile:");
  $("#import-list-field").hidden = !prices;
  const replaceOption = $("input[name=mode][value=replace]");
  replaceOption.disabled = kind !== "prices";
  if (replaceOption.disabled && replaceOption.checked) $("input[name=mode][value=upsert]").checked = true;
}

function chooseFile(file) {
  chosenFile = file || null;
  $("#file-name").textContent = file ? `${file.name} (${formatBytes(file.size)})` : "No file chosen.";
}

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function importRequest(mode, force = false) {
  const kindChoice = $("#import-kind").value;
  const request = { mode, filename: chosenFile.name, force };
  if (kindChoice.startsWith("profile:")) {
    request.kind = "prices";
    request.profile = kindChoice.slice("profile:".length);
  } else {
    request.kind = kindChoice;
  }
  const list = $("#import-list").value;
  if (request.kind === "prices" && list) request.price_list = list;
  return request;
}

async function startImport(event) {
  event.preventDefault();
  $("#import-error").textContent = "";
  if (!chosenFile) {
    $("#import-error").textContent = "File: choose or drop a file to import first.";
    $("label[for=import-file]").focus();
    return;
  }
  const mode = $("input[name=mode]:checked").value;
  if (mode === "replace" && !$("#import-list").value) {
    $("#import-error").textContent = "Price list: replace works on one list; choose which one.";
    $("#import-list").focus();
    return;
  }
  const run = $("#import-run");
  run.hidden = false;
  try {
    if (mode === "replace") {
      const plan = await runImport(importRequest("dry_run"), "Dry run: what replacing the list would do");
      await offerReplace(plan);
    } else {
      await runImport(importRequest(mode), mode === "dry_run" ? "Dry run" : "Import");
    }
  } catch (error) {
    showError("#import-error", error);
  }
}

async function upload(instructions, file) {
  let response;
  try {
    response = await fetch(instructions.url, { method: "PUT", headers: instructions.headers, body: file, credentials: "omit" });
  } catch {
    throw new Problem(0, { detail: "the file could not be sent to storage: check your connection and try again" });
  }
  if (!response.ok) throw new Problem(response.status, { detail: `storage refused the file (${response.status}); try again` });
}

const STATUS_WORDS = {
  queued: "Waiting for the file", running: "Importing", succeeded: "Done", partially_succeeded: "Done, with rejected rows",
  failed: "Failed",
};
const PHASE_WORDS = { queued: "waiting for the file", validating: "checking rows", writing: "saving", removing: "removing SKUs not in the file", done: "finished" };

async function runImport(request, title) {
  const run = $("#import-run");
  const bar = el("progress", { id: "import-progress", max: 100, value: 0, "aria-label": `${title} progress` });
  const status = el("p", { id: "import-status", role: "status", "aria-live": "polite" }, "Uploading the file…");
  const results = el("div", { id: "import-results" });
  replace(run, el("h2", {}, title), el("div", { class: "progress-row" }, bar, el("span", { id: "import-percent" }, "0 %")), status, results);
  const created = await api("POST", "/v1/imports", request);
  await upload(created.upload, chosenFile);
  status.textContent = "File sent. Waiting for the import to start…";
  let job = created.job;
  while (job.status === "queued" || job.status === "running") {
    await new Promise((resolve) => setTimeout(resolve, 700));
    job = await api("GET", `/v1/imports/${encodeURIComponent(created.job_id)}`);
    bar.value = job.progress.percent;
    $("#import-percent").textContent = `${job.progress.percent} %`;
    status.textContent = `${STATUS_WORDS[job.status]}: ${PHASE_WORDS[job.progress.phase] || job.progress.phase}` +
      (job.progress.records_total ? ` (${job.progress.records_done} of ${job.progress.records_total} records)` : "");
  }
  bar.value = 100;
  $("#import-percent").textContent = "100 %";
  const dry = job.mode === "dry_run" && job.status !== "failed" ? " Dry run: nothing was written." : "";
  status.textContent = `${STATUS_WORDS[job.status] || job.status}.${dry}${job.failure || job.summary ? ` ${job.failure || job.summary}` : ""}`;
  status.className = job.status === "failed" ? "bad" : job.status === "succeeded" ? "good" : "warn";
  await showJobResults(job, results);
  return job;
}

function countsTable(job) {
  const c = job.counts;
  const dry = job.mode === "dry_run";
  return table("Row counts", ["Rows read", dry ? "Would write" : "Written", "Unchanged", "Rejected", dry ? "Would remove" : "Removed"], [
    { cells: [c.rows_read, c.rows_written, c.rows_unchanged, c.rows_rejected, c.rows_removed] },
  ], { className: "counts" });
}

async function fetchCsv(url) {
  const response = await fetch(url, { credentials: "omit" });
  if (!response.ok) throw new Problem(response.status, { detail: "the report could not be downloaded; its link may have expired" });
  return parseCsv((await response.text()).replace(/^\uFEFF/, ""));
}

function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') { field += '"'; i += 1; }
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") { row.push(field); field = ""; }
    else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i += 1;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += char;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  const [header = [], ...data] = rows;
  return data.filter((cells) => cells.some((cell) => cell !== "")).map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ""])));
}

const unquoteExcel = (value) => (/^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value);

async function showJobResults(job, container) {
  const parts = [countsTable(job)];
  if (job.report) {
    const rows = await fetchCsv(job.report.url);
    parts.push(
      el("h3", {}, `Rejected rows (${job.counts.rows_rejected})`),
      table("Rejected rows", ["Line", "Column", "Value", "Reason"],
        rows.slice(0, 200).map((row) => ({ cells: [row.line, row.column, unquoteExcel(row.value), row.reason] })),
        { className: "rejected" }),
      el("p", {}, el("a", { href: job.report.url, download: "", class: "button" }, "Download the error report (CSV)"),
        rows.length > 200 ? el("span", { class: "muted" }, ` The table shows the first 200 of ${rows.length}.`) : null),
    );
  }
  replace(container, parts);
}

async function loadPlan(job) {
  if (!job.plan) return [];
  return fetchCsv(job.plan.url);
}

function ladderCell(text) {
  // Plans write a ladder as "1:0.50 100:0.45"; staff read "1+ @ 0.50 · 100+ @ 0.45".
  return (text || "").replace(/(\d+):(-?[\d.]+)/g, "$1+ @ $2").replace(/\s*[|;]\s*|\s+(?=\d+\+)/g, " · ");
}

async function offerReplace(dryRun) {
  const results = $("#import-results");
  const plan = await loadPlan(dryRun);
  const removals = plan.filter((row) => row.action === "remove");
  const changes = plan.filter((row) => row.action !== "remove");
  const guardrail = dryRun.status === "failed";
  const blocked = dryRun.counts.rows_rejected > 0 && !guardrail;
  const section = el("div", { class: "plan" },
    el("h3", {}, "The plan"),
    el("p", {}, `${changes.length} SKU(s) would be created or changed, `, el("strong", { class: removals.length ? "bad" : null }, `${removals.length} removed`),
      ` from ${dryRun.price_list}.`),
    guardrail ? el("p", { class: "bad", role: "alert" }, el("strong", {}, "Guardrail: "), dryRun.failure || "this replace looks unsafe.") : null,
    blocked ? el("p", { class: "warn" }, "Some rows were rejected: a replace with rejected rows removes nothing. Fix the file and try again, or apply to update the good rows only.") : null,
    table("Planned changes, old to new", ["Action", "Line", "SKU", "Old", "New"],
      plan.slice(0, 300).map((row) => ({
        className: row.action === "remove" ? "remove" : null,
        cells: [row.action, row.line, row.key.replace(/^[^/]+\//, ""), ladderCell(row.old), ladderCell(row.new)],
      })), { empty: "No change: the list already matches the file." }),
  );
  const confirm = el("button", { type: "button", class: "primary", id: "replace-confirm" }, guardrail ? "Replace anyway…" : "Apply the replace");
  const cancel = el("button", { type: "button", id: "replace-cancel" }, "Cancel");
  const buttons = el("div", { class: "actions" }, confirm, cancel);
  results.append(section, buttons);
  confirm.focus();
  return new Promise((resolve) => {
    cancel.addEventListener("click", () => { buttons.remove(); notice("Replace cancelled: nothing was changed."); resolve(null); });
    confirm.addEventListener("click", async () => {
      if (guardrail) {
        // Forcing past a guardrail takes a second, explicit confirmation.
        replace(buttons,
          el("p", { class: "bad" }, `This goes past the guardrail: ${dryRun.failure || ""}`),
          el("label", { class: "check" }, el("input", { type: "checkbox", id: "force-understood" }), " I have checked the flagged changes and want them applied."),
          el("button", { type: "button", class: "danger", id: "replace-force" , disabled: true }, "Force the replace"),
          cancel);
        const understood = $("#force-understood");
        const force = $("#replace-force");
        understood.addEventListener("change", () => { force.disabled = !understood.checked; });
        understood.focus();
        force.addEventListener("click", async () => {
          buttons.remove();
          resolve(await runImport(importRequest("replace", true), "Replace (forced)").catch((error) => showError("#import-error", error)));
        });
        return;
      }
      buttons.remove();
      resolve(await runImport(importRequest("replace"), "Replace").catch((error) => showError("#import-error", error)));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Jobs, newest first

let jobsNext = null;

async function loadJobs(more = false) {
  const page = await api("GET", more && jobsNext ? jobsNext.replace(/^.*?\/v1\//, "/v1/") : "/v1/imports?limit=25");
  jobsNext = page.links.next;
  const rows = page.items.map((job) => ({
    className: job.status === "failed" ? "bad-row" : null,
    cells: [
      when(job.created_at), (job.started_by || "").replace(/^(staff|key):/, ""),
      job.key.split("/").pop().replace(/^[0-9a-f-]{8,}-/, ""), `${job.kind}${job.price_list ? ` → ${job.price_list}` : ""}`,
      job.mode.replace("_", " "), STATUS_WORDS[job.status] || job.status,
      `${job.counts.rows_written} written, ${job.counts.rows_rejected} rejected`,
      job.report ? el("a", { href: job.report.url }, "Error report") : "",
    ],
  }));
  const container = $("#jobs-table");
  const built = table("Imports, newest first", ["When", "Who", "File", "What", "Mode", "Status", "Counts", "Report"], rows, { empty: "No imports yet." });
  if (more) $("tbody", container).append(...$$("tbody tr", built));
  else replace(container, built);
  $("#jobs-more").hidden = !jobsNext;
}

// ---------------------------------------------------------------------------------------------------------------
// Browse: price lists, a list's prices, one SKU everywhere, groups, customers

function derivation(list) {
  if (!list.rules) return "Its own prices";
  const parts = [`From ${list.rules.source}`];
  if (list.rules.adjustment_percent && Number(list.rules.adjustment_percent) !== 0) parts.push(`${list.rules.adjustment_percent} %`);
  if (list.rules.fx_rate && list.rules.fx_rate !== "1") parts.push(`× ${list.rules.fx_rate} (currency)`);
  if (list.rules.rounding) parts.push(`rounded ${typeof list.rules.rounding === "string" ? list.rules.rounding : JSON.stringify(list.rules.rounding)}`);
  return parts.join(", ");
}

function ladderText(tiers) {
  return tiers.map((tier) => `${tier.min_qty}+ @ ${tier.price ?? tier.unit_price}`).join(" · ");
}

async function loadLists() {
  const lists = await api("GET", "/v1/price-lists?limit=1000");
  replace($("#lists-table"), table("Price lists", ["List", "Name", "Currency", "Derivation", ""], lists.items.map((list) => ({
    cells: [list.slug, list.name, list.currency, derivation(list),
      el("button", { type: "button", class: "link", onclick: () => showList(list) }, `Prices of ${list.slug}`)],
  }))));
}

async function showList(list) {
  const detail = $("#list-detail");
  const form = el("form", { class: "inline", role: "search", novalidate: true },
    el("div", { class: "field" }, el("label", { for: "list-sku" }, `Find a SKU on ${list.slug}`), el("input", { id: "list-sku", type: "search", autocomplete: "off" })),
    el("button", { type: "submit" }, "Find"),
    el("button", { type: "button", id: "export-csv", onclick: () => exportCsv(list).catch((error) => notice(error.message)) }, "Export as CSV"));
  const results = el("div", { id: "list-prices" });
  replace(detail, el("h2", { tabindex: "-1", id: "list-heading" }, `${list.name} (${list.slug})`), el("p", { class: "muted" }, derivation(list)), form, results);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await listPrices(list, $("#list-sku").value.trim(), results);
  });
  $("#list-heading").focus();
  await listPrices(list, "", results);
}

async function listPrices(list, sku, container) {
  let items;
  if (sku) {
    const found = await api("GET", `/v1/price-lists/${encodeURIComponent(list.slug)}/prices/${encodeURIComponent(sku)}`, undefined, { okStatuses: [404], raw: true });
    items = found.status === 404 ? [] : [found.document];
  } else {
    items = (await api("GET", `/v1/price-lists/${encodeURIComponent(list.slug)}/prices?limit=100`)).items;
  }
  replace(container, table(`Prices on ${list.slug}`, ["SKU", "Ladder (quantity + @ unit price)"], items.map((item) => ({
    cells: [item.sku, ladderText(item.tiers)],
  })), { empty: sku ? `No price for ${sku} on ${list.slug}.` : "No prices on this list." }));
}

async function exportCsv(list) {
  const pages = [];
  let path = `/v1/price-lists/${encodeURIComponent(list.slug)}/prices?limit=1000`;
  while (path) {
    const answer = await api("GET", path, undefined, { accept: "text/csv", raw: true });
    const text = answer.text.replace(/^\uFEFF/, "");
    pages.push(pages.length ? text.slice(text.indexOf("\n") + 1) : text);
    const link = answer.response.headers.get("Link") || "";
    const next = /<([^>]+)>;\s*rel="next"/.exec(link);
    path = next ? next[1].replace(/^.*?\/v1\//, "/v1/") : null;
  }
  const blob = new Blob(["\uFEFF", ...pages], { type: "text/csv" });
  const link = el("a", { href: URL.createObjectURL(blob), download: `${list.slug}-prices.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  notice(`Exported ${list.slug} as ${list.slug}-prices.csv, in the import format: edit it and import it back.`);
}

async function showSkuEverywhere(event) {
  event.preventDefault();
  const sku = $("#sku-any").value.trim();
  if (!sku) return;
  const found = await api("GET", `/v1/skus/${encodeURIComponent(sku)}/prices`);
  replace($("#sku-ladders"), table(`${sku} on every list`, ["List", "Ladder (quantity + @ unit price)"], found.items.map((item) => ({
    cells: [item.price_list, ladderText(item.tiers)],
  })), { empty: `No list has a price for ${sku}.` }));
}

async function loadGroups() {
  const groups = await api("GET", "/v1/customer-groups?limit=1000");
  const bySlug = Object.fromEntries(groups.items.map((group) => [group.slug, group]));
  const chain = (group) => {
    const names = [];
    for (let current = group; current && names.length < 20; current = bySlug[current.parent]) names.push(current.slug);
    return names.join(" → ");
  };
  replace($("#groups-table"), table("Customer groups", ["Group", "Name", "Chain to base", "Price lists"], groups.items.map((group) => ({
    cells: [group.slug, group.name, chain(group), (group.price_lists || []).join(", ") || "—"],
  }))));
}

let customersNext = null;

async function searchCustomers(query, more = false) {
  const q = query.trim();
  let items;
  if (q.includes("@")) {
    items = (await api("GET", `/v1/customers?email=${encodeURIComponent(q)}`, undefined, { okStatuses: [404], raw: true })).document?.items || [];
    customersNext = null;
  } else {
    const exact = q ? await api("GET", `/v1/customers/${encodeURIComponent(q)}`, undefined, { okStatuses: [404, 422], raw: true }) : null;
    if (exact && exact.status === 200) {
      items = [exact.document];
      customersNext = null;
    } else {
      // No index by company: page through and match id, email or company as typed.
      const page = await api("GET", more && customersNext ? customersNext.replace(/^.*?\/v1\//, "/v1/") : "/v1/customers?limit=200");
      customersNext = page.links.next;
      const needle = q.toLowerCase();
      items = page.items.filter((customer) => !needle || [customer.id, customer.email, customer.company].some((value) => (value || "").toLowerCase().includes(needle)));
    }
  }
  const rows = items.map((customer) => ({
    cells: [customer.id, customer.company || "", customer.email || "", customer.group, customer.discount_percent && Number(customer.discount_percent) ? `${customer.discount_percent} %` : "—",
      el("a", { href: "#preview", onclick: () => { $("#preview-customer").value = customer.id; } }, "Preview prices")],
  }));
  const built = table("Customers", ["Id", "Company", "Email", "Group", "Discount", ""], rows, { empty: q ? `No customer matches "${q}".` : "No customers yet." });
  if (more) $("tbody", $("#customers-table")).append(...$$("tbody tr", built));
  else replace($("#customers-table"), built);
  $("#customers-more").hidden = !customersNext;
}

// ---------------------------------------------------------------------------------------------------------------
// Preview a customer's cart: the lookup's answer, its explain trail, and the tier ladder as a step chart

function parseCart(text) {
  const lines = [];
  const problems = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const match = /^(\S+?)[\s,;\t]+(\d+)$/.exec(line);
    if (!match) problems.push(`Cart line ${index + 1}: write a SKU then a quantity, like "BOLT-M8 150".`);
    else lines.push({ sku: match[1], qty: Number(match[2]) });
  });
  return { lines, problems };
}

const OUTCOME_WORDS = {
  won: "chosen", lost: "dearer, not chosen", not_reached: "not needed (an earlier list had a price)", no_price: "no price for this SKU",
  not_yet_valid: "not valid yet", expired: "expired", currency_mismatch: "other currency",
};

function explainSteps(line, customer) {
  const steps = [];
  const groupChain = customer ? `group ${customer.group}` : "the customer's group";
  steps.push(`Candidate lists for ${customer ? customer.id : "the customer"} (${customer && customer.price_lists && customer.price_lists.length ? "their own lists first" : groupChain}), in order:`);
  for (const entry of line.explain || []) {
    const outcome = OUTCOME_WORDS[entry.outcome] || entry.outcome.replaceAll("_", " ");
    if (entry.tier_min_qty === undefined) { steps.push(`${entry.price_list}: ${outcome}.`); continue; }
    const via = entry.via && entry.via.length > 1 ? ` (derived: ${entry.via.join(" ← ")}, factor ${entry.factor})` : "";
    steps.push(`${entry.price_list}${via}: ${outcome}.`);
    if (entry.outcome !== "won" && entry.outcome !== "priced") continue;
    steps.push(`Tier: quantity ${line.qty} reaches the ${entry.tier_min_qty}+ tier, listed at ${entry.list_price}${entry.factor !== "1" ? ` (× ${entry.factor} from the source list)` : ""}.`);
    steps.push(Number(entry.discount_percent) ? `Discount: the customer's ${entry.discount_percent} % off gives ${entry.unrounded}.` : `Discount: none for this customer (${entry.unrounded}).`);
    steps.push(`Rounding: ${entry.unrounded} rounds to ${entry.unit_price} ${line.currency}.`);
  }
  if (line.found) steps.push(`Line total: ${line.qty} × ${line.unit_price} = ${line.line_total} ${line.currency}.`);
  if (line.next_tier) steps.push(`Next tier: ${line.next_tier.add_qty} more (${line.next_tier.min_qty}+) pay ${line.next_tier.unit_price} each.`);
  if (line.orderable === false) steps.push(`Not orderable as entered (${(line.not_orderable_because || []).join(", ").replaceAll("_", " ")})${line.suggested_qty ? `; ${line.suggested_qty} would be` : ""}.`);
  return steps;
}

function ladderChart(line) {
  // A step chart: unit price (y) against quantity (x, log scale); each tier holds its price until the next tier.
  const tiers = line.tiers.map((tier) => ({ qty: tier.min_qty, price: Number(tier.unit_price), text: tier.unit_price }));
  const lastQty = Math.max(line.qty, ...tiers.map((tier) => tier.qty)) * 4;
  const width = 560, height = 240, left = 60, right = 24, top = 24, bottom = 44;
  const prices = tiers.map((tier) => tier.price);
  const high = Math.max(...prices), low = Math.min(...prices);
  const span = high - low || high || 1;
  const floor = Math.max(0, low - span * 0.6), ceiling = high + span * 0.25;
  const log = (qty) => Math.log10(Math.max(qty, 1));
  const x = (qty) => left + (log(qty) / (log(lastQty) || 1)) * (width - left - right);
  const y = (price) => top + (1 - (price - floor) / (ceiling - floor || 1)) * (height - top - bottom);
  let path = "";
  tiers.forEach((tier, index) => {
    const end = index + 1 < tiers.length ? tiers[index + 1].qty : lastQty;
    path += `${index ? "L" : "M"}${x(tier.qty).toFixed(1)},${y(tier.price).toFixed(1)} L${x(end).toFixed(1)},${y(tier.price).toFixed(1)} `;
  });
  const chosenPrice = Number(line.unit_price);
  const nearRight = (qty) => x(qty) > width - right - 120;
  const title = `Price ladder of ${line.sku}: ${tiers.map((tier) => `${tier.qty}+ at ${tier.text}`).join(", ")}. Quantity ${line.qty} pays ${line.unit_price}` +
    (line.next_tier ? `; the next tier starts at ${line.next_tier.min_qty}.` : ".");
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "ladder", "aria-label": title },
    svg("title", {}, title),
    svg("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: "axis" }),
    svg("line", { x1: left, y1: top, x2: left, y2: height - bottom, class: "axis" }),
    tiers.map((tier) => svg("text", { x: left - 6, y: y(tier.price) + 4, class: "tick", "text-anchor": "end" }, tier.text)),
    tiers.map((tier) => svg("text", { x: x(tier.qty), y: height - bottom + 16, class: "tick", "text-anchor": "middle" }, tier.qty)),
    svg("text", { x: width - right, y: height - 6, class: "tick", "text-anchor": "end" }, "quantity (log scale) →"),
    svg("text", { x: 4, y: 14, class: "tick" }, `unit price (${line.currency})`),
    svg("path", { d: path, class: "step" }),
    line.next_tier ? svg("g", { class: "next" },
      svg("line", { x1: x(line.next_tier.min_qty), y1: top, x2: x(line.next_tier.min_qty), y2: height - bottom }),
      svg("text", { x: x(line.next_tier.min_qty) + (nearRight(line.next_tier.min_qty) ? -4 : 4), y: top + 10,
        "text-anchor": nearRight(line.next_tier.min_qty) ? "end" : "start" }, `next tier: ${line.next_tier.min_qty}`)) : null,
    svg("g", { class: "chosen" },
      svg("line", { x1: x(line.qty), y1: top, x2: x(line.qty), y2: height - bottom }),
      svg("circle", { cx: x(line.qty), cy: y(chosenPrice), r: 5 }),
      svg("text", { x: x(line.qty) + (nearRight(line.qty) ? -8 : 8), y: y(chosenPrice) - 8,
        "text-anchor": nearRight(line.qty) ? "end" : "start" }, `qty ${line.qty}: ${line.unit_price}`)),
  );
}

async function preview(event) {
  event.preventDefault();
  $("#preview-error").textContent = "";
  const customerId = $("#preview-customer").value.trim();
  const { lines, problems } = parseCart($("#preview-cart").value);
  if (!customerId) problems.unshift("Customer id: enter the customer to price for, like C-1001.");
  if (!lines.length && !problems.length) problems.push("Cart: add at least one line, like \"BOLT-M8 150\".");
  if (problems.length) { $("#preview-error").textContent = problems.join(" "); return; }
  try {
    const [answer, customer] = await Promise.all([
      api("POST", "/v1/pricing/lookup", { customer_id: customerId, explain: true, lines }),
      api("GET", `/v1/customers/${encodeURIComponent(customerId)}`).catch(() => null),
    ]);
    const cards = answer.lines.map((line, index) => {
      if (!line.found) {
        return el("article", { class: "line-card" }, el("h2", {}, `${index + 1}. ${line.sku} × ${line.qty}`),
          el("p", { class: "bad" }, `No price: ${(line.reason || "not found").replaceAll("_", " ")}.`),
          el("ol", { class: "trail" }, explainSteps(line, customer).map((step) => el("li", {}, step))));
      }
      return el("article", { class: "line-card" },
        el("h2", {}, `${index + 1}. ${line.sku} × ${line.qty}: ${line.unit_price} ${line.currency} each, ${line.line_total} in total`),
        el("div", { class: "line-body" },
          el("div", {}, el("h3", {}, "How the price was found"), el("ol", { class: "trail" }, explainSteps(line, customer).map((step) => el("li", {}, step)))),
          el("figure", {}, ladderChart(line), el("figcaption", { class: "muted" }, `Tier ladder for ${answer.customer_id}: the dot is this quantity, the dashed line the next tier.`))));
    });
    replace($("#preview-result"), el("p", { class: "muted" }, `Priced for ${answer.customer_id} in ${answer.currency} at ${when(answer.at)}.`), cards);
  } catch (error) {
    showError("#preview-error", error);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sync log

async function loadSync() {
  const page = await api("GET", "/v1/sync-log?limit=50");
  const rows = [];
  for (const batch of page.items) {
    for (const record of batch.rejected) {
      rows.push({ cells: [when(batch.at), batch.principal.replace(/^(staff|key):/, ""), `${batch.method} ${batch.route}`, record.index + 1, record.key || "",
        (record.errors || []).map((error) => `${fieldWords(error.field) || "record"}: ${error.reason}`).join("; ")] });
    }
  }
  replace($("#sync-table"), table("Rejected records of recent API batches", ["When", "Sent by", "Request", "Record", "Key", "What was wrong"], rows, { empty: "No rejected records recently." }));
}

// ---------------------------------------------------------------------------------------------------------------
// API keys (admins)

async function loadKeys() {
  const keys = await api("GET", "/v1/keys");
  replace($("#keys-table"), table("API keys", ["Name", "Key id", "Scopes", "Created", "Status", ""], keys.items.map((key) => ({
    className: key.revoked ? "revoked" : null,
    cells: [key.name, key.id, key.scopes.join(", "), when(key.created_at), key.revoked ? "Revoked" : "Active",
      key.revoked ? "" : el("button", { type: "button", class: "danger small", "aria-label": `Revoke key ${key.name} (${key.id})`, onclick: () => revokeKey(key) }, "Revoke")],
  }))));
}

async function createKey(event) {
  event.preventDefault();
  $("#key-error").textContent = "";
  const form = event.target;
  const name = form.name.value.trim();
  const scopes = $$("input[name=scopes]:checked", form).map((box) => box.value);
  if (!name) { $("#key-error").textContent = "Who will hold it: give the key a name, like \"erp\"."; form.name.focus(); return; }
  if (!scopes.length) { $("#key-error").textContent = "What it may do: tick at least one."; $("input[name=scopes]", form).focus(); return; }
  try {
    const created = await api("POST", "/v1/keys", { name, scopes });
    const output = el("output", { id: "new-key", class: "secret" }, created.key);
    replace($("#key-created"), el("div", { class: "created" },
      el("p", {}, el("strong", {}, `Key for ${created.name} created.`), " Copy it now: it is shown this once and cannot be shown again."),
      output,
      el("button", { type: "button", onclick: async () => { await navigator.clipboard.writeText(created.key); notice("Key copied."); } }, "Copy"),
      el("button", { type: "button", class: "link", onclick: () => replace($("#key-created")) }, "I have stored it")));
    form.reset();
    await loadKeys();
  } catch (error) {
    showError("#key-error", error);
  }
}

async function revokeKey(key) {
  if (!window.confirm(`Revoke the key "${key.name}"? Anything using it stops working within five minutes.`)) return;
  try {
    await api("DELETE", `/v1/keys/${encodeURIComponent(key.id)}`);
    notice(`Key ${key.name} revoked.`);
    await loadKeys();
  } catch (error) {
    notice(error instanceof Problem ? error.message : String(error));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

function wire() {
  $("#sign-in-form").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  $("#import-form").addEventListener("submit", startImport);
  $("#import-kind").addEventListener("change", syncImportForm);
  $("#import-file").addEventListener("change", (event) => chooseFile(event.target.files[0]));
  const drop = $("#drop");
  for (const name of ["dragenter", "dragover"]) drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
  for (const name of ["dragleave", "drop"]) drop.addEventListener(name, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => { event.preventDefault(); chooseFile(event.dataTransfer.files[0]); });
  $("#jobs-more").addEventListener("click", () => loadJobs(true));
  $("#sku-form").addEventListener("submit", (event) => showSkuEverywhere(event).catch((error) => notice(error.message)));
  $("#customer-search").addEventListener("submit", (event) => { event.preventDefault(); searchCustomers($("#customer-q").value).catch((error) => notice(error.message)); });
  $("#customers-more").addEventListener("click", () => searchCustomers($("#customer-q").value, true));
  $("#preview-form").addEventListener("submit", preview);
  $("#key-form").addEventListener("submit", createKey);
  window.addEventListener("hashchange", route);
  route();
  $("#email").focus();
}

wire();
