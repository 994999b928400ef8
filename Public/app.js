// The browse page. Reads /-/projects.json (the list with summaries), the legacy JSON API
// (/pypi/{project}/json: description, releases) and the PEP 691 JSON page (/simple/{project}/:
// project status, provenance). Nothing read from the index is ever parsed as markup: text goes
// in through textContent and text nodes only, and links only to http(s) URLs.
"use strict";
const SIMPLE_JSON = "application/vnd.pypi.simple.v1+json";
const TOKEN_KEY = "wheelhouse.token";
const $ = (id) => document.getElementById(id);
const origin = location.origin;
document.querySelectorAll(".origin").forEach((e) => (e.textContent = origin));

let projects = null;

class AuthNeeded extends Error {}
class TokenRefused extends Error {}

// A read token lives in sessionStorage (this tab only, gone when it closes), never in a cookie.
function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function getJSON(url, accept = "application/json") {
  const headers = { Accept: accept };
  const t = token();
  if (t) headers.Authorization = "Basic " + btoa(`__token__:${t}`);
  // credentials "omit": no cookies and no browser Basic-auth prompt on a 401.
  const response = await fetch(url, { headers, credentials: "omit" });
  if (response.status === 401) throw new AuthNeeded("This index needs a read token.");
  if (response.status === 403 && t) throw new TokenRefused("The token was refused (unknown, revoked or not allowed to read).");
  if (!response.ok) {
    const reason = (await response.text()).trim();
    throw new Error(`${url}: HTTP ${response.status}${reason ? ` — ${reason}` : ""}`);
  }
  return response.json();
}

// Builds an element; string children become text nodes, never markup.
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

function safeLink(url, text) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return el("a", { href: parsed.href, rel: "noopener noreferrer nofollow" }, text);
    }
  } catch (_) {
    // not a URL: shown as text below
  }
  return el("span", {}, `${text} (${url})`);
}

const normalize = (name) => name.toLowerCase().replace(/[-_.]+/g, "-");

function show(view) {
  for (const id of ["signin", "list", "project"]) $(id).hidden = id !== view;
  $("error").textContent = "";
}

function updateSession() {
  const signedIn = token() != null;
  $("session-state").textContent = signedIn ? "Signed in with a read token." : "";
  $("sign-out").hidden = !signedIn;
}

function fail(err) {
  if (err instanceof AuthNeeded || err instanceof TokenRefused) {
    // A refused token is dropped, so the next attempt starts clean.
    if (err instanceof TokenRefused) sessionStorage.removeItem(TOKEN_KEY);
    show("signin");
    $("signin-error").textContent = err instanceof TokenRefused ? err.message : "";
    $("token").focus();
    return;
  }
  $("error").textContent = String(err.message || err);
}

// ---- the list ----

function statusBadge(status) {
  if (!status || status === "active") return null;
  return el("span", { class: `status status-${status}` }, status);
}

function renderList() {
  const query = $("search").value.trim().toLowerCase();
  const byName = normalize(query);
  const shown = projects.filter(
    (p) => !query || p.normalized.includes(byName) || (p.summary || "").toLowerCase().includes(query),
  );
  $("count").textContent = `${shown.length} of ${projects.length} projects`;
  const list = $("projects");
  list.replaceChildren();
  for (const p of shown.slice(0, 500)) {
    list.append(
      el(
        "li",
        { "data-project": p.normalized },
        el("a", { href: `#/project/${encodeURIComponent(p.normalized)}`, class: "name" }, p.name),
        p.version ? el("span", { class: "version" }, p.version) : null,
        statusBadge(p.status),
        el("span", { class: "summary" }, p.summary || ""),
      ),
    );
  }
}

async function showList() {
  if (projects == null) projects = (await getJSON("/-/projects.json")).projects;
  show("list");
  renderList();
}

// ---- a project ----

const human = (size) =>
  size == null ? "" : size < 1024 ? `${size} B` : size < 1048576 ? `${(size / 1024).toFixed(1)} KiB` : `${(size / 1048576).toFixed(1)} MiB`;

function snippets(name, version) {
  const index = `${origin}/simple/`;
  const pin = `${name}==${version}`;
  $("snippet-pip").textContent = `pip install --index-url ${index} ${pin}`;
  $("snippet-uv").textContent = `uv pip install --index-url ${index} ${pin}`;
  // The same arguments `wheelhouse manifest glue-args --url` prints (README, "The index URL").
  let installer = `--index-url ${index}`;
  if (location.protocol === "http:") installer += ` --trusted-host ${location.hostname}`;
  $("snippet-glue").textContent = `--additional-python-modules ${pin} --python-modules-installer-option ${installer}`;
}

