// balancer-manager live view: every two seconds, fetch the page again and
// swap in the cells marked data-live, leaving forms alone so an edit in
// progress is never lost. The page works without this script; it only
// keeps the numbers fresh.
(function () {
  'use strict';

  var every = parseInt(document.body.getAttribute('data-every'), 10) || 2000;
  var live = document.getElementById('live');
  var timer = null;

  function say(text, cls) {
    if (!live) return;
    live.textContent = text;
    live.className = 'live ' + cls;
  }

  // editing reports whether the user is busy inside el: a focused field or
  // an open edit panel.
  function editing(el) {
    var a = document.activeElement;
    if (a && a !== document.body && el.contains(a) && (a.form || a.tagName === 'SUMMARY')) return true;
    return el.querySelector('details[open]') !== null;
  }

  function swap(cur, next) {
    cur.replaceWith(document.importNode(next, true));
  }

  // patch swaps the data cells of the live view into the page. When
  // members or balancers came or went, the page reloads instead (unless
  // the user is editing), since the live view carries no forms.
  function patch(doc) {
    var main = document.querySelector('main');
    var nextMain = doc.querySelector('main');
    if (!main || !nextMain) return;
    var cur = main.querySelectorAll('section.balancer');
    var next = nextMain.querySelectorAll('section.balancer');
    var same = cur.length === next.length;
    next.forEach(function (ns, i) {
      same = same && cur[i].id === ns.id && cur[i].getAttribute('data-shape') === ns.getAttribute('data-shape');
    });
    if (!same) {
      if (!editing(main)) location.replace(location.pathname + location.hash);
      return;
    }
    nextMain.querySelectorAll('[data-live][id]').forEach(function (n) {
      var c = document.getElementById(n.id);
      if (c && !editing(c)) swap(c, n);
    });
    var facts = doc.getElementById('facts');
    var cf = document.getElementById('facts');
    if (facts && cf) swap(cf, facts);
    // After a restart of the balancer the nonce changes: carry the new one
    // into the open page's forms.
    var nonce = doc.body.getAttribute('data-nonce');
    if (nonce) {
      document.querySelectorAll('input[name=nonce]').forEach(function (i) { i.value = nonce; });
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, every);
  }

  function refresh() {
    if (document.hidden) return;
    fetch(location.pathname + '?live=1', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' } })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (html) {
        patch(new DOMParser().parseFromString(html, 'text/html'));
        say('Live · updated ' + new Date().toLocaleTimeString(), 'on');
      })
      .catch(function (e) {
        say('Not updating (' + e.message + ') · retrying', 'stale');
      })
      .then(schedule);
  }

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) refresh();
  });
  say('Live · every ' + every / 1000 + ' s', 'on');
  schedule();
})();
