// 办理: one task — its case, the form its step publishes (a JSON Schema, drawn by
// parts/form.js), claim/release, and the submit (POST /tasks/{id}/complete with If-Match:
// the case version read with the task). A refused submit lists every error the server
// names, at the top and beside each field, and keeps what was typed; an accepted one says
// who acts next (step, unit, people) from the answer's next_tasks.

import * as api from "../api.js";
import { ErrorSummary, SchemaFields, labelsOf, useSchemaForm } from "../parts/form.js";
import { WaitingMessages, messageForms } from "../parts/messages.js";
import {
  DueMark,
  ErrorBox,
  Loaded,
  Loading,
  Page,
  day,
  html,
  notify,
  useEffect,
  useLoad,
  useState,
} from "../ui.js";

export default function TaskPage({ user, params }) {
  const state = useLoad(async () => {
    const { data: task, etag } = await api.request("GET", `/tasks/${encodeURIComponent(params.id)}`);
    let detail = null;
    try {
      detail = await api.get(`/cases/${task.case_id}`);
    } catch (error) {
      if (error.status !== 404) throw error;
    }
    return { task, etag, detail };
  }, [params.id]);
  const [done, setDone] = useState(null);
  if (done) {
    return html`<${Page} title="已提交"><${NextStep} done=${done} user=${user} /><//>`;
  }
  const title = state.data ? `办理：${state.data.task.name}` : "办理";
  return html`<${Page} title=${title}>
    <${Loaded} state=${state} loadingText="正在读取任务…">
      ${(data) => html`<${TaskWork} key=${data.task.id + ":" + data.task.case_version} loaded=${data}
        user=${user} reload=${state.reload} onDone=${setDone} />`}
    <//>
    ${state.error && state.error.status === 404
      ? html`<p><a href="#/tasks">返回我的待办</a>：任务可能已由他人办理。</p>`
      : null}
  <//>`;
}

