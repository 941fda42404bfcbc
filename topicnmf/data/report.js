(function () {
  var box = document.getElementById("filter-box"), input = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  var topics = Array.prototype.slice.call(document.querySelectorAll("article.topic"));
  if (!box || !input) { return; }
  box.hidden = false;
  input.addEventListener("input", function () {
    var query = input.value.trim().toLowerCase(), shown = 0;
    topics.forEach(function (article) {
      var hit = !query || article.getAttribute("data-search").indexOf(query) >= 0;
      article.hidden = !hit;
      if (hit) { shown += 1; }
    });
    count.textContent = query ? shown + " of " + topics.length + " shown" : "";
  });
})();
