// 人员与岗位 (administrator): the county's people and their posts (GET /users: roles, unit,
// A/B partner or stand-in, absent today, and the account: password set, locked, live
// logins), filtered by name, role and unit, paged; per person a password reset (a one-time
// temporary password, shown once) and revoking all their logins.
import * as api from "../api.js";
import { Dialog } from "../parts/dialog.js";
import {
  Empty,
  ErrorBox,
  Field,
  Loaded,
  Page,
  Pager,
  dateTime,
  html,
  notify,
  routeQuery,
  setRouteQuery,
  useLoad,
  useRef,
  useState,
} from "../ui.js";

const PAGE_SIZE = 20;
// The roles of processes/org.py, in its order (the API's role filter takes these codes).
const ROLES = [
  ["village_agent", "村代办员"],
  ["mobile_agent", "流动代办员"],
  ["township_window", "乡镇便民服务中心窗口（A岗）"],
  ["township_backoffice", "后台（B岗）"],
  ["township_leader", "乡镇分管领导"],
  ["county_officer", "县级部门经办人"],
  ["station_officer", "基层站所经办人"],
  ["assessment_doctor", "评定医生"],
  ["supervisor", "效能监督/审计"],
  ["designer", "流程设计员"],
  ["admin", "系统管理员"],
];

function readQuery() {
  const q = routeQuery();
  return { q: q.q || "", role: q.role || "", unit: q.unit || "", page: Math.max(1, Number(q.page) || 1) };
}

export default function People({ user }) {
  const [query, setQuery] = useState(readQuery);
  const [unitName, setUnitName] = useState(null); // the name of the unit filtered by, once known
  const [action, setAction] = useState(null); // {kind: "reset" | "revoke", person}
  const list = useLoad(
    () =>
      api.get("/users", {
        q: query.q || undefined,
        role: query.role || undefined,
        unit: query.unit || undefined,
        page: query.page,
        page_size: PAGE_SIZE,
      }),
    [query.q, query.role, query.unit, query.page],
  );
  const admin = user.roles.includes("admin");

  function change(next) {
    const merged = { ...query, ...next };
    setRouteQuery({ ...merged, page: merged.page > 1 ? merged.page : "" });
    setQuery(merged);
  }
  function filter(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const unit = String(form.get("unit") || "").trim();
    if (unit !== query.unit) setUnitName(null);
    change({ q: String(form.get("q") || "").trim(), role: String(form.get("role") || ""), unit, page: 1 });
  }
  function byUnit(person) {
    setUnitName(person.unit_name);
    change({ unit: person.unit, page: 1 });
  }
  const filtered = query.q || query.role || query.unit;
  const fields = (list.error && list.error.fields) || {};

  return html`<${Page} title="人员与岗位" wide>
    <p class="lede">全县人员的岗位：角色、单位、AB 岗搭档或替岗人、今天是否离岗，以及账号状态。忘记密码或账号被锁定时，可在此重置密码；怀疑账号被他人使用时，可注销其全部登录。离岗请在<a href="#/admin/absences">离岗登记</a>中办理。</p>
    <form class="filters card" role="search" aria-label="筛选人员" onSubmit=${filter}>
      <${Field} label="姓名或用户名" id="people-q" error=${fields.q}>
        <input id="people-q" name="q" type="search" maxlength="50" value=${query.q} placeholder="如 王芳 或 wang"
          aria-invalid=${fields.q ? "true" : null} aria-describedby=${fields.q ? "people-q-error" : null} />
      <//>
      <${Field} label="角色" id="people-role">
        <select id="people-role" name="role" value=${query.role}>
          <option value="">全部角色</option>
          ${ROLES.map(([code, name]) => html`<option value=${code} key=${code}>${name}</option>`)}
        </select>
      <//>
      <${Field} label="单位编码" id="people-unit" error=${fields.unit}>
        <input id="people-unit" name="unit" maxlength="12" value=${query.unit} placeholder="如 511725201"
          aria-invalid=${fields.unit ? "true" : null}
          aria-describedby=${"people-unit-hint" + (fields.unit ? " people-unit-error" : "")} />
      <//>
      <button type="submit" class="primary">筛选</button>
      ${filtered
        ? html`<button type="button" onClick=${() => {
            setUnitName(null);
            change({ q: "", role: "", unit: "", page: 1 });
            document.getElementById("people-q").focus();
          }}>清除筛选</button>`
        : null}
      <p class="filters-hint" id="people-unit-hint">单位编码如 511725201（乡镇，含其村、社区）、MZ（县级部门）；也可点表中的单位名称，只看该单位的人员。</p>
    </form>
    ${query.unit
      ? html`<p class="notice info filter-note">只看单位 ${unitName ? html`<strong>${unitName}</strong>（${query.unit}）` : html`<strong>${query.unit}</strong>`}
          ${query.unit.length === 9 ? "及其村、社区" : ""}的人员。</p>`
      : null}
    <${Loaded} state=${list} loadingText="正在读取人员…">
      ${(data) =>
        data.items.length
          ? html`<div class="table-wrap">
                <table class="list stack people">
                  <caption class="visually-hidden">人员与岗位，按单位排列</caption>
                  <thead><tr>
                    <th scope="col">人员</th><th scope="col">角色</th><th scope="col">单位</th>
                    <th scope="col">AB 岗搭档 / 替岗人</th><th scope="col">今天</th>
                    ${admin ? html`<th scope="col">账号</th><th scope="col">操作</th>` : null}
                  </tr></thead>
                  <tbody>
                    ${data.items.map(
                      (p) => html`<${PersonRow} key=${p.id} person=${p} admin=${admin}
                        onUnit=${byUnit} onAction=${(kind) => setAction({ kind, person: p })} />`,
                    )}
                  </tbody>
                </table>
              </div>
              <${Pager} page=${data.page} pageSize=${data.page_size} total=${data.total}
                onPage=${(page) => change({ page })} />`
          : html`<${Empty}>
              <p>${filtered ? "没有符合筛选条件的人员。" : "还没有人员。"}</p>
              <p>${filtered ? "请放宽条件，或清除筛选查看全部。" : "人员来自组织机构文件，请检查服务的组织机构配置。"}</p>
            <//>`}
    <//>
    ${action && action.kind === "reset"
      ? html`<${ResetPassword} person=${action.person} onClose=${() => { setAction(null); list.reload(); }} />`
      : null}
    ${action && action.kind === "revoke"
      ? html`<${RevokeLogins} person=${action.person} onClose=${() => { setAction(null); list.reload(); }} />`
      : null}
  <//>`;
}

