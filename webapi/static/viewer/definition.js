// One deployed process version's diagram (GET /api/v1/definitions/{id}/{version}), painted
// by bpmn-js. The console's 流程定义 page frames this page; the token is this tab's console
// session (sessionStorage "daiban.console.session", shared with a same-origin frame), or a
// #token=... fragment (never sent to the server), kept in this tab's sessionStorage only.
(function () {
  "use strict";
  const API = "/api/v1";
  const parts = location.pathname.split("/"); // ["", "definitions", id, version, "diagram"]
  const processId = decodeURIComponent(parts[2] || "");
  const version = Number(parts[3]);
  const $ = (id) => document.getElementById(id);

  // This load's #token=... first, then the console session of this tab, then a token an
  // earlier #token=... left in this tab.
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get("token");
  if (given) {
    sessionStorage.setItem("daiban.token", given);
    history.replaceState(null, "", location.pathname + location.search);
  }

  function token() {
    if (given) return given;
    try {
      const session = JSON.parse(sessionStorage.getItem("daiban.console.session") || "null");
      if (session && session.token) return session.token;
    } catch (error) {
      // not a console session: fall through
    }
    return sessionStorage.getItem("daiban.token");
  }

  function fail(message, signIn) {
    const box = $("error");
    box.textContent = message;
    if (signIn) {
      const link = document.createElement("a");
      link.href = "/";
      link.target = "_top";
      link.textContent = "到办事工作台登录";
      box.append(" ", link);
    }
    document.body.dataset.done = "error";
  }

  async function start() {
    $("title").textContent = "流程图：" + processId + " 第 " + version + " 版";
    document.title = processId + " 第 " + version + " 版 · 流程图";
    const held = token();
    if (!held) {
      fail("请先登录办事工作台，再从“流程定义”页查看流程图。", true);
      return;
    }
    let response;
    try {
      response = await fetch(
        API + "/definitions/" + encodeURIComponent(processId) + "/" + version,
        { headers: { Authorization: "Bearer " + held }, cache: "no-store" },
      );
    } catch (error) {
      fail("无法连接服务器：请检查网络后重试。");
      return;
    }
    if (response.status === 401) {
      sessionStorage.removeItem("daiban.token");
      fail("登录已过期，请重新登录后再查看。", true);
      return;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      fail((problem.detail || "读取流程失败（" + response.status + "）") + "。请返回流程列表重新选择。");
      return;
    }
    const xml = await response.text();
    const viewer = new BpmnJS({ container: "#canvas" });
    try {
      await viewer.importXML(xml);
    } catch (error) {
      fail("流程图无法显示：" + error.message);
      return;
    }
    const canvas = viewer.get("canvas");
    canvas.zoom("fit-viewport", "auto");
    $("fit").addEventListener("click", () => canvas.zoom("fit-viewport", "auto"));
    $("zoom-in").addEventListener("click", () => canvas.zoom(canvas.zoom() * 1.25));
    $("zoom-out").addEventListener("click", () => canvas.zoom(canvas.zoom() / 1.25));
    const nodes = viewer.get("elementRegistry").filter(
      (e) => e.type !== "label" && e.businessObject && e.businessObject.$instanceOf("bpmn:FlowNode"),
    );
    $("status").textContent = "共 " + nodes.length + " 个流程节点。";
    document.body.dataset.done = "yes";
  }

  if (!processId || !Number.isInteger(version) || version < 1) fail("流程图地址有误。");
  else start();
})();
