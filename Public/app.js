// Browse page: reads the PEP 691 JSON of /simple/ and /simple/{project}/.
"use strict";
const JSON_TYPE = "application/vnd.pypi.simple.v1+json";
const $ = (id) => document.getElementById(id);
document.querySelectorAll(".origin").forEach((e) => (e.textContent = location.origin));

let names = [];

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: JSON_TYPE } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function render(filter) {
  const list = $("projects");
  list.replaceChildren();
  const shown = names.filter((n) => n.includes(filter.toLowerCase().replace(/[-_.]+/g, "-")));
  $("count").textContent = `${shown.length} of ${names.length} projects`;
  for (const name of shown.slice(0, 500)) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `#${name}`;
    a.textContent = name;
    li.append(a);
    list.append(li);
  }
}

async function showProject(name) {
  const page = await getJSON(`/simple/${encodeURIComponent(name)}/`);
  $("project").hidden = false;
  $("project-name").textContent = page.name;
  const body = $("files");
  body.replaceChildren();
  for (const f of [...page.files].reverse()) {
    const tr = document.createElement("tr");
    if (f.yanked) tr.className = "yanked";
    const link = document.createElement("a");
    link.href = new URL(f.url, location.origin + `/simple/${page.name}/`).href;
    link.textContent = f.filename;
    const cells = [
      f.filename.split("-")[1] || "",
      link,
      f.size != null ? `${(f.size / 1024).toFixed(1)} KiB` : "",
      f["requires-python"] || "",
      f["upload-time"] || "",
    ];
    for (const c of cells) {
      const td = document.createElement("td");
      td.append(c);
      tr.append(td);
    }
    body.append(tr);
  }
}

$("search").addEventListener("input", (e) => render(e.target.value));
window.addEventListener("hashchange", () => location.hash && showProject(location.hash.slice(1)));

getJSON("/simple/")
  .then((root) => {
    names = root.projects.map((p) => p.name);
    render("");
    if (location.hash) showProject(location.hash.slice(1));
  })
  .catch((err) => ($("count").textContent = String(err)));