function PersonRow({ person: p, admin, onUnit, onAction }) {
  const partner = p.ab_partner
    ? html`<span class="partner">AB 岗：${p.ab_partner.name}</span>`
    : p.stand_in
      ? html`<span class="partner">替岗：${p.stand_in.name}</span>`
      : html`<span class="muted">无</span>`;
  const locked = p.locked_until ? html`<span class="tag red">锁定至 ${dateTime(p.locked_until)}</span>` : null;
  return html`<tr>
    <td data-label="人员"><strong>${p.name}</strong> <span class="user-id">${p.id}</span></td>
    <td data-label="角色">${p.role_names.join("、")}</td>
    <td data-label="单位">
      <button type="button" class="link" title=${"只看" + (p.unit_name || p.unit) + "的人员"}
        onClick=${() => onUnit(p)}>${p.unit_name || p.unit}</button>
      ${p.office_name ? html`<span class="office">${p.office_name}</span>` : null}
    </td>
    <td data-label="AB 岗搭档 / 替岗人">${partner}</td>
    <td data-label="今天">${p.absent_today
      ? html`<span class="tag yellow">离岗</span>${p.deputy_today ? html` 由${p.deputy_today.name}代办` : html` <span class="tag red">无人代办</span>`}`
      : html`<span class="tag green">在岗</span>`}</td>
    ${admin
      ? html`<td data-label="账号" class="account">
            ${p.has_password ? html`<span>已设密码</span>` : html`<span class="tag">未设密码</span>`}
            ${locked}
            <span class="logins">${p.active_tokens ? `${p.active_tokens} 个登录` : "未登录"}</span>
          </td>
          <td data-label="操作" class="actions">
            <button type="button" onClick=${() => onAction("reset")}
              aria-label=${"重置密码：" + p.name}>重置密码</button>
            <button type="button" onClick=${() => onAction("revoke")} disabled=${!p.active_tokens}
              aria-label=${"注销登录：" + p.name}>注销登录</button>
          </td>`
      : null}
  </tr>`;
}

