/* quizgen drill pack: checks the answers typed into each problem's form, in the browser.
   Mirrors quizgen/drill/check.py: forgiving about spelling, strict about the value.
   The key (answers, explanations, filled diagrams) is a base64 blob XOR'd with a key that
   sits beside it: that keeps the answers out of sight in the page source, nothing more. Anyone
   can decode it, as this script does; the page says it is for self-study, not for exams. */
(function () {
  "use strict";
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var MAX = 4294967295;
  var W = JSON.parse(document.getElementById("qg-words").textContent);
  var data = document.getElementById("qg-data");

  function bytes(b64) {
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  var KEY = (function () {
    var blob = bytes(data.getAttribute("data-blob")), key = bytes(data.getAttribute("data-key"));
    for (var i = 0; i < blob.length; i++) blob[i] ^= key[i % key.length];
    return JSON.parse(new TextDecoder("utf-8").decode(blob));
  })();

  function clean(s) { return String(s).normalize("NFKC").trim(); }
  function squash(s) { return String(s).normalize("NFKC").replace(/[\s_\-（）()]/g, "").toUpperCase(); }
  var STATES = {};
  W.states.forEach(function (s) { STATES[squash(s)] = true; });
  function fmt(s, o) { return s.replace(/\{(\w+)\}/g, function (m, k) { return k in o ? o[k] : m; }); }
  function span(n) { return "A–" + LETTERS.charAt(n - 1); }

  /* {ok: bool} for a read answer, {hint: text} for input that is no answer */
  function grade(spec, field) {
    var k = spec.k, v, i;
    if (k === "number" || k === "bit" || k === "text") {
      v = clean(field.querySelector("input").value);
    }
    if (k === "number") {
      var low = v.toLowerCase(), n;
      if (/^0x[0-9a-f]+$/.test(low)) n = parseInt(low.slice(2), 16);
      else if (/^[0-9]+$/.test(low)) n = parseInt(low, 10);
      else return {hint: W.hint_number};
      if (n > MAX) return {hint: W.hint_number_range};
      return {ok: n === spec.a};
    }
    if (k === "bit") {
      if (v !== "0" && v !== "1") return {hint: W.hint_bit};
      return {ok: Number(v) === spec.a};
    }
    if (k === "text") {
      if (spec.state) {
        var key = squash(v);
        if (!v || !STATES[key]) return {hint: W.hint_state};
        return {ok: spec.a.some(function (s) { return squash(s) === key; })};
      }
      if (!v) return {hint: W.hint_text};
      return {ok: spec.a.some(function (s) { return s.toLowerCase() === v.toLowerCase(); })};
    }
    var picked = [];
    field.querySelectorAll("input:checked, select").forEach(function (el) { picked.push(el.value); });
    if (k === "truefalse") {
      if (picked.length !== 1) return {hint: W.hint_truefalse};
      return {ok: (picked[0] === "true") === spec.a, fb: spec.fb[picked[0]]};
    }
    if (k === "choice") {
      if (!picked.length) return {hint: fmt(spec.m ? W.hint_choices : W.hint_choice, {range: span(spec.n)})};
      var fb = picked.map(function (l) { return spec.fb[l] || ""; }).join(" ");
      return {ok: picked.slice().sort().join() === spec.a.slice().sort().join(), fb: fb};
    }
    if (k === "order") {
      var seen = {};
      for (i = 0; i < picked.length; i++) {
        if (!picked[i] || seen[picked[i]]) return {hint: fmt(W.hint_order, {n: spec.n, range: spec.r})};
        seen[picked[i]] = true;
      }
      return {ok: picked.join() === spec.a.join()};
    }
    return {hint: "?"};
  }

  var right = 0, partsRight = 0;

  function check(form) {
    var problem = KEY[Number(form.getAttribute("data-index"))];
    var results = [], invalid = false;
    problem.parts.forEach(function (spec) {
      var field = form.querySelector('.qg-field[data-part="' + spec.id + '"]');
      var r = grade(spec, field);
      field.querySelector(".qg-hint").textContent = r.hint || "";
      field.classList.toggle("qg-invalid", !!r.hint);
      if (r.hint) invalid = true;
      results.push([spec, field, r]);
    });
    if (invalid) return;                      /* ask again: nothing is graded yet */
    var all = true;
    results.forEach(function (x) {
      var spec = x[0], field = x[1], r = x[2];
      field.classList.add(r.ok ? "qg-right" : "qg-wrong");
      field.querySelector(".qg-mark").textContent =
          r.ok ? "✓" : "✗ " + fmt(W.answer_is, {answer: spec.x});
      if (!r.ok && r.fb) {
        var fb = document.createElement("span");
        fb.className = "qg-fb";
        fb.innerHTML = r.fb;                  /* the question's own (sanitised) feedback */
        field.appendChild(fb);
      }
      if (r.ok) partsRight++;
      all = all && r.ok;
    });
    if (all) right++;
    form.querySelectorAll("input, select, button").forEach(function (el) { el.disabled = true; });
    var result = form.querySelector(".qg-result");
    result.textContent = all ? "✓ " + W.right : "✗ " + W.wrong;
    result.classList.add(all ? "qg-right" : "qg-wrong");
    var solution = form.parentNode.querySelector(".qg-solution");
    solution.innerHTML = "<h3></h3>" + problem.explanation + "<h3></h3><div class=\"qg-ladder-box\">" +
        problem.ladder + "</div>";
    var heads = solution.querySelectorAll("h3");
    heads[0].textContent = W.explanation;
    heads[1].textContent = W.diagram;
    solution.hidden = false;
    document.getElementById("qg-right").textContent = right;
    document.getElementById("qg-parts").textContent = partsRight;
  }

  document.querySelectorAll("form.qg-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) { ev.preventDefault(); check(form); });
  });
})();
