// 定期取送件: the mobile post's scheduled pickup and delivery runs (docs/channels.md).
// #/runs lists the runs the person sees (GET /runs, newest day first: today's apart from
// the past ones); #/runs/{id} shows one run's cases, each linked to its case page and, while
// its task is open, to the task where the agent works it; a mobile agent completes the run
// there (POST /runs/{id}/complete). Tasks still open stay in the queues; the page says so.
import * as api from "../api.js";
import { Empty, ErrorBox, Loaded, Page, Pager, dateTime, html, notify, today, useLoad, useState } from "../ui.js";

const PAGE_SIZE = 20;
const COMPLETER = "mobile_agent";

function StatusTag({ run }) {
  const tone = run.status === "completed" ? "green" : "yellow";
  return html`<span class=${"tag " + tone} data-status=${run.status}>${run.status_name}</span>`;
}

function kinds(run) {
  const names = [...new Set(run.cases.map((c) => c.kind_name))];
  return names.join("、") || "—";
}

function RunRows({ runs, label, id }) {
  return html`<div class="table-wrap"><table class="list stack runs" id=${id} aria-label=${label}>
    <thead><tr><th scope="col">日期</th><th scope="col">流动代办员</th><th scope="col">乡镇</th>
      <th scope="col">类别</th><th scope="col" class="num">办件数</th><th scope="col" class="num">未办</th>
      <th scope="col">状态</th><th scope="col">操作</th></tr></thead>
    <tbody>${runs.map(
      (r) => html`<tr data-run=${r.id}>
        <td data-label="日期">${r.day}</td>
        <td data-label="流动代办员">${r.agent_name || r.agent}</td>
        <td data-label="乡镇">${r.township_name || r.township}</td>
        <td data-label="类别">${kinds(r)}</td>
        <td data-label="办件数" class="num">${r.cases.length}</td>
        <td data-label="未办" class="num">${r.left}</td>
        <td data-label="状态"><${StatusTag} run=${r} /></td>
        <td data-label="操作"><a class="button" href=${"#/runs/" + r.id}
          aria-label=${`查看 ${r.day} ${r.agent_name || r.agent} 的取送件`}>查看</a></td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function RunList() {
  const [page, setPage] = useState(1);
  const state = useLoad(() => api.get("/runs", { page, page_size: PAGE_SIZE }), [page]);
  return html`<${Page} title="定期取送件">
    <p class="hint">流动代办员按排班到各村（社区）定期取件、定期送件；每次出行的办件清单由系统在当天生成。逐件办理后，由流动代办员确认本次出行完成。</p>
    <${Loaded} state=${state} loadingText="正在读取取送件清单…">
      ${(data) => {
        if (!data.items.length) {
          return html`<${Empty}><p>暂无定期取送件。</p><p>排班日有待取、待送的办件时，当天的清单会出现在这里。</p><//>`;
        }
        const now = today();
        const current = data.items.filter((r) => r.day === now);
        const past = data.items.filter((r) => r.day !== now);
        return html`<section class="card" aria-labelledby="runs-today-title">
            <h2 id="runs-today-title">今天（${now}）</h2>
            ${current.length
              ? html`<${RunRows} runs=${current} label="今天的取送件" id="runs-today" />`
              : html`<${Empty}><p>今天没有取送件。</p><//>`}
          </section>
          <section class="card" aria-labelledby="runs-past-title">
            <h2 id="runs-past-title">以往</h2>
            ${past.length
              ? html`<${RunRows} runs=${past} label="以往的取送件" id="runs-past" />`
              : html`<${Empty}><p>${page === 1 ? "没有以往的取送件。" : "本页没有以往的取送件。"}</p><//>`}
          </section>
          <${Pager} page=${page} pageSize=${PAGE_SIZE} total=${data.total} onPage=${setPage} />`;
      }}
    <//>
  <//>`;
}