async function showProject(name, wanted) {
  const path = encodeURIComponent(name);
  const [legacy, simple] = await Promise.all([getJSON(`/pypi/${path}/json`), getJSON(`/simple/${path}/`, SIMPLE_JSON)]);
  const version = wanted && legacy.releases[wanted] ? wanted : legacy.info.version;
  const release = version === legacy.info.version ? legacy : await getJSON(`/pypi/${path}/${encodeURIComponent(version)}/json`);
  const info = release.info;
  show("project");
  document.title = `${info.name} ${version} · Wheelhouse`;
  $("project-name").textContent = info.name;
  $("project-version").textContent = version;

  // PEP 792 project status, from the PEP 691 page when the index gives one.
  const status = simple["project-status"];
  const badge = $("project-status");
  badge.hidden = !status || !status.status || status.status === "active";
  badge.textContent = status ? status.status : "";
  badge.className = `status status-${status ? status.status : ""}`;
  $("project-status-reason").hidden = !(status && status.reason);
  $("project-status-reason").textContent = status && status.reason ? status.reason : "";

  $("project-summary").textContent = info.summary || "";
  $("project-yanked").hidden = !info.yanked;
  $("project-yanked").textContent = info.yanked ? `This release is yanked${info.yanked_reason ? `: ${info.yanked_reason}` : "."}` : "";
  snippets(info.name, version);

  // Files of the shown release; provenance (PEP 740) comes from the PEP 691 page.
  const simpleFiles = new Map(simple.files.map((f) => [f.filename, f]));
  const pageURL = `${origin}/simple/${simple.name}/`;
  const body = $("files");
  body.replaceChildren();
  for (const f of release.urls) {
    const pep691 = simpleFiles.get(f.filename) || {};
    const provenance = pep691.provenance ? el("a", { href: new URL(pep691.provenance, pageURL).href, class: "provenance" }, "provenance") : "";
    const file = el("a", { href: new URL(f.url, origin).href }, f.filename);
    const row = el(
      "tr",
      { "data-filename": f.filename },
      el("td", {}, file, f.yanked ? el("span", { class: "yanked-mark", title: f.yanked_reason || "" }, "yanked") : null),
      el("td", {}, human(f.size)),
      el("td", {}, el("code", { class: "sha" }, f.digests.sha256)),
      el("td", {}, f.requires_python || ""),
      el("td", {}, (f.upload_time_iso_8601 || "").replace("T", " ").replace(/\.\d+Z$/, "Z")),
      el("td", {}, provenance),
    );
    if (f.yanked) row.className = "yanked";
    body.append(row);
  }

  // Every release, newest first, with yanked marks (a release is yanked when all its files are).
  const versions = $("versions");
  versions.replaceChildren();
  const ordered = simple.versions ? [...simple.versions].reverse() : Object.keys(legacy.releases).reverse();
  for (const v of ordered) {
    const files = legacy.releases[v] || [];
    const yanked = files.length > 0 && files.every((f) => f.yanked);
    const link = el("a", { href: `#/project/${encodeURIComponent(simple.name)}/${encodeURIComponent(v)}` }, v);
    const item = el("li", { "data-version": v, class: v === version ? "current" : "" }, link);
    if (yanked) {
      item.classList.add("yanked");
      item.append(el("span", { class: "yanked-mark" }, "yanked"));
    }
    versions.append(item);
  }

  const links = $("links");
  links.replaceChildren();
  for (const [label, url] of Object.entries(info.project_urls || {})) links.append(el("li", {}, safeLink(url, label)));

  // Markdown or reStructuredText, shown as the text it is.
  $("description").textContent = info.description || "";
}

// ---- routing: #/ (list), #/project/NAME, #/project/NAME/VERSION ----

async function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const parts = hash.split("/");
  try {
    if (parts[0] === "project" && parts[1]) await showProject(parts[1], parts.slice(2).join("/") || null);
    else if (hash && parts.length === 1 && parts[0] !== "") await showProject(parts[0], null);
    else await showList();
  } catch (err) {
    fail(err);
  }
  updateSession();
}

$("search").addEventListener("input", renderList);
window.addEventListener("hashchange", route);

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = $("token").value.trim();
  if (!value) return;
  sessionStorage.setItem(TOKEN_KEY, value);
  $("token").value = "";
  projects = null;
  $("signin-error").textContent = "";
  await route();
});

$("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  projects = null;
  route();
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const text = $(button.dataset.copy).textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    // No clipboard API (a plain-http page on another host): select the text to copy by hand.
    const range = document.createRange();
    range.selectNodeContents($(button.dataset.copy));
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  button.textContent = "Copied";
  setTimeout(() => (button.textContent = "Copy"), 1500);
});

route();
