// 办件详情: one case as the API shows it to the caller (GET /cases/{id}: the applicant
// masked as the API masks it), its open tasks and who acts next, the messages it waits
// for, cancelling it (撤件), its history (GET /cases/{id}/history), the diagram (the case
// diagram page, framed) with a step slider and the state after the chosen event
// (GET /cases/{id}/state?at=N), the verification of its record (GET /cases/{id}/verify),
// and its scanned materials (材料附件, js/parts/attachments.js).
import * as api from "../api.js";
import { CaseDocuments } from "../parts/documents.js";
import { Attachments } from "../parts/attachments.js";
import { WaitingMessages } from "../parts/messages.js";
import { Ratings } from "../parts/ratings.js";
import {
  DueMark,
  Empty,
  ErrorBox,
  Field,
  Loading,
  Page,
  dateTime,
  day,
  html,
  notify,
  useEffect,
  useLoad,
  useMemo,
  useRef,
  useState,
} from "../ui.js";

// processes/channels.py CHANNELS: the case records the channel's code.
const CHANNELS = {
  village_point: "村（社区）代办点",
  mobile_post: "流动代办",
  township_window: "乡镇便民服务中心窗口",
  county_centre: "县政务服务中心",
  enforcement: "执法人员依职权立案",
};
const STATUS_TAGS = { open: "blue", completed: "green", cancelled: "" };
const NOT_FOUND = Symbol("not found");

function caseId(params) {
  const id = Number(params.id);
  return Number.isInteger(id) && id > 0 ? id : null;
}

// A case that does not exist and one outside the caller's scope look the same (404).
function NotFound() {
  return html`<${Page} title="没有找到办件">
    <${Empty}>
      <p><strong>没有找到这个办件。</strong></p>
      <p>请核对办件编号；只能查看您办理范围内的办件。可到 <a href="#/cases">办件查询</a> 按编号、申请人查找。</p>
    <//>
  <//>`;
}

// ---------------------------------------------------------------- values

function scalar(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (value === true) return "是";
  if (value === false) return "否";
  return String(value);
}

// The Chinese names of the history's fields (GET /cases/{id}/history: one map for all its
// events): `labels` field path -> title, `values` field path -> {code -> title}. A path is
// `parent.member` from the root of the data shown; list items add nothing.
const NO_NAMES = { labels: {}, values: {} };

function historyNames(history) {
  return history ? { labels: history.labels || {}, values: history.value_labels || {} } : NO_NAMES;
}

