// 我的待办: the tasks the signed-in person may take (its posts, its unit), holds, or does
// for an absent colleague (代岗); narrowed and ordered by the API (GET /tasks: view,
// item, overdue, sort), one request per view of the list — never one per row.
// Claim (认领) and release (放弃认领) per row; 办理 opens #/tasks/{id}.

import * as api from "../api.js";
import {
  DueMark,
  Empty,
  ErrorBox,
  Loaded,
  Page,
  Pager,
  dateTime,
  html,
  notify,
  routeQuery,
  setRouteQuery,
  useLoad,
  useState,
} from "../ui.js";

const VIEWS = [
  ["all", "全部"],
  ["unclaimed", "待认领"],
  ["mine", "我已认领"],
  ["stand_in", "代岗"],
];
const SORTS = [
  ["due", "先到期的在前"],
  ["newest", "最新到达的在前"],
  ["item", "按事项"],
];
const PAGE_SIZE = 50;
const FRONT = ["village_agent", "mobile_agent", "township_window"];

function fromAddress() {
  const q = routeQuery();
  return {
    view: VIEWS.some(([v]) => v === q.view) ? q.view : "all",
    item: q.item || "",
    overdue: q.overdue === "true",
    sort: SORTS.some(([s]) => s === q.sort) ? q.sort : "due",
    page: Math.max(1, Number(q.page) || 1),
  };
}

export default function Tasks({ user }) {
  const [query, setQuery] = useState(fromAddress);
  const [acting, setActing] = useState(null); // the task being claimed or released
  const [failure, setFailure] = useState(null);
  const state = useLoad(
    () =>
      api.get("/tasks", {
        view: query.view,
        item: query.item,
        overdue: query.overdue ? "true" : "",
        sort: query.sort,
        page: query.page,
        page_size: PAGE_SIZE,
      }),
    [query.view, query.item, query.overdue, query.sort, query.page],
  );

  function update(change) {
    const next = { ...query, page: 1, ...change };
    setQuery(next);
    setRouteQuery({
      view: next.view === "all" ? "" : next.view,
      item: next.item,
      overdue: next.overdue ? "true" : "",
      sort: next.sort === "due" ? "" : next.sort,
      page: next.page > 1 ? next.page : "",
    });
  }

  async function change(task, action) {
    setActing(task.id);
    setFailure(null);
    try {
      // If-Match: the case as this list showed it; changed since (412), the list is read again
      await api.post(`/tasks/${task.id}/${action}`, undefined, {
        headers: { "If-Match": `"${task.case_version}"` },
      });
      notify(action === "claim" ? `已认领：${task.name}（${task.case_number}）` : `已放弃认领：${task.name}`);
      state.reload();
    } catch (error) {
      setFailure(error);
      state.reload();
    } finally {
      setActing(null);
    }
  }

  const front = user.roles.some((r) => FRONT.includes(r));
  const actions = front ? html`<a class="button" href="#/register">办件登记</a>` : null;
  return html`<${Page} title="我的待办" actions=${actions}>
    <${Loaded} state=${state} loadingText="正在读取待办…">
      ${(data) => html`
        <${Filters} data=${data} query=${query} update=${update} />
        ${failure ? html`<${ErrorBox} error=${failure} />` : null}
        ${data.items.length
          ? html`<${TaskTable} items=${data.items} user=${user} acting=${acting} change=${change} />
              ${data.total > PAGE_SIZE
                ? html`<${Pager} page=${query.page} pageSize=${PAGE_SIZE} total=${data.total}
                    onPage=${(page) => update({ page })} />`
                : null}`
          : html`<${Nothing} data=${data} query=${query} update=${update} front=${front} />`}
      `}
    <//>
  <//>`;
}

