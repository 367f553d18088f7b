// The consoles' only script: the Traffic view's live rows. Each
// server-sent "exchange" event carries one table row, rendered by the
// server with the same template as the page.
(function () {
  "use strict";
  var live = document.getElementById("traffic-live");
  if (!live || !live.dataset.stream || !window.EventSource) {
    return;
  }
  var rows = document.getElementById("traffic-rows");
  var keep = 500;
  var source = new EventSource(live.dataset.stream);
  source.addEventListener("exchange", function (ev) {
    var holder = document.createElement("tbody");
    holder.innerHTML = ev.data;
    var row = holder.firstElementChild;
    if (!row) {
      return;
    }
    row.classList.add("new");
    rows.insertBefore(row, rows.firstChild);
    while (rows.children.length > keep) {
      rows.removeChild(rows.lastChild);
    }
    var empty = document.getElementById("traffic-empty");
    if (empty) {
      empty.remove();
    }
  });
  source.addEventListener("open", function () {
    live.classList.add("connected");
  });
  source.addEventListener("error", function () {
    live.classList.remove("connected");
  });
})();
