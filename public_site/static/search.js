// Search as you type. The search form works without this script; with it, the first
// matches appear under the box while the person types (slow connections: one request in
// flight per pause, stale answers dropped). Text is inserted as text, never as HTML.
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !window.fetch) return;
  var statuses = JSON.parse(input.getAttribute("data-statuses") || "{}");
  var list = document.createElement("ul");
  list.id = "suggestions";
  list.className = "suggestions";
  list.setAttribute("aria-live", "polite");
  input.setAttribute("aria-controls", "suggestions");
  input.form.appendChild(list);
  var timer = null;
  var latest = 0;

  function item(hit) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = "/c/" + encodeURIComponent(hit.certificate_no);
    var strong = document.createElement("strong");
    strong.textContent = hit.models.join("; ");
    a.appendChild(strong);
    li.appendChild(a);
    li.appendChild(document.createTextNode(" — " + hit.brand + " · " + hit.certificate_no + " · "));
    var status = document.createElement("span");
    status.className = "status status-" + hit.status;
    status.textContent = statuses[hit.status] || hit.status;
    li.appendChild(status);
    return li;
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      var ticket = ++latest;
      if (q.length < 2) {
        list.replaceChildren();
        return;
      }
      fetch("/api/v1/search?per_page=8&q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body || ticket !== latest) return;
          list.replaceChildren.apply(list, body.hits.map(item));
        })
        .catch(function () {});
    }, 150);
  });
})();