function Filters({ data, query, update }) {
  const counts = data.counts;
  return html`<div class="queue-tabs tabs" role="tablist" aria-label="待办范围">
      ${VIEWS.map(
        ([view, label]) => html`<button type="button" role="tab" id=${"view-" + view}
          aria-selected=${query.view === view ? "true" : "false"}
          onClick=${() => update({ view })}>${label}<span class="count">${counts[view]}</span></button>`,
      )}
    </div>
    <div class="filters queue-filters">
      <div class="field">
        <label for="queue-item">事项</label>
        <select id="queue-item" onChange=${(e) => update({ item: e.target.value })}>
          <option value="" selected=${!query.item}>全部事项</option>
          ${data.item_counts.map(
            (i) => html`<option value=${i.item_code} selected=${query.item === i.item_code}>
              ${i.item_name || i.item_code}（${i.count}）</option>`,
          )}
          ${query.item && !data.item_counts.some((i) => i.item_code === query.item)
            ? html`<option value=${query.item} selected>${query.item}（0）</option>`
            : null}
        </select>
      </div>
      <div class="field">
        <label for="queue-sort">排序</label>
        <select id="queue-sort" onChange=${(e) => update({ sort: e.target.value })}>
          ${SORTS.map(([sort, label]) => html`<option value=${sort} selected=${query.sort === sort}>${label}</option>`)}
        </select>
      </div>
      <label class="check">
        <input type="checkbox" id="queue-overdue" checked=${query.overdue}
          onChange=${(e) => update({ overdue: e.target.checked })} />
        只看已超期（${counts.overdue}）
      </label>
    </div>
    <p class="queue-total" role="status">
      ${query.view === "all" && !query.item && !query.overdue
        ? `共 ${data.total} 条待办`
        : `符合条件的 ${data.total} 条（全部 ${counts.all} 条）`}
    </p>`;
}

function holderText(task, user) {
  if (task.stand_in_for) return null;
  if (!task.claimed_by) return html`<span class="tag blue">待认领</span>`;
  if (task.claimed_by === user.id) return html`<span class="tag green">我已认领</span>`;
  return html`<span class="tag">已由${task.claimed_by_name}认领</span>`;
}

function TaskTable({ items, user, acting, change }) {
  return html`<div class="table-wrap">
    <table class="list stack queue">
      <caption class="visually-hidden">我的待办列表</caption>
      <thead>
        <tr>
          <th scope="col">任务</th>
          <th scope="col">办件</th>
          <th scope="col">到达时间</th>
          <th scope="col">环节时限</th>
          <th scope="col">认领</th>
          <th scope="col">操作</th>
        </tr>
      </thead>
      <tbody>
        ${items.map((task) => {
          const label = `${task.name}（${task.case_number || "办件 " + task.case_id}）`;
          const busy = acting === task.id;
          return html`<tr key=${task.id} data-task=${task.id}
              class=${task.stand_in_for ? "stand-in" : task.overdue || task.warning === "red" ? "late" : ""}>
            <td data-label="任务">
              <a href=${"#/tasks/" + task.id} class="task-name">${task.name}</a>
              <span class="sub">${task.item_name || task.item_code}</span>
            </td>
            <td data-label="办件">
              <a href=${"#/cases/" + task.case_id}>${task.case_number || task.case_id}</a>
              ${task.applicant_name ? html`<span class="sub">申请人：${task.applicant_name}</span>` : null}
            </td>
            <td data-label="到达时间">${dateTime(task.created_at)}</td>
            <td data-label="环节时限"><${DueMark} due=${task.due_at} overdue=${task.overdue} warning=${task.warning} /></td>
            <td data-label="认领">
              ${task.stand_in_for
                ? html`<span class="tag yellow stand-in-mark">代岗</span>
                    <span class="sub">${task.stand_in_for_name}离岗期间代办</span>`
                : holderText(task, user)}
            </td>
            <td data-label="操作" class="row-actions">
              ${!task.claimed_by
                ? html`<button type="button" class="claim" disabled=${busy}
                    aria-label=${"认领 " + label} onClick=${() => change(task, "claim")}>认领</button>`
                : task.claimed_by === user.id
                  ? html`<button type="button" class="unclaim" disabled=${busy}
                      aria-label=${"放弃认领 " + label} onClick=${() => change(task, "unclaim")}>放弃认领</button>`
                  : null}
              <a class="button primary handle" href=${"#/tasks/" + task.id} aria-label=${"办理 " + label}>办理</a>
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

function Nothing({ data, query, update, front }) {
  if (data.counts.all === 0) {
    return html`<${Empty}>
      <p><strong>暂无待办。</strong></p>
      <p>${front
        ? html`新的办件登记后，需要您办理的环节会出现在这里。要为群众办件，请到 <a href="#/register">办件登记</a>。`
        : "有需要您岗位办理的环节时会出现在这里；要查看办件进度，请到 "}
        ${front ? null : html`<a href="#/cases">办件查询</a>。`}</p>
    <//>`;
  }
  return html`<${Empty}>
    <p><strong>没有符合条件的待办。</strong></p>
    <p>您共有 ${data.counts.all} 条待办。
      <button type="button" class="link" onClick=${() => update({ view: "all", item: "", overdue: false })}>查看全部待办</button></p>
  <//>`;
}