function ResetPassword({ person, onClose }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState(null);
  const [done, setDone] = useState(null);
  const [copied, setCopied] = useState(null);
  const secret = useRef(null);
  async function reset() {
    setBusy(true);
    setFailure(null);
    try {
      setDone(await api.post(`/users/${encodeURIComponent(person.id)}/password`));
      notify(`已重置${person.name}的密码。`);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }
  async function copy() {
    try {
      await navigator.clipboard.writeText(done.temporary_password);
      setCopied("已复制到剪贴板。");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(secret.current);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      setCopied("无法自动复制：密码已选中，请按 Ctrl+C 复制。");
    }
  }
  if (done) {
    return html`<${Dialog} title="临时密码" onClose=${onClose} step="done">
      <p>${done.user_name}（${done.user}）的临时密码：</p>
      <p class="temp-password">
        <code id="temp-password" ref=${secret} aria-label="临时密码">${done.temporary_password}</code>
        <button type="button" onClick=${copy} data-initial>复制</button>
      </p>
      <p class="copied" role="status">${copied || ""}</p>
      <div class="notice warn">
        <p><strong>这个密码只显示这一次，关闭后无法再查看。</strong></p>
        <p>请当面交给${done.user_name}本人（或打电话告知），不要通过微信、短信或邮件发送。本人用它登录后，请立即在“修改密码”中设置自己的密码。</p>
      </div>
      <p>${done.revoked_tokens ? `已注销其 ${done.revoked_tokens} 个登录` : "其没有在用的登录"}，登录锁定已解除。</p>
      <div class="dialog-actions">
        <button type="button" class="primary" onClick=${onClose}>我已记下，关闭</button>
      </div>
    <//>`;
  }
  return html`<${Dialog} title="重置密码" onClose=${onClose} step="confirm">
    <p>重置 <strong>${person.name}</strong>（${person.id}）的密码？</p>
    <ul>
      <li>生成一个一次性的临时密码，只显示这一次；原密码随即失效。</li>
      <li>注销其全部登录${person.active_tokens ? `（当前 ${person.active_tokens} 个）` : ""}：已打开的页面下次操作时需重新登录。</li>
      <li>解除密码输错造成的登录锁定。</li>
    </ul>
    <${ErrorBox} error=${failure} />
    <div class="dialog-actions">
      <button type="button" class="primary danger-fill" onClick=${reset} disabled=${busy}>${busy ? "正在重置…" : "确认重置"}</button>
      <button type="button" onClick=${onClose} data-initial>取消</button>
    </div>
  <//>`;
}

function RevokeLogins({ person, onClose }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState(null);
  const [done, setDone] = useState(null);
  async function revoke() {
    setBusy(true);
    setFailure(null);
    try {
      const result = await api.post(`/users/${encodeURIComponent(person.id)}/revoke`);
      setDone(result);
      notify(`已注销${result.user_name}的 ${result.revoked_tokens} 个登录。`);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }
  if (done) {
    return html`<${Dialog} title="已注销登录" onClose=${onClose} step="done">
      <p id="revoked-count" role="status">已注销 ${done.user_name}（${done.user}）的 <strong>${done.revoked_tokens}</strong> 个登录。</p>
      <p>其已打开的页面下次操作时将要求重新登录；密码不变。</p>
      <div class="dialog-actions">
        <button type="button" class="primary" onClick=${onClose} data-initial>关闭</button>
      </div>
    <//>`;
  }
  return html`<${Dialog} title="注销全部登录" onClose=${onClose} step="confirm">
    <p>注销 <strong>${person.name}</strong>（${person.id}）的全部登录${person.active_tokens ? `（当前 ${person.active_tokens} 个）` : ""}？</p>
    <p>其已打开的页面下次操作时需重新登录；密码不变。怀疑账号被他人使用时，请同时重置密码。</p>
    <${ErrorBox} error=${failure} />
    <div class="dialog-actions">
      <button type="button" class="primary danger-fill" onClick=${revoke} disabled=${busy}>${busy ? "正在注销…" : "确认注销"}</button>
      <button type="button" onClick=${onClose} data-initial>取消</button>
    </div>
  <//>`;
}
