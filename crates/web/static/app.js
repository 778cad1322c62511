// civicgrid: small conveniences only; every page works without this file.
(function () {
  // Ask before destructive actions that a form marks with data-confirm.
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // Let a toast fade after a few seconds.
  var t = document.querySelector('.toast');
  if (t) { setTimeout(function () { t.style.display = 'none'; }, 6000); }
})();
