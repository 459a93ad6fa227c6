/**
 * The web console: one page, no build step, talking to the same REST API with the token the user pastes (kept
 * in sessionStorage only). Everything shown is escaped.
 */
export const webConsoleHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Joinery console</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}section{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
input{font:inherit;padding:.3rem;margin:.2rem}button{font:inherit;padding:.3rem .8rem}
pre{background:#f6f6f6;padding:.6rem;overflow:auto}table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
</style>
</head>
<body>
<h1>Joinery</h1>
<p>LoRaWAN Join Server console. API reference: <a href="/api/v1/openapi.json">OpenAPI document</a>.</p>
<section>
<label>Token <input id="token" type="password" size="50" placeholder="admin token or account API key"></label>
<button id="save">Use</button> <span id="who"></span>
</section>
<section>
<h2>Device</h2>
<input id="devEui" placeholder="DevEUI (16 hex digits)" size="20"> <button id="get">Show</button>
<pre id="device"></pre>
</section>
<section>
<h2>Charges</h2>
<button id="charges">Refresh</button>
<table><thead><tr><th>DevEUI</th><th>Account</th><th>Amount</th><th>Charged at</th></tr></thead><tbody id="rows"></tbody></table>
</section>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
$('token').value = sessionStorage.getItem('joinery-token') || '';
async function api(path) {
  const res = await fetch(path, { headers: { authorization: 'Bearer ' + $('token').value } });
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(body && body.error ? body.error.code + ': ' + body.error.message : res.statusText);
  return body;
}
$('save').onclick = async () => {
  sessionStorage.setItem('joinery-token', $('token').value);
  try { const w = await api('/api/v1/whoami'); $('who').textContent = w.scope + (w.accountId ? ' ' + w.accountId : ''); }
  catch (e) { $('who').textContent = e.message; }
};
$('get').onclick = async () => {
  try { $('device').textContent = JSON.stringify(await api('/api/v1/devices/' + encodeURIComponent($('devEui').value)), null, 2); }
  catch (e) { $('device').textContent = e.message; }
};
$('charges').onclick = async () => {
  try {
    const { charges } = await api('/api/v1/billing/charges');
    $('rows').innerHTML = charges.map((c) => '<tr><td>' + esc(c.devEui) + '</td><td>' + esc(c.accountId) + '</td><td>' +
      esc((c.amountMinor / 100).toFixed(2) + ' ' + c.currency) + '</td><td>' + esc(c.chargedAt) + '</td></tr>').join('');
  } catch (e) { $('rows').innerHTML = '<tr><td colspan="4">' + esc(e.message) + '</td></tr>'; }
};
</script>
</body>
</html>
`;
