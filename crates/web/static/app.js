// civicgrid: small conveniences only; every page works without this file.
(function () {
  // Ask before destructive actions that a form marks with data-confirm.
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // The unread count beside 消息 (the link works without it).
  var badge = document.querySelector('[data-unread]');
  if (badge && window.fetch) {
    fetch('/inbox/unread', { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (j && j.unread > 0) { badge.textContent = j.unread > 99 ? '99+' : String(j.unread); badge.hidden = false; }
      })
      .catch(function () {});
  }
  // Let a toast fade after a few seconds.
  var t = document.querySelector('.toast');
  if (t) { setTimeout(function () { t.style.display = 'none'; }, 6000); }
})();
// Check-in (签到/签退): the position is asked for once, when the person presses the button,
// and never watched afterwards. Without this script, or when the position is refused or
// cannot be had, the form shows fields to type the coordinates in (and the organiser's
// roll call counts just the same).
(function () {
  var geo = navigator.geolocation;
  var options = { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 };
  function why(err) {
    if (err && err.code === 1) { return '您没有允许获取位置。'; }
    if (err && err.code === 3) { return '获取位置超时。'; }
    return '暂时无法获取位置。';
  }
  Array.prototype.forEach.call(document.querySelectorAll('form[data-geo-checkin]'), function (form) {
    var btn = form.querySelector('[data-geo-button]');
    var manual = form.querySelector('[data-geo-manual]');
    var status = form.querySelector('[data-geo-status]');
    if (!btn) { return; }
    function say(msg, bad) {
      if (!status) { return; }
      status.textContent = msg;
      status.hidden = !msg;
      status.className = bad ? 'geo-status bad' : 'geo-status';
    }
    function fallBack(msg) {
      say(msg + '可以再试一次，或在下面填写经纬度；也可以请组织者点名确认出席。', true);
      if (manual) { manual.hidden = false; }
      btn.disabled = false;
      btn.textContent = btn.getAttribute('data-retry') || btn.textContent;
    }
    if (!geo) {
      say('这个浏览器不能获取位置：请在下面填写经纬度，或请组织者点名确认出席。', true);
      return;
    }
    btn.hidden = false;
    if (manual && !manual.hasAttribute('data-geo-keep')) { manual.hidden = true; }
    var busy = false;
    btn.addEventListener('click', function () {
      if (busy) { return; }
      busy = true;
      btn.disabled = true;
      say('正在获取您现在的位置（只取这一次）…', false);
      geo.getCurrentPosition(function (p) {
        form.elements.lon.value = p.coords.longitude.toFixed(7);
        form.elements.lat.value = p.coords.latitude.toFixed(7);
        form.elements.accuracy.value = String(Math.round(p.coords.accuracy || 0));
        form.elements.crs.value = 'wgs84';
        say('已获取位置，正在提交…', false);
        form.submit();
      }, function (err) {
        busy = false;
        fallBack(why(err));
      }, options);
    });
  });
  // The cadre's position as an activity's centre, or a reporter's as a case's place:
  // once, when the button is pressed. A form's [data-geo-alt] (the grid picker and the
  // typed coordinates) is folded away while the position can be had, and opened again
  // when it cannot.
  Array.prototype.forEach.call(document.querySelectorAll('[data-geo-fill]'), function (btn) {
    var form = btn.form;
    var status = form && form.querySelector('[data-geo-fill-status]');
    var alt = form && form.querySelector('[data-geo-alt]');
    if (!geo || !form) { return; }
    btn.hidden = false;
    if (alt && !alt.hasAttribute('data-geo-keep')) { alt.open = false; }
    btn.addEventListener('click', function () {
      btn.disabled = true;
      if (status) { status.hidden = false; status.className = 'geo-status'; status.textContent = '正在获取您现在的位置…'; }
      geo.getCurrentPosition(function (p) {
        form.elements.lon.value = p.coords.longitude.toFixed(6);
        form.elements.lat.value = p.coords.latitude.toFixed(6);
        if (form.elements.crs) { form.elements.crs.value = 'wgs84'; }
        if (form.elements.accuracy) { form.elements.accuracy.value = String(Math.round(p.coords.accuracy || 0)); }
        var circle = form.querySelector('input[name=fence][value=circle]');
        if (circle) { circle.checked = true; }
        if (status) { status.textContent = '已获取您现在的位置（精度约 ' + Math.round(p.coords.accuracy || 0) + ' 米）。'; }
        if (btn.getAttribute('data-retry')) { btn.textContent = btn.getAttribute('data-retry'); }
        btn.disabled = false;
      }, function (err) {
        if (status) { status.className = 'geo-status bad'; status.textContent = why(err) + (alt ? '请在下面选择所在网格，或填写经纬度。' : '请手动填写经纬度。'); }
        if (alt) { alt.open = true; }
        btn.disabled = false;
      }, options);
    });
  });
  // A category is a tile or a choice from the full list, not both.
  Array.prototype.forEach.call(document.querySelectorAll('select[data-clear-tiles]'), function (sel) {
    var form = sel.form;
    if (!form) { return; }
    var tiles = form.querySelectorAll('input[type=radio][name=category_id]');
    sel.addEventListener('change', function () {
      if (sel.value) { Array.prototype.forEach.call(tiles, function (t) { t.checked = false; }); }
    });
    Array.prototype.forEach.call(tiles, function (t) {
      t.addEventListener('change', function () { if (t.checked) { sel.value = ''; } });
    });
  });
})();
