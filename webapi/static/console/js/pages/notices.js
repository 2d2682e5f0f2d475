// 通知发送 (administrator): the SMS notice outbox (GET /notices) — every notice to a
// resident with its state, attempts, next attempt and last error, phones masked — and
// sending a dead one again (POST /notices/{id}/retry, same idempotency id).
import * as api from "../api.js";
import {
  Empty,
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

const PAGE_SIZE = 20;
const STATES = [
  ["", "全部"],
  ["pending", "待发送"],
  ["sending", "发送中"],
  ["sent", "已发送"],
  ["dead", "发送失败"],
];
const STATE_TAGS = { pending: "blue", sending: "yellow", sent: "green", dead: "red" };

export default function Notices() {
  const [query, setQuery] = useState(() => {
    const q = routeQuery();
    const state = STATES.some(([code]) => code === q.state) ? q.state : "";
    return { state, page: Math.max(1, Number(q.page) || 1) };
  });
  const list = useLoad(
    () => api.get("/notices", { state: query.state || undefined, page: query.page, page_size: PAGE_SIZE }),
    [query.state, query.page],
  );
  function change(next) {
    const merged = { ...query, ...next };
    setRouteQuery({ state: merged.state, page: merged.page > 1 ? merged.page : "" });
    setQuery(merged);
  }
  return html`<${Page} title="通知发送" wide>
    <p class="lede">受理、补正、不予受理、办结和评价邀请时发给申请人的短信。发送失败的（网关拒绝或多次重试仍失败）可在此重发，短信网关按幂等编号去重，申请人不会重复收到。</p>
    <section class="card" aria-labelledby="notices-title">
      <div class="section-head">
        <h2 id="notices-title">短信通知</h2>
        <label>状态
          <select value=${query.state} onChange=${(e) => change({ state: e.target.value, page: 1 })}>
            ${STATES.map(([code, name]) => html`<option value=${code}>${name}</option>`)}
          </select></label>
      </div>
      <${Loaded} state=${list} loadingText="正在读取短信通知…">
        ${(data) =>
          data.items.length
            ? html`<div class="table-wrap">
                  <table class="list stack outbox">
                    <caption class="visually-hidden">短信通知，新的在前</caption>
                    <thead><tr>
                      <th scope="col">办件</th><th scope="col">通知</th><th scope="col">手机号</th>
                      <th scope="col">状态</th><th scope="col">尝试</th><th scope="col">下次尝试</th>
                      <th scope="col">失败原因</th><th scope="col">操作</th>
                    </tr></thead>
                    <tbody>
                      ${data.items.map((n) => html`<${NoticeRow} key=${n.id} notice=${n} onDone=${list.reload} />`)}
                    </tbody>
                  </table>
                </div>
                <${Pager} page=${data.page} pageSize=${data.page_size} total=${data.total}
                  onPage=${(page) => change({ page })} />`
            : html`<${Empty}><p>${query.state ? "没有这一状态的通知。" : "还没有发给申请人的短信通知。"}</p><//>`}
      <//>
    </section>
  <//>`;
}

function NoticeRow({ notice: n, onDone }) {
  const [busy, setBusy] = useState(false);
  async function retry() {
    setBusy(true);
    try {
      await api.post(`/notices/${n.id}/retry`);
      notify(`已重新排队发送：${n.kind_name}（${n.case_number || n.case_id}）`);
      onDone();
    } catch (error) {
      notify(error.message, "warn");
    } finally {
      setBusy(false);
    }
  }
  return html`<tr>
    <td data-label="办件"><a href=${"#/cases/" + n.case_id}>${n.case_number || n.case_id}</a></td>
    <td data-label="通知"><strong>${n.kind_name}</strong><span class="office">${n.text}</span>
      <span class="office">${dateTime(n.created_at)} 生成</span></td>
    <td data-label="手机号">${n.phone}</td>
    <td data-label="状态"><span class=${"tag " + (STATE_TAGS[n.state] || "")}>${n.state_name}</span>
      ${n.sent_at ? html`<span class="office">${dateTime(n.sent_at)}</span>` : null}</td>
    <td data-label="尝试">${n.attempts} 次</td>
    <td data-label="下次尝试">${n.next_at ? dateTime(n.next_at) : html`<span class="muted">—</span>`}</td>
    <td data-label="失败原因">${n.last_error || html`<span class="muted">—</span>`}</td>
    <td data-label="操作">${n.state === "dead"
      ? html`<button type="button" disabled=${busy} onClick=${retry} aria-label=${"重发：" + n.kind_name + " " + (n.case_number || n.case_id)}>重发</button>`
      : null}</td>
  </tr>`;
}
