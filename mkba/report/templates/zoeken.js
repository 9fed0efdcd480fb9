/* Search in the batch index: works from the files alone (file://, no server, no CDN).
 * The names come from zoekindex.js (window.MKBA_ZOEKINDEX: [name, where, link] per gemeente
 * and wijk). Results are built with textContent, never as HTML: a name from an input file
 * cannot become markup. Each name sits in a <bdi>, so a right-to-left name cannot turn the
 * text after it around. */
(function () {
  "use strict";
  var data = window.MKBA_ZOEKINDEX || [];
  var form = document.getElementById("zoek");
  var field = document.getElementById("zoekveld");
  var status = document.getElementById("zoekstatus");
  var list = document.getElementById("zoekresultaten");
  if (!form || !field || !data.length) { return; }
  var MAX = 50;

  function plain(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim();
  }
  var keys = data.map(function (d) { return " " + plain(d[0] + " " + d[1]) + " "; });

  function show() {
    var words = plain(field.value).split(" ").filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    var found = 0;
    for (var i = 0; i < data.length; i++) {
      var key = keys[i];
      if (!words.every(function (w) { return key.indexOf(w) >= 0; })) { continue; }
      found += 1;
      if (found > MAX) { continue; }
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = data[i][2];
      var name = document.createElement("bdi");
      name.textContent = data[i][0];
      link.appendChild(name);
      item.appendChild(link);
      if (data[i][1]) {
        var where = document.createElement("span");
        where.className = "stil";
        where.textContent = " — " + data[i][1];
        item.appendChild(where);
      }
      list.appendChild(item);
    }
    status.textContent = found === 0 ? "Geen gemeente of wijk gevonden."
      : found === 1 ? "1 gevonden."
      : found > MAX ? found + " gevonden; de eerste " + MAX + " staan hieronder. Typ meer om te verfijnen."
      : found + " gevonden.";
  }

  form.hidden = false;
  field.addEventListener("input", show);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = list.querySelector("a");
    if (first) { window.location.href = first.href; }
  });
}());
