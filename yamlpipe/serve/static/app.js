// yamlpipe serve: live updates without a framework. Pages mark what they want with data-*:
// a run page polls its state and recolours the DAG; a task panel follows its log; lists
// refresh themselves while something runs.
"use strict";

const STATES = ["succeeded", "cached", "failed", "error", "running", "pending", "skipped", "omitted", "cancelled", "terminated"];

function setState(el, state) {
  STATES.forEach((s) => el.classList.remove("s-" + s));
  el.classList.add("s-" + state.toLowerCase());
}

// Edges between the DAG's boxes: from the bottom of each dependency to the top of the box.
function drawEdges(wrap) {
  const svg = wrap.querySelector("svg.edges");
  if (!svg) return;
  const base = wrap.getBoundingClientRect();
  svg.setAttribute("width", wrap.scrollWidth);
  svg.setAttribute("height", wrap.scrollHeight);
  let paths = "";
  wrap.querySelectorAll("[data-after]").forEach((box) => {
    const to = box.getBoundingClientRect();
    box.dataset.after.split(" ").filter(Boolean).forEach((id) => {
      const dep = document.getElementById(id);
      if (!dep) return;
      const from = dep.getBoundingClientRect();
      const x1 = from.left + from.width / 2 - base.left + wrap.scrollLeft, y1 = from.bottom - base.top;
      const x2 = to.left + to.width / 2 - base.left + wrap.scrollLeft, y2 = to.top - base.top;
      const mid = (y1 + y2) / 2;
      paths += `<path d="M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2 - 4}" fill="none" stroke="#8896a6" stroke-width="1.5" marker-end="url(#arrow)"/>`;
    });
  });
  svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 8 8" refX="4" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#8896a6"/></marker></defs>' + paths;
}

async function getJSON(url) {
  const answer = await fetch(url, { headers: { Accept: "application/json" } });
  if (!answer.ok) throw new Error(url + ": " + answer.status);
  return answer.json();
}

// The run page: poll the run's state every second until it has finished.
function followRun(page) {
  const url = page.dataset.stateUrl;
  async function tick() {
    let data;
    try { data = await getJSON(url); } catch (e) { setTimeout(tick, 3000); return; }
    document.querySelectorAll("[data-run-state]").forEach((el) => { el.textContent = data.status; setState(el, data.status); });
    document.querySelectorAll("[data-run-duration]").forEach((el) => { el.textContent = data.duration; });
    const error = document.getElementById("run-error");
    if (error) { error.textContent = data.error; error.hidden = !data.error; }
    Object.entries(data.boxes).forEach(([id, box]) => {
      const el = document.getElementById(id);
      if (!el) return;
      setState(el, box.state);
      const counts = el.querySelector(".counts");
      if (counts) counts.textContent = box.counts;
      el.dataset.nodes = box.nodes.join(" ");
    });
    const tasks = document.getElementById("task-rows");
    if (tasks && data.rows) tasks.innerHTML = data.rows;
    const terminate = document.getElementById("terminate");
    if (terminate && data.finished) terminate.hidden = true;
    if (!data.finished) setTimeout(tick, 1000);
  }
  tick();
}

// The task panel: open a task's details beside the DAG; follow its log while it runs.
async function openTask(runUrl, node) {
  const panel = document.getElementById("task-panel");
  if (!panel || !node) return;
  const answer = await fetch(`${runUrl}/tasks/${node}?fragment=1`);
  panel.innerHTML = await answer.text();
  panel.hidden = false;
  document.querySelectorAll(".box.selected").forEach((b) => b.classList.remove("selected"));
  if (window.innerWidth <= 900) panel.scrollIntoView({ behavior: "smooth" });
  panel.querySelectorAll("[data-log-url]").forEach(followLog);
}

function followLog(pre) {
  let offset = Number(pre.dataset.offset || 0);
  async function tick() {
    let data;
    try { data = await getJSON(`${pre.dataset.logUrl}?offset=${offset}`); } catch (e) { return; }
    if (data.text) {
      const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
      pre.textContent += data.text;
      if (atEnd) pre.scrollTop = pre.scrollHeight;
    }
    offset = data.offset;
    if (!document.body.contains(pre)) return;
    if (!data.finished) setTimeout(tick, 1000);
  }
  tick();
}

// Lists of runs: refresh the table while any run in it is still going.
function refreshList(table) {
  async function tick() {
    if (!table.querySelector(".s-running, .s-pending")) return;
    const answer = await fetch(table.dataset.refresh);
    if (answer.ok) table.innerHTML = await answer.text();
    setTimeout(tick, 2000);
  }
  setTimeout(tick, 2000);
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.querySelector("[data-state-url]");
  const wrap = document.querySelector(".dag-wrap");
  if (wrap) {
    drawEdges(wrap);
    window.addEventListener("resize", () => drawEdges(wrap));
    wrap.addEventListener("click", (event) => {
      const box = event.target.closest(".box");
      if (!box || !page) return;
      openTask(page.dataset.runUrl, (box.dataset.nodes || "").split(" ")[0]).then(() => box.classList.add("selected"));
    });
    wrap.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target.classList.contains("box")) event.target.click();
    });
  }
  if (page) {
    followRun(page);
    document.addEventListener("click", (event) => {
      const row = event.target.closest("[data-node]");
      if (row && !event.target.closest("a")) openTask(page.dataset.runUrl, row.dataset.node);
    });
  }
  document.querySelectorAll("[data-log-url]").forEach(followLog);
  document.querySelectorAll("[data-refresh]").forEach(refreshList);
});
