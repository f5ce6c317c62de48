(function () {
  "use strict";
  // The exam page's autosave: every change of an answer is sent to the server at once (one
  // request in flight per field; later changes wait and are merged), and counts as saved only
  // when the server says it is committed. Failed sends are retried with a growing pause. The
  // clock counts down from the server's remaining time and submits the paper at zero.
  var form = document.getElementById("qg-paper");
  if (!form) { return; }
  var url = "/api/attempt/" + form.dataset.attempt + "/answer";
  var csrf = form.dataset.csrf;
  var stateBox = document.getElementById("qg-state");
  var clockBox = document.getElementById("qg-clock");
  var deadline = Date.now() + Number(form.dataset.remaining) * 1000;
  var pending = {}, inflight = {}, timers = {};
  var failures = 0, retrying = null, leaving = false;

  function busy() { return Object.keys(pending).length + Object.keys(inflight).length; }
  function show(message) {
    var n = busy();
    stateBox.textContent = message || (n ? (failures ? form.dataset.unsaved : form.dataset.saving)
                                         : form.dataset.saved);
    stateBox.className = "qg-state " + (message || (n && failures) ? "qg-bad" : n ? "qg-busy" : "qg-ok");
  }
  function retryLater() {
    if (retrying) { return; }
    var pause = Math.min(30000, 500 * Math.pow(2, Math.min(failures, 6)));
    retrying = setTimeout(function () {
      retrying = null;
      Object.keys(pending).forEach(send);
    }, pause);
  }
  function send(name) {
    if (inflight[name] || !(name in pending) || leaving) { return; }
    var value = pending[name];
    delete pending[name];
    inflight[name] = true;
    show();
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({name: name, value: value})
    }).then(function (r) {
      return r.json().then(function (d) { return {status: r.status, ok: r.ok, data: d}; });
    }).then(function (res) {
      delete inflight[name];
      if (res.ok) {
        failures = 0;
        deadline = Date.now() + res.data.remaining * 1000;
      } else if (res.status === 409 || res.status === 401 || res.status === 403) {
        leaving = true;                 // time up, submitted, or signed out: the server says
        window.location.assign("/exam");
        return;
      } else if (res.status >= 500 || res.status === 429) {
        if (!(name in pending)) { pending[name] = value; }
        failures += 1;
        retryLater();
      } else {
        show(res.data.error);
        return;
      }
      if (name in pending) { send(name); }
      show();
    }).catch(function () {
      delete inflight[name];
      if (!(name in pending)) { pending[name] = value; }
      failures += 1;
      retryLater();
      show();
    });
  }
  function changed(event) {
    var name = event.target.name;
    if (!name || name.charAt(0) !== "q") { return; }
    pending[name] = new FormData(form).getAll(name);
    show();
    clearTimeout(timers[name]);
    timers[name] = setTimeout(function () { send(name); }, event.type === "input" ? 300 : 0);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  document.getElementById("qg-submit").addEventListener("click", function (event) {
    if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); } else { leaving = true; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (busy() && !leaving) {           // an answer not yet acknowledged: ask before leaving
      event.preventDefault();
      event.returnValue = "";
    }
  });
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    clockBox.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
    if (left <= 0 && !leaving) {
      leaving = true;
      form.action = "/submit";
      form.submit();
      return;
    }
    setTimeout(tick, 1000);
  }
  show();
  tick();
}());
