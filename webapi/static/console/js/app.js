// The console's frame: sign-in, the menu for the person's roles, and the router that
// loads each page's module on first use (#/tasks, #/cases/12, ...).

import * as api from "./api.js";
import { ErrorBox, Loading, html, navigate, render, useEffect, useRef, useState } from "./ui.js";

const STAFF = ["village_agent", "mobile_agent", "township_window", "township_backoffice",
  "township_leader", "county_officer", "station_officer"];
const FRONT = ["village_agent", "mobile_agent", "township_window", "park_window"];
// The designated hospital's doctors (评定医生) assess the cases handed to them: their
// queue and those cases, no issue ledger.
const ASSESSORS = ["assessment_doctor"];

// Every page: its address, module, menu label and the roles that see it in the menu.
// The API decides what anyone may do; the menu only leaves out what a role cannot use.
export const ROUTES = [
  { path: "/tasks", module: "tasks", label: "我的待办", roles: [...STAFF, ...ASSESSORS] },
  { path: "/tasks/:id", module: "task" },
  // township_backoffice: the enforcement officers' 执法立案 (the same page, channel enforcement)
  { path: "/register", module: "register", label: "办件登记", roles: [...FRONT, "township_backoffice"] },
  { path: "/receipt/:id", module: "receipt" },
  { path: "/cases", module: "cases", label: "办件查询", roles: [...STAFF, ...ASSESSORS, "park_window", "supervisor"] },
  { path: "/cases/:id", module: "case" },
  { path: "/runs", module: "runs", label: "定期取送件",
    roles: ["mobile_agent", "township_window", "township_backoffice", "township_leader", "supervisor"] },
  { path: "/runs/:id", module: "runs" },
  { path: "/leader", module: "leader", label: "领导审批", roles: ["township_leader"] },
  { path: "/dashboard", module: "dashboard", label: "效能监督", roles: ["supervisor", "township_leader"] },
  { path: "/ledger", module: "ledger", label: "问题台账", roles: [...STAFF, "supervisor"] },
  { path: "/ledger/:id", module: "issue" },
  { path: "/exports", module: "exports", label: "数据导出", roles: ["supervisor"] },
  { path: "/admin/people", module: "people", label: "人员与岗位", roles: ["admin"] },
  { path: "/admin/absences", module: "absences", label: "离岗登记", roles: ["admin", "township_leader"] },
  { path: "/admin/notices", module: "notices", label: "通知发送", roles: ["admin"] },
  { path: "/designer", module: "definitions", label: "流程定义", roles: ["designer"] },
  { path: "/designer/:id", module: "definition" },
  { path: "/account", module: "account", label: "修改密码", roles: null },
];

function match(hash) {
  const path = (hash.replace(/^#/, "") || "/").split("?")[0];
  for (const route of ROUTES) {
    const names = [];
    const pattern = route.path.replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return "([^/]+)";
    });
    const found = new RegExp("^" + pattern + "/?$").exec(path);
    if (found) {
      const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])]));
      return { route, params };
    }
  }
  return null;
}

export function menuFor(user) {
  return ROUTES.filter(
    (r) => r.label && (r.roles === null || r.roles.some((role) => user.roles.includes(role))),
  );
}

function homeFor(user) {
  const first = menuFor(user).find((r) => r.roles !== null);
  return first ? first.path : "/account";
}

// ------------------------------------------------------------------ sign-in

const ENDED = {
  expired: "登录已过期，请重新登录。",
  signed_out: "您已退出登录。",
};

