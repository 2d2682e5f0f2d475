// 修改密码: the signed-in person changes their own password (POST /auth/password); the
// other sessions of the account end, this one stays.
import * as api from "../api.js";
import { Field, Page, html, notify, useState } from "../ui.js";

export default function Account({ user }) {
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const next = String(form.get("new_password"));
    if (next !== String(form.get("repeat"))) {
      setErrors({ repeat: "两次输入的新密码不一致" });
      return;
    }
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      await api.post("/auth/password", { old_password: String(form.get("old_password")), new_password: next });
      event.target.reset();
      notify("密码已修改：本账号在其他电脑上的登录已退出。");
    } catch (error) {
      const fields = error.fields || {};
      if (Object.keys(fields).length) setErrors(fields);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  }
  return html`<${Page} title="修改密码">
    <form class="card" onSubmit=${submit} novalidate>
      <p>${user.name}（${user.id}）。新密码至少 8 位，不能与用户名相同。</p>
      ${failure ? html`<p class="state error" role="alert">${failure.message}</p>` : null}
      <${Field} label="原密码" required error=${errors.old_password} id="old-password">
        <input id="old-password" name="old_password" type="password" autocomplete="current-password"
          aria-invalid=${errors.old_password ? "true" : null} aria-describedby=${errors.old_password ? "old-password-error" : null} />
      <//>
      <${Field} label="新密码" required error=${errors.new_password} id="new-password">
        <input id="new-password" name="new_password" type="password" autocomplete="new-password"
          aria-invalid=${errors.new_password ? "true" : null} aria-describedby=${errors.new_password ? "new-password-error" : null} />
      <//>
      <${Field} label="再输一次新密码" required error=${errors.repeat} id="repeat-password">
        <input id="repeat-password" name="repeat" type="password" autocomplete="new-password"
          aria-invalid=${errors.repeat ? "true" : null} aria-describedby=${errors.repeat ? "repeat-password-error" : null} />
      <//>
      <button type="submit" class="primary" disabled=${busy}>保存新密码</button>
    </form>
  <//>`;
}