function own(map, key) {
  return map && Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

// A code shown by its title (the code itself on hover); anything else as it is.
function coded(value, options) {
  const title = typeof value === "string" ? own(options, value) : undefined;
  return title === undefined ? scalar(value) : html`<span class="coded" title=${value}>${title}</span>`;
}

// JSON-like data as nested lists, exactly as the API gave it (masking included), each field
// by its Chinese title (its name on hover) and each code by its title; a large object (the
// item's catalogue entry kept at registration) folds away.
export function DataList({ value, names = NO_NAMES, path = "", depth = 0 }) {
  const options = path ? own(names.values, path) : undefined;
  if (value === null || typeof value !== "object") return coded(value, options);
  if (Array.isArray(value)) {
    if (!value.length) return "—";
    if (value.every((v) => v === null || typeof v !== "object")) {
      return value.map((v) => (typeof v === "string" && own(options, v) !== undefined ? own(options, v) : scalar(v))).join("、");
    }
    return html`<ol class="data-items">${value.map((v) => html`<li><${DataList} value=${v} names=${names} path=${path} depth=${depth + 1} /></li>`)}</ol>`;
  }
  const entries = Object.entries(value);
  if (!entries.length) return "—";
  return html`<dl class="data">
    ${entries.map(([key, inner]) => {
      const at = path ? `${path}.${key}` : key;
      const label = own(names.labels, at);
      const big = inner && typeof inner === "object" && !Array.isArray(inner) && Object.keys(inner).length > 8;
      const nested = html`<${DataList} value=${inner} names=${names} path=${at} depth=${depth + 1} />`;
      return html`<div class="data-row" data-key=${at}>
        <dt title=${label === undefined ? null : key}>${label === undefined ? key : label}</dt>
        <dd>${big
          ? html`<details><summary>${Object.keys(inner).length} 项，点击展开</summary>${nested}</details>`
          : nested}</dd>
      </div>`;
    })}
  </dl>`;
}

function names(history, detail) {
  const known = {};
  for (const event of history ? history.events : []) if (event.actor_name) known[event.actor] = event.actor_name;
  for (const task of detail ? detail.tasks : []) {
    for (const c of task.candidates) known[c.user] = c.name;
    if (task.claimed_by && task.claimed_by_name) known[task.claimed_by] = task.claimed_by_name;
  }
  return (user) => (user ? (known[user] ? `${known[user]}（${user}）` : user) : "—");
}

function offsetText(seconds) {
  const days = Math.floor(seconds / 86400);
  const hours = Math.round((seconds % 86400) / 3600);
  return [days ? days + " 天" : "", hours ? hours + " 小时" : ""].filter(Boolean).join(" ") || seconds + " 秒";
}

// ---------------------------------------------------------------- facts and tasks

function Facts({ detail }) {
  const applicant = detail.applicant || {};
  const place = [detail.village_name, detail.township_name].filter(Boolean).join(" · ");
  return html`<section class="card case-facts" aria-labelledby="case-facts-title">
    <h2 id="case-facts-title">办件信息</h2>
    <dl class="facts">
      <dt>办件编号</dt><dd class="case-number">${detail.case_number || "—"}</dd>
      <dt>事项</dt><dd>${detail.item_name || "—"}<span class="item-code">（${detail.item_code}）</span></dd>
      <dt>状态</dt>
      <dd>
        <span class=${"tag " + (STATUS_TAGS[detail.status] || "")}>${detail.status_name}</span>
        ${detail.emergency ? html` <span class="tag red">急事急办</span>` : null}
        ${detail.has_incident ? html` <span class="tag yellow">流程异常，待处理</span>` : null}
        ${detail.read_only ? html` <span class="tag">只读：您只能查看</span>` : null}
      </dd>
      <dt>${detail.channel === "enforcement" ? "当事人" : "申请人"}</dt><dd class="applicant-name">${applicant.name || "—"}</dd>
      ${applicant.kind === "organisation"
        ? html`<dt>统一社会信用代码</dt><dd class="applicant-uscc">${applicant.uscc || "—"}</dd>
            <dt>法定代表人（负责人）</dt><dd>${applicant.legal_representative || "—"}</dd>`
        : html`<dt>公民身份号码</dt><dd class="applicant-id">${applicant.id_number || "—"}</dd>`}
      <dt>联系电话</dt><dd class="applicant-phone">${applicant.phone || "—"}</dd>
      ${applicant.address ? html`<dt>住址</dt><dd>${applicant.address}</dd>` : null}
      <dt>收件渠道</dt>
      <dd>${CHANNELS[detail.channel] || detail.channel || "—"}${detail.via_proxy
        ? html` <span class="tag blue">代办</span>${detail.agent ? "（代办员 " + detail.agent + "）" : ""}`
        : null}</dd>
      <dt>所在村（社区）· 乡镇</dt><dd>${place || "—"}</dd>
      ${detail.clue
        ? html`<dt>案情（违法线索）</dt><dd class="case-clue">${detail.clue.facts}</dd>
            <dt>违法地点</dt><dd>${detail.clue.place}</dd>`
        : null}
      ${detail.registered_unit && detail.registered_unit !== detail.township
        ? html`<dt>收件单位</dt><dd>${detail.registered_unit_name || detail.registered_unit}（全县域通办）</dd>`
        : null}
      <dt>登记时间</dt><dd>${dateTime(detail.created_at)}</dd>
      <dt>办结期限</dt>
      <dd>${detail.due_date
        ? detail.status === "open"
          ? html`<${DueMark} due=${detail.due_date} overdue=${detail.overdue} />`
          : html`<span class="due">${day(detail.due_date)}</span>`
        : html`<span class="due none">受理后起算</span>`}</dd>
      ${detail.county_since
        ? html`<dt>县级部门</dt><dd>${detail.department_name || detail.department}（${dateTime(detail.county_since)} 起在县级部门办理）</dd>`
        : null}
      ${detail.materials && detail.materials.length
        ? html`<dt>已收材料</dt><dd>${detail.materials.join("、")}</dd>`
        : null}
    </dl>
  </section>`;
}

function WhoNext({ task }) {
  if (!task.candidates.length) {
    return html`<span class="nobody">今日无人在岗可办：可请乡镇分管领导指派</span>`;
  }
  return html`<ul class="candidates">
    ${task.candidates.map(
      (c) => html`<li>${c.name}${c.stand_in_for ? html`<span class="stand-in">（代岗：代 ${c.stand_in_for_name || c.stand_in_for}）</span>` : null}</li>`,
    )}
  </ul>`;
}

function Tasks({ detail, user }) {
  const leads = user.roles.includes("township_leader") && detail.township === user.org_unit && !detail.read_only;
  if (!detail.tasks.length) {
    return html`<section class="card" aria-labelledby="case-tasks-title">
      <h2 id="case-tasks-title">待办任务</h2>
      <p class="muted">${detail.status === "open"
        ? detail.waiting_messages.length ? "没有待办任务：办件在等待下面的消息。" : "没有待办任务。"
        : "办件已" + detail.status_name + "，没有待办任务。"}</p>
    </section>`;
  }
  return html`<section class="card" aria-labelledby="case-tasks-title">
    <h2 id="case-tasks-title">待办任务（谁接着办）</h2>
    <div class="table-wrap">
      <table class="list stack case-tasks">
        <thead><tr>
          <th scope="col">环节</th><th scope="col">岗位 · 单位</th><th scope="col">环节时限</th>
          <th scope="col">认领</th><th scope="col">谁接着办</th><th scope="col" class="no-print">操作</th>
        </tr></thead>
        <tbody>
          ${detail.tasks.map((t) => {
            const mine = t.candidates.some((c) => c.user === user.id);
            return html`<tr data-task=${t.id}>
              <td data-label="环节">${t.name}</td>
              <td data-label="岗位 · 单位">${t.role_name || t.role || "—"} · ${t.org_unit_name || t.org_unit || "—"}</td>
              <td data-label="环节时限"><${DueMark} due=${t.due_at} overdue=${t.overdue} /></td>
              <td data-label="认领">${t.claimed_by ? t.claimed_by_name || t.claimed_by : "未认领"}</td>
              <td data-label="谁接着办"><${WhoNext} task=${t} /></td>
              <td data-label="操作" class="no-print">
                ${mine ? html`<a class="button primary" href=${"#/tasks/" + t.id}>办理</a>` : null}
                ${leads ? html`<a class="button" href=${`#/leader?case=${detail.id}&task=${t.id}`}>改派</a>` : null}
                ${!mine && !leads ? html`<span class="muted">—</span>` : null}
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </section>`;
}

// ---------------------------------------------------------------- cancel (撤件)

function Cancel({ detail, onDone }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState(null);
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const field = useRef(null);
  useEffect(() => {
    if (open && field.current) field.current.focus();
  }, [open]);
  async function submit(event) {
    event.preventDefault();
    setFailure(null);
    if (!reason.trim()) {
      setError("请填写撤件原因");
      field.current && field.current.focus();
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await api.request("POST", `/cases/${detail.id}/cancel`, {
        body: { reason: reason.trim() },
        headers: { "If-Match": `"${detail.version}"` },
      });
      notify(`办件 ${detail.case_number} 已撤件。`);
      setOpen(false);
      onDone();
    } catch (failed) {
      if (failed.status === 422 && failed.fields.reason) setError(failed.fields.reason);
      else setFailure(failed);
      if (failed.status === 412 || failed.status === 409) onDone();
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="card no-print case-cancel" aria-labelledby="case-cancel-title">
    <h2 id="case-cancel-title">撤件</h2>
    ${!open
      ? html`<p>申请人撤回申请或办件登记有误时撤件；撤件后办件结束，待办任务全部取消。</p>
          <button type="button" class="danger" onClick=${() => setOpen(true)} aria-expanded="false">撤件…</button>`
      : html`<form onSubmit=${submit} novalidate>
          ${error || failure
            ? html`<div class="state error" role="alert">
                ${error ? html`<p><strong>撤件原因：${error}</strong></p>` : null}
                ${failure
                  ? html`<p><strong>${failure.status === 412 ? "办件已被他人改变，没有撤件。" : failure.message}</strong></p>
                      <p>${failure.status === 412 ? "已重新读取办件：请核对后再决定是否撤件。" : "请稍后重试。"}</p>`
                  : null}
              </div>`
            : null}
          <${Field} label="撤件原因" required id="cancel-reason" error=${error} hint="将记入办件历史，最多 500 字">
            <textarea id="cancel-reason" ref=${field} maxlength="500" value=${reason}
              onInput=${(e) => setReason(e.target.value)}
              aria-invalid=${error ? "true" : null}
              aria-describedby=${["cancel-reason-hint", error ? "cancel-reason-error" : null].filter(Boolean).join(" ")}></textarea>
          <//>
          <div class="form-actions">
            <button type="submit" class="danger" disabled=${busy}>${busy ? "正在撤件…" : "确认撤件"}</button>
            <button type="button" onClick=${() => { setOpen(false); setError(null); setFailure(null); }}>取消</button>
          </div>
        </form>`}
  </section>`;
}

// ---------------------------------------------------------------- history

function eventLabel(event) {
  return `#${event.seq} ${dateTime(event.at)} ${event.type_name}${event.task ? "：" + event.task.name : ""}（${event.actor_name || event.actor}）`;
}

function Submitted({ event, who, names }) {
  const data = event.data || {};
  const rest = { ...data };
  delete rest.task_id;
  delete rest.acting_for;
  if (event.type === "task_assigned" && data.user) {
    return html`<p class="event-line"><span class="what">指派给</span>${who(data.user)}</p>`;
  }
  if (event.type === "case_cancelled") {
    return html`<p class="event-line"><span class="what">撤件原因</span>${scalar(data.reason)}</p>`;
  }
  if (!Object.keys(rest).length) return null;
  if (event.type === "message_received") {
    const message = own(own(names.values, "name"), data.name);
    return html`<div class="event-data">
      <p class="what">消息${message === undefined
        ? ` ${scalar(data.name)} `
        : html`「<span class="message-name" title=${data.name}>${message}</span>」`}的内容</p>
      <${DataList} value=${data.payload} names=${names} />
    </div>`;
  }
  if (data.data && typeof data.data === "object") {
    const extra = { ...rest };
    delete extra.data;
    return html`<div class="event-data">
      <p class="what">提交的数据</p>
      <${DataList} value=${data.data} names=${names} />
      ${Object.keys(extra).length
        ? html`<details class="event-extra"><summary>记录的其他数据</summary><${DataList} value=${extra} names=${names} /></details>`
        : null}
    </div>`;
  }
  return html`<div class="event-data"><p class="what">记录的数据</p><${DataList} value=${rest} names=${names} /></div>`;
}

function Timeline({ history, who }) {
  const names = historyNames(history);
  return html`<section class="card case-history" aria-labelledby="case-history-title">
    <h2 id="case-history-title">办理记录（${history.events.length} 个事件）</h2>
    ${history.masked
      ? html`<p class="notice info">您对该办件只有查看权限：身份证号、电话已遮蔽。</p>`
      : null}
    <ol class="timeline">
      ${history.events.map(
        (e) => html`<li class="event" id=${"event-" + e.seq} data-seq=${e.seq}>
          <p class="event-head">
            <span class="seq">#${e.seq}</span>
            <time datetime=${e.at}>${dateTime(e.at)}</time>
            <span><strong class="event-type">${e.type_name}</strong>${e.task ? html`<span class="event-task">：${e.task.name}</span>` : null}</span>
            ${e.clock_offset
              ? html`<span class="tag yellow clock-offset" title="记录时培训时钟比系统时钟快 ${e.clock_offset} 秒">培训时钟 +${offsetText(e.clock_offset)}</span>`
              : null}
          </p>
          <p class="event-line event-who">
            <span class="what">经办</span>
            <span class="actor">${e.actor_name ? `${e.actor_name}（${e.actor}）` : e.actor}</span>
            ${e.role_name || e.role ? html` · <span class="role">${e.role_name || e.role}</span>` : null}
            ${e.org_unit_name || e.org_unit ? html` · <span class="unit">${e.org_unit_name || e.org_unit}</span>` : null}
          </p>
          ${e.on_behalf_of
            ? html`<p class="event-line"><span class="what">代办对象</span><span class="on-behalf">${e.on_behalf_of}</span></p>`
            : null}
          ${e.data && e.data.acting_for
            ? html`<p class="event-line"><span class="what">代岗</span>代 ${who(e.data.acting_for)} 办理</p>`
            : null}
          <${Submitted} event=${e} who=${who} names=${names} />
          ${e.opened.length
            ? html`<p class="event-line"><span class="what">产生待办</span>${e.opened
                .map((t) => `${t.name}（${t.role_name || t.role || "—"} · ${t.org_unit_name || t.org_unit || "—"}）`)
                .join("；")}</p>`
            : null}
        </li>`,
      )}
    </ol>
  </section>`;
}

// ---------------------------------------------------------------- replay and diagram

function StepState({ caseId, at, who, names }) {
  const state = useLoad(() => api.get(`/cases/${caseId}/state`, { at }), [caseId, at]);
  return html`<section class="step-state" aria-labelledby="step-state-title" aria-live="polite"
      aria-busy=${state.loading ? "true" : "false"}>
    <h3 id="step-state-title">第 ${at} 号事件之后的状态</h3>
    ${state.loading && (!state.data || state.data.seq !== at)
      ? html`<${Loading} text="正在重放…" />`
      : state.error
        ? html`<${ErrorBox} error=${state.error} retry=${state.reload} />`
        : html`<div class="state-body" data-seq=${state.data.seq}>
            <dl class="facts">
              <dt>时间</dt><dd class="state-at">${dateTime(state.data.at)}</dd>
              <dt>状态</dt><dd class="state-status">${state.data.status_name}</dd>
              <dt>办结期限</dt><dd class="state-due">${state.data.due_date || "未起算"}</dd>
            </dl>
            <h4>当时的待办</h4>
            ${state.data.tasks.length
              ? html`<ul class="state-tasks">
                  ${state.data.tasks.map(
                    (t) => html`<li data-task=${t.id}>
                      <span class="state-task-name">${t.name}</span>
                      <span class="muted">（${t.role_name || t.role || "—"} · ${t.org_unit_name || t.org_unit || "—"}）</span>
                      <span class="state-claim">${t.claimed_by ? "认领人：" + who(t.claimed_by) : "未认领"}</span>
                    </li>`,
                  )}
                </ul>`
              : html`<p class="muted">没有待办任务。</p>`}
            <details class="state-data">
              <summary>当时的办件数据${state.data.masked ? "（身份证号、电话已遮蔽）" : ""}</summary>
              <${DataList} value=${state.data.data} names=${names} />
            </details>
          </div>`}
  </section>`;
}

function Replay({ detail, history, who }) {
  const events = history.events;
  const last = events.length;
  const [at, setAt] = useState(last);
  const [shown, setShown] = useState(last);
  useEffect(() => {
    // Dragging or holding an arrow key moves the label at once, the diagram when it rests.
    if (at === shown) return undefined;
    const timer = setTimeout(() => setShown(at), 250);
    return () => clearTimeout(timer);
  }, [at]);
  const chosen = events[at - 1];
  const label = chosen ? eventLabel(chosen) : "";
  const session = api.session();
  const token = session ? session.token : "";
  const query = shown < last ? `?embed=1&at=${shown}` : "?embed=1";
  const src = `/cases/${detail.id}/diagram${query}#token=${encodeURIComponent(token)}`;
  const move = (n) => setAt(Math.min(last, Math.max(1, n)));
  return html`<section class="card no-print case-replay" aria-labelledby="case-replay-title">
    <h2 id="case-replay-title">流程图与回放</h2>
    <p class="hint">拖动滑块或用方向键选择一个事件，流程图和旁边的状态显示该事件之后的样子（由历史事件重放得出）。</p>
    <div class="step-control">
      <label for="case-step">查看时点</label>
      <input id="case-step" type="range" min="1" max=${last} step="1" value=${at}
        aria-valuetext=${label} onInput=${(e) => move(Number(e.target.value))} />
      <div class="step-buttons">
        <button type="button" onClick=${() => move(at - 1)} disabled=${at <= 1}>上一步</button>
        <button type="button" onClick=${() => move(at + 1)} disabled=${at >= last}>下一步</button>
        <button type="button" onClick=${() => move(last)} disabled=${at >= last}>回到当前</button>
      </div>
      <output for="case-step" id="case-step-label" class="step-label">${label}${at === last ? "（当前）" : ""}</output>
    </div>
    <div class="replay-body">
      <iframe key=${src} class="case-diagram" src=${src} data-at=${shown}
        title=${`办件流程图：第 ${shown} 号事件之后`}></iframe>
      <${StepState} caseId=${detail.id} at=${shown} who=${who} names=${historyNames(history)} />
    </div>
  </section>`;
}

// ---------------------------------------------------------------- verify

function Verify({ caseId }) {
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    try {
      setResult({ report: await api.get(`/cases/${caseId}/verify`) });
    } catch (error) {
      setResult({ error });
    } finally {
      setBusy(false);
    }
  }
  const report = result && result.report;
  const first = report && report.problems[0];
  return html`<section class="card case-verify" aria-labelledby="case-verify-title">
    <h2 id="case-verify-title">校验办理记录</h2>
    <p class="no-print">逐个核对事件的哈希链，重放每个事件并与记录的状态摘要、办件快照比对。</p>
    <button type="button" onClick=${run} disabled=${busy}>${busy ? "正在校验…" : "校验"}</button>
    <div role="status" aria-live="polite" class="verify-result">
      ${result && result.error ? html`<${ErrorBox} error=${result.error} retry=${run} />` : null}
      ${report
        ? report.ok
          ? html`<p class="notice ok"><strong>校验通过：记录完整。</strong>${report.events} 个事件的哈希链前后相接，逐事件重放的状态摘要与记录一致，办件快照与重放结果一致。</p>`
          : html`<div class="notice warn">
              <p><strong>校验未通过：记录有不一致。</strong></p>
              ${first
                ? html`<p>第一处不一致：${first.seq === null || first.seq === undefined ? "办件快照" : `第 ${first.seq} 号事件`}：${first.message}</p>`
                : null}
              <p>${report.summary}。请勿继续办理，并报告系统管理员。</p>
            </div>`
        : null}
    </div>
  </section>`;
}

// ---------------------------------------------------------------- page

export default function Case({ user, params }) {
  const id = caseId(params);
  const loaded = useLoad(async () => {
    if (id === null) return NOT_FOUND;
    try {
      const [read, history] = await Promise.all([
        api.request("GET", `/cases/${id}`),
        api.get(`/cases/${id}/history`),
      ]);
      return { detail: read.data, history };
    } catch (error) {
      if (error.status === 404) return NOT_FOUND;
      throw error;
    }
  }, [id]);
  const who = useMemo(
    () => names(loaded.data && loaded.data.history, loaded.data && loaded.data.detail),
    [loaded.data],
  );
  if (loaded.loading && !loaded.data) return html`<${Page} title="办件详情"><${Loading} text="正在读取办件…" /><//>`;
  if (loaded.error) return html`<${Page} title="办件详情"><${ErrorBox} error=${loaded.error} retry=${loaded.reload} /><//>`;
  if (loaded.data === NOT_FOUND) return html`<${NotFound} />`;
  const { detail, history } = loaded.data;
  const actions = html`<a class="button" href="#/cases">返回办件查询</a>
    <button type="button" onClick=${() => window.print()}>打印</button>`;
  return html`<${Page} title=${"办件 " + (detail.case_number || "#" + detail.id)} actions=${actions}>
    <p class="print-only print-meta">打印：${user.name}（${user.org_unit_name || user.org_unit}）</p>
    <${Facts} detail=${detail} />
    <${Tasks} detail=${detail} user=${user} />
    <div class="no-print"><${WaitingMessages} detail=${detail} onDone=${loaded.reload} /></div>
    <${Ratings} detail=${detail} user=${user} onDone=${loaded.reload} />
    <${Attachments} caseId=${detail.id} onChange=${loaded.reload} />
    ${!detail.read_only && detail.status === "open"
      ? html`<${Cancel} detail=${detail} onDone=${loaded.reload} />`
      : null}
    <${CaseDocuments} caseId=${detail.id} version=${detail.version} />
    <${Replay} key=${history.events.length} detail=${detail} history=${history} who=${who} />
    <${Timeline} history=${history} who=${who} />
    <${Verify} caseId=${detail.id} />
  <//>`;
}