function CaseRows({ run }) {
  return html`<div class="table-wrap"><table class="list stack run-cases" id="run-cases" aria-label="本次取送的办件">
    <thead><tr><th scope="col">办件编号</th><th scope="col">类别</th><th scope="col">村（社区）</th>
      <th scope="col">任务</th></tr></thead>
    <tbody>${run.cases.map(
      (c) => html`<tr data-case=${c.case_id} data-open=${c.task_open ? "true" : "false"}>
        <td data-label="办件编号"><a href=${"#/cases/" + c.case_id}>${c.case_number || "#" + c.case_id}</a></td>
        <td data-label="类别">${c.kind_name}</td>
        <td data-label="村（社区）">${c.village_name || c.village || "—"}</td>
        <td data-label="任务">${c.task_open
          ? html`<a class="button primary" href=${"#/tasks/" + c.task_id}
              aria-label=${`去办理办件 ${c.case_number || c.case_id} 的${c.kind_name}`}>去办理</a>`
          : html`<span class="tag green">已办</span>`}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function Complete({ run, onDone }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState(null);
  async function complete() {
    setBusy(true);
    setFailure(null);
    try {
      const done = await api.post(`/runs/${run.id}/complete`);
      notify(`已确认 ${done.day} 的取送件完成。`);
      onDone();
    } catch (error) {
      setFailure(error);
      if (error.status === 409) onDone();
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="card run-complete" aria-labelledby="run-complete-title">
    <h2 id="run-complete-title">确认完成</h2>
    ${run.left
      ? html`<p class="notice warn" id="run-left">还有 ${run.left} 件未办理。确认完成后，这些办件的任务仍留在待办中，下次排班时会再次列入清单。</p>`
      : html`<p class="hint">清单中的办件均已办理。</p>`}
    ${failure ? html`<${ErrorBox} error=${failure} />` : null}
    <button type="button" class="primary" id="run-complete" disabled=${busy} onClick=${complete}>
      ${busy ? "正在确认…" : "确认本次取送件完成"}</button>
  </section>`;
}

function RunDetail({ id, user }) {
  const state = useLoad(() => api.get(`/runs/${id}`), [id]);
  const title = state.data ? `定期取送件 · ${state.data.day}` : "定期取送件";
  return html`<${Page} title=${title} actions=${html`<a class="button" href="#/runs">返回清单</a>`}>
    <${Loaded} state=${state} loadingText="正在读取取送件…">
      ${(run) => html`<section class="card" aria-labelledby="run-facts-title">
          <h2 id="run-facts-title">出行信息</h2>
          <dl class="facts">
            <dt>日期</dt><dd id="run-day">${run.day}</dd>
            <dt>流动代办员</dt><dd>${run.agent_name || run.agent}</dd>
            <dt>乡镇</dt><dd>${run.township_name || run.township}</dd>
            <dt>状态</dt><dd id="run-status"><${StatusTag} run=${run} /></dd>
            <dt>未办</dt><dd id="run-left-count">${run.left} / ${run.cases.length} 件</dd>
            ${run.completed_at
              ? html`<dt>完成确认</dt><dd id="run-completed">${dateTime(run.completed_at)}（${run.completed_by === run.agent ? run.agent_name || run.agent : run.completed_by}）</dd>`
              : null}
          </dl>
        </section>
        <section class="card" aria-labelledby="run-cases-title">
          <h2 id="run-cases-title">办件清单</h2>
          <p class="hint">逐件打开任务办理（取件交接或送达签收），办理情况记入办件的办理记录。</p>
          <${CaseRows} run=${run} />
        </section>
        ${run.status === "open" && user.roles.includes(COMPLETER)
          ? html`<${Complete} run=${run} onDone=${state.reload} />`
          : run.status === "open"
            ? html`<p class="hint" id="run-who-completes">由本乡镇的流动代办员确认完成。</p>`
            : null}`}
    <//>
  <//>`;
}

export default function Runs({ user, params }) {
  if (params && params.id) return html`<${RunDetail} id=${params.id} user=${user} />`;
  return html`<${RunList} />`;
}