function TaskWork({ loaded, user, reload, onDone }) {
  const [task, setTask] = useState(loaded.task);
  const detail = loaded.detail;
  const schema = task.form;
  const prefix = "task-form";
  const { data, errors, summary, failure, setFailure, busy, setBusy, change, leave, submit } =
    useSchemaForm(schema, async (body) => {
      const { data: answer } = await api.request("POST", `/tasks/${task.id}/complete`, {
        body,
        headers: { "If-Match": `"${task.case_version}"` },
      });
      notify(`已提交：${task.name}`);
      onDone(answer);
    });

  async function claim(action) {
    setBusy(true);
    setFailure(null);
    try {
      const changed = await api.post(`/tasks/${task.id}/${action}`, undefined, {
        headers: { "If-Match": `"${task.case_version}"` },
      });
      setTask(changed);
      notify(action === "claim" ? "已认领，请办理。" : "已放弃认领，任务回到队列。");
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const mine = task.claimed_by === user.id;
  const coveredFor = task.may_act && task.claimed_by && !mine ? task.claimed_by_name : null;
  return html`
    <${Facts} task=${task} detail=${detail} />
    <div class="claim-bar no-print">
      ${!task.may_act
        ? html`<p class="notice warn" role="status">
            ${task.claimed_by ? `此任务已由${task.claimed_by_name}认领，` : "您不担任此任务的岗位，"}您只能查看，不能办理。
          </p>`
        : coveredFor
          ? html`<p class="notice warn stand-in-note">代岗：此任务由${coveredFor}认领，其离岗期间由您代为办理，记录为代${coveredFor}办理。</p>`
          : !task.claimed_by
            ? html`<p class="claim-line">此任务尚未认领：认领后，本岗位其他人员不能再办理。
                <button type="button" id="claim-task" onClick=${() => claim("claim")} disabled=${busy}>认领</button></p>`
            : html`<p class="claim-line">您已认领此任务。
                <button type="button" id="unclaim-task" onClick=${() => claim("unclaim")} disabled=${busy}>放弃认领</button></p>`}
    </div>
    ${failure ? html`<${ErrorBox} error=${failure} retry=${failure.status === 412 || failure.status === 409 ? reload : null} />` : null}
    ${task.may_act
      ? html`<form class="card task-form" onSubmit=${submit} novalidate aria-labelledby="task-form-title">
          <h2 id="task-form-title">${task.name}</h2>
          <p class="hint">带 <span class="required">*</span> 的为必填项。</p>
          <${ErrorSummary} errors=${summary} labels=${labelsOf(schema)} prefix=${prefix} focus=${true} />
          <${SchemaFields} schema=${schema} data=${data} errors=${errors} prefix=${prefix}
            onChange=${change} onLeave=${leave} disabled=${busy} />
          <div class="form-actions">
            <button type="submit" class="primary" id="submit-task" disabled=${busy}>${busy ? "正在提交…" : "提交"}</button>
            <a href="#/tasks">返回我的待办</a>
          </div>
        </form>`
      : html`<p><a href="#/tasks">返回我的待办</a></p>`}
  `;
}

function Facts({ task, detail }) {
  const applicant = detail && detail.applicant;
  return html`<section class="card task-facts" aria-label="办件与环节">
    <dl class="facts">
      <dt>办件编号</dt>
      <dd><a href=${"#/cases/" + task.case_id}>${task.case_number || task.case_id}</a></dd>
      <dt>事项</dt>
      <dd>${task.item_name || task.item_code || "—"}</dd>
      ${applicant
        ? html`<dt>申请人</dt><dd>${applicant.name}（${applicant.id_number}）${applicant.phone ? "，" + applicant.phone : ""}</dd>`
        : null}
      <dt>环节</dt>
      <dd>${task.name}</dd>
      <dt>办理岗位</dt>
      <dd>${task.org_unit_name || task.org_unit || "—"} · ${task.role_name || task.role || "—"}</dd>
      <dt>环节时限</dt>
      <dd><${DueMark} due=${task.due_at} overdue=${task.overdue} /></dd>
      ${detail
        ? html`<dt>办结期限</dt><dd>${detail.due_date ? day(detail.due_date) : "受理后计算"}</dd>
            <dt>收件渠道</dt><dd>${detail.via_proxy ? "代办" : "窗口"}${detail.agent ? "（代办员 " + detail.agent + "）" : ""}</dd>
            <dt>已收材料</dt>
            <dd>${detail.materials && detail.materials.length
              ? html`<ul class="plain">${detail.materials.map((m) => html`<li>${m}</li>`)}</ul>`
              : "无"}</dd>`
        : null}
    </dl>
  </section>`;
}

// After a submit: the step done, and who acts next.
function NextStep({ done, user }) {
  // nothing to take next and still open: it waits for a message — read which (and its
  // name from the API document), and offer the form when the person may post it
  const waits = !done.next_tasks.length && done.case.status === "open";
  const [detail, setDetail] = useState(null);
  const [titles, setTitles] = useState(null);
  const [failure, setFailure] = useState(null);
  useEffect(() => {
    if (!waits) return;
    Promise.all([api.get(`/cases/${done.case_id}`), messageForms().catch(() => ({}))]).then(
      ([found, forms]) => {
        setTitles(Object.fromEntries(Object.entries(forms).map(([n, f]) => [n, f.title])));
        setDetail(found);
      },
      setFailure,
    );
  }, []);
  const open = detail ? detail.tasks : done.next_tasks;
  const status = detail ? detail.status : done.case.status;
  const waiting = detail ? detail.waiting_messages : [];
  const settled = !waits || detail || failure;
  return html`<section class="next-step" aria-labelledby="next-title">
    <p class="notice ok" role="status">已提交：${done.name}（办件 ${done.case_number}）。</p>
    ${!settled ? html`<${Loading} text="正在读取办件的下一步…" />` : null}
    ${settled
      ? html`<h2 id="next-title">
          ${open.length
            ? `已提交，下一步由 ${open.map((t) => [t.org_unit_name, t.role_name].filter(Boolean).join(" · ")).join("、")} 办理`
            : status === "completed"
              ? "办件已办结"
              : status === "cancelled"
                ? "办件已撤件"
                : waiting.length
                  ? `已提交，办件等待：${waiting.map((n) => (titles && titles[n]) || n).join("、")}`
                  : "已提交"}
        </h2>`
      : null}
    ${open.length
      ? html`<ul class="next-tasks">
          ${open.map((t) => html`<li class="card" data-next=${t.spec_id}>
            <p><strong>${t.name}</strong>：${t.org_unit_name || t.org_unit}，${t.role_name || t.role}
              ${t.due_at ? html`，时限 <${DueMark} due=${t.due_at} overdue=${t.overdue} />` : null}</p>
            <p>${t.claimed_by
              ? `已由${t.claimed_by_name}认领。`
              : t.candidates.length
                ? html`可以办理的人：${t.candidates.map((c, i) => html`${i ? "、" : ""}<span class="person">${c.name}${c.stand_in_for ? `（代${c.stand_in_for_name}）` : ""}</span>`)}`
                : "当日无人在岗，可由乡镇分管领导指派。"}</p>
            ${t.candidates.some((c) => c.user === user.id)
              ? html`<p><a class="button primary" href=${"#/tasks/" + t.id}>接着办理：${t.name}</a></p>`
              : null}
          </li>`)}
        </ul>`
      : null}
    ${failure ? html`<${ErrorBox} error=${failure} />` : null}
    ${detail && waiting.length ? html`<${WaitingMessages} detail=${detail} onDone=${(changed) => setDetail(changed)} />` : null}
    <p class="next-links">
      <a class="button" href="#/tasks">返回我的待办</a>
      <a class="button" href=${"#/cases/" + done.case_id}>查看办件</a>
    </p>
  </section>`;
}
