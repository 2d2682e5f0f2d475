// The case diagram: paints which BPMN elements a case has completed, has active and has
// overdue (GET /api/v1/cases/{id}/diagram) on its pinned process version, with bpmn-js.
// The token comes from a #token=... fragment (never sent to the server) or a login form,
// and is kept in this tab's sessionStorage only.
// Embedded (?embed=1, in the web console's case page): no header of its own and no login
// form; the console hands its token over in the fragment, kept in memory only, and sets
// ?at=N for the step its slider shows.
(function () {
  "use strict";
  const API = "/api/v1";
  const caseId = Number(location.pathname.split("/")[2]);
  const $ = (id) => document.getElementById(id);
  const embedded = new URLSearchParams(location.search).get("embed") === "1";
  if (embedded) document.body.classList.add("embed");
  const viewer = new BpmnJS({ container: "#canvas" });
  let token = null;

  const fragment = new URLSearchParams(location.hash.slice(1));
  if (embedded) {
    token = fragment.get("token");
    history.replaceState(null, "", location.pathname + location.search);
  } else {
    if (fragment.get("token")) {
      sessionStorage.setItem("daiban.token", fragment.get("token"));
      history.replaceState(null, "", location.pathname + location.search);
    }
    token = sessionStorage.getItem("daiban.token");
  }

  class Unauthenticated extends Error {}

  async function api(path, asText) {
    const response = await fetch(API + path, { headers: { Authorization: "Bearer " + token } });
    if (response.status === 401) throw new Unauthenticated();
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.detail || "请求失败（" + response.status + "）");
    }
    return asText ? response.text() : response.json();
  }

  function showLogin() {
    if (embedded) {
      fail(new Error("登录已过期：请在办事工作台重新登录后再看流程图。"));
      return;
    }
    sessionStorage.removeItem("daiban.token");
    $("login").hidden = false;
  }

  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const response = await fetch(API + "/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: form.get("user"), password: form.get("password") }),
    });
    const body = await response.json();
    if (!response.ok) { $("login-error").textContent = body.detail; return; }
    token = body.token;
    sessionStorage.setItem("daiban.token", token);
    $("login").hidden = true;
    start();
  });

  async function paint(at) {
    const view = await api("/cases/" + caseId + "/diagram" + (at ? "?at=" + at : ""));
    const def = view.definition;
    const xml = await api("/definitions/" + encodeURIComponent(def.process_id) + "/" + def.version, true);
    await viewer.importXML(xml);
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    const painted = {};
    const mark = (element, cls) => {
      if (!registry.get(element)) return;
      canvas.addMarker(element, cls);
      (painted[cls] = painted[cls] || []).push(element);
    };
    const own = view.elements[def.process_id] || {};
    Object.entries(own).forEach(([element, state]) => mark(element, "daiban-" + state));
    (view.overdue[def.process_id] || []).forEach((element) => mark(element, "daiban-overdue"));
    // a shared activity with an overdue step makes its call activity overdue
    const rows = [];
    Object.entries(view.elements).forEach(([processId, states]) => {
      if (processId === def.process_id) return;
      const count = (s) => Object.values(states).filter((v) => v === s).length;
      const late = (view.overdue[processId] || []).length;
      rows.push([processId, count("completed"), count("active"), late]);
      if (late) {
        registry.filter((e) => e.businessObject && e.businessObject.calledElement === processId)
          .forEach((e) => mark(e.id, "daiban-overdue"));
      }
    });
    const body = $("shared").querySelector("tbody");
    body.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement("tr");
      cells.forEach((c) => { const td = document.createElement("td"); td.textContent = c; tr.append(td); });
      return tr;
    }));
    $("case-number").textContent = view.case_number || "#" + view.case_id;
    const status = { open: "在办", completed: "已办结", cancelled: "已撤件" }[view.status] || view.status;
    $("summary").textContent = "状态：" + status + "　办结期限：" + (view.due_date || "—") +
      (view.case_overdue ? "（已超期）" : "") + "　第 " + view.seq + " 号事件之后";
    Object.values(painted).forEach((list) => list.sort());
    $("result").textContent = JSON.stringify({ seq: view.seq, painted: painted });
    $("result").dataset.done = "yes";
  }

  async function start() {
    try {
      const at = new URLSearchParams(location.search).get("at");
      if (embedded) {
        await paint(at); // the console chooses the step; its own list is not shown
        return;
      }
      const history = await api("/cases/" + caseId + "/history");
      const select = $("at");
      history.events.forEach((e) => {
        const option = document.createElement("option");
        option.value = e.seq;
        option.textContent = "#" + e.seq + " " + e.at.slice(0, 16).replace("T", " ") + " " +
          e.type_name + (e.task ? "：" + e.task.name : "") + "（" + (e.actor_name || e.actor) + "）";
        select.append(option);
      });
      select.addEventListener("change", () => paint(select.value).catch(fail));
      if (at) select.value = at;
      await paint(at);
    } catch (error) {
      fail(error);
    }
  }

  function fail(error) {
    if (error instanceof Unauthenticated && !embedded) { showLogin(); return; }
    if (error instanceof Unauthenticated) error = new Error("登录已过期：请在办事工作台重新登录后再看流程图。");
    $("error").textContent = error.message;
    $("result").textContent = JSON.stringify({ error: error.message });
    $("result").dataset.done = "yes";
  }

  if (!Number.isInteger(caseId) || caseId < 1) fail(new Error("办件编号有误"));
  else if (token) start();
  else showLogin();
})();