function Login({ onIn, reason }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const userRef = useRef(null);
  useEffect(() => {
    document.title = "登录 · 办事工作台";
    userRef.current && userRef.current.focus();
  }, []);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    setBusy(true);
    setError(null);
    try {
      onIn(await api.login(String(form.get("user")).trim(), String(form.get("password"))));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  const locked = error && error.code === "login_locked";
  return html`<main class="login" id="main">
    <form class="card login-card" onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title">办事工作台</h1>
      <p class="sub">渠县乡镇（街道）便民服务 · 村（社区）代办</p>
      ${reason && !error ? html`<p class="notice info" role="status">${ENDED[reason] || reason}</p>` : null}
      <div class="field">
        <label for="login-user">用户名</label>
        <input id="login-user" name="user" ref=${userRef} autocomplete="username" required maxlength="64" />
      </div>
      <div class="field">
        <label for="login-password">密码</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="256" />
      </div>
      ${error
        ? html`<div class="state error" role="alert" id="login-error">
            <p><strong>${locked ? "账号已暂时锁定" : error.status === 401 ? "用户名或密码不正确" : error.message}</strong></p>
            <p>${locked
              ? error.message
              : error.status === 401
                ? "请核对后重试；连续输错 5 次，本机登录此账号将锁定 15 分钟。"
                : "请稍后重试。"}</p>
          </div>`
        : null}
      <button type="submit" class="primary" disabled=${busy}>${busy ? "正在登录…" : "登录"}</button>
      <p class="hint">登录只在本浏览器标签页内有效，关闭标签页即退出。</p>
    </form>
  </main>`;
}

// ------------------------------------------------------------------- frame

const pages = new Map();
function loadPage(name) {
  if (!pages.has(name)) pages.set(name, import(`./pages/${name}.js`).then((m) => m.default));
  return pages.get(name);
}

function Frame({ user, children, current }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const menu = menuFor(user);
  function skip(event) {
    event.preventDefault();
    const heading = document.getElementById("page-title") || document.getElementById("main");
    heading && heading.focus();
  }
  return html`<div class="frame">
    <a class="skip" href="#main" onClick=${skip}>跳到正文</a>
    <header class="top">
      <a class="brand" href=${"#" + homeFor(user)}>办事工作台</a>
      <button type="button" class="menu-toggle" aria-expanded=${menuOpen} aria-controls="menu"
        onClick=${() => setMenuOpen(!menuOpen)}>菜单</button>
      <p class="who">
        <span class="who-name">${user.name}</span>
        <span class="who-unit">${user.org_unit_name || user.org_unit}</span>
        <span class="who-roles">${(user.role_names || user.roles).join("、")}</span>
      </p>
      <button type="button" class="signout" onClick=${() => api.logout()}>退出登录</button>
    </header>
    <nav id="menu" class=${"menu" + (menuOpen ? " open" : "")} aria-label="主菜单">
      <ul>
        ${menu.map(
          (r) => html`<li><a href=${"#" + r.path} aria-current=${current && current.path.startsWith(r.path) ? "page" : null}
            onClick=${() => setMenuOpen(false)}>${r.label}</a></li>`,
        )}
      </ul>
    </nav>
    <main id="main" tabindex="-1">${children}</main>
    <div id="notices" class="notices" role="status" aria-live="polite"></div>
  </div>`;
}

function NotFound() {
  return html`<section class="page"><h1 id="page-title" tabindex="-1">找不到这个页面</h1>
    <p>地址有误，或页面已移动。请从左侧菜单进入。</p></section>`;
}

function Routed({ user }) {
  const [hash, setHash] = useState(location.hash);
  const [loaded, setLoaded] = useState(null);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  const found = match(hash);
  useEffect(() => {
    if (!api.checkExpiry()) return;
    if (!found) {
      if (hash === "" || hash === "#" || hash === "#/") navigate(homeFor(user));
      setLoaded({ Component: NotFound, key: hash });
      return;
    }
    let live = true;
    loadPage(found.route.module).then(
      (Component) => live && setLoaded({ Component, key: hash }),
      (error) => live && setLoaded({ error, key: hash }),
    );
    return () => {
      live = false;
    };
  }, [hash]);
  useEffect(() => {
    // After a route change, the keyboard and screen reader start at the page's heading.
    const heading = document.getElementById("page-title");
    if (heading && document.activeElement === document.body) heading.focus();
  }, [loaded]);
  let body = html`<${Loading} />`;
  if (loaded && loaded.key === hash) {
    if (loaded.error) body = html`<${ErrorBox} error=${loaded.error} retry=${() => location.reload()} />`;
    else {
      const { Component } = loaded;
      const path = (hash.replace(/^#/, "") || "/").split("?")[0];
      body = html`<${Component} key=${path} user=${user} params=${found ? found.params : {}} />`;
    }
  }
  return html`<${Frame} user=${user} current=${found && found.route}>${body}<//>`;
}

function App() {
  const [user, setUser] = useState(() => (api.session() || {}).user || null);
  const [reason, setReason] = useState(null);
  useEffect(
    () =>
      api.onSessionEnd((why) => {
        setReason(why);
        setUser(null);
      }),
    [],
  );
  useEffect(() => {
    // A stored session is checked once: a revoked or expired token signs out visibly.
    if (user) api.get("/auth/me").then((me) => setUser((u) => (u ? { ...u, ...me } : u)), () => {});
  }, []);
  if (!user) {
    return html`<${Login} reason=${reason} onIn=${(u) => {
      setReason(null);
      setUser(u);
      if (!match(location.hash)) navigate(homeFor(u));
    }} />`;
  }
  return html`<${Routed} user=${user} />`;
}

const root = document.getElementById("app");
root.textContent = ""; // the "loading" line of index.html
render(html`<${App} />`, root);
