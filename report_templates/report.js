/* findings.html: renders the embedded data lazily, one page of rows at a time.
 * Data is only ever written as text (textContent / createTextNode), never parsed as markup: every value in
 * the report may come from an attacker (names, tags, policy text). */
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("report-data").textContent);
  var S = D.strings;
  var SEV = ["info", "low", "medium", "high", "critical"];
  var PAGE = 100;
  var DETAIL_LIMIT = 200;
  var C = {};
  D.columns.forEach(function (name, i) { C[name] = i; });

  // ---------------------------------------------------------------- small helpers
  // Characters shown as \u escape text, never obeyed (the set of auditor/hidden.py): bidi controls (a U+202E in a policy name would render
  // the rest of its row reversed), C0 controls but tab, newline and return, DEL, C1 and lone surrogates.
  // The report's writer escapes them already; this catches what the script itself decodes (prettyJson).
  var HIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;
  function visibleText(text) {
    return String(text).replace(HIDDEN, function (c) { return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4); });
  }
  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v === undefined || v === null) { return; }
        if (k === "text") { node.textContent = visibleText(v); }
        else if (k === "cls") { node.className = v; }
        else if (k === "on") { Object.keys(v).forEach(function (ev) { node.addEventListener(ev, v[ev]); }); }
        else { node.setAttribute(k, v); }
      });
    }
    append(node, Array.prototype.slice.call(arguments, 2));
    return node;
  }
  function append(node) {
    for (var i = 1; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === undefined || child === null || child === false) { continue; }
      if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); continue; }
      node.appendChild(typeof child === "object" ? child : document.createTextNode(visibleText(child)));
    }
  }
  function str(row, name) { var i = row[C[name]]; return i === null || i === undefined ? "" : S[i]; }
  function list(row, name) { return row[C[name]].map(function (i) { return S[i]; }); }
  function raw(row, name) { return row[C[name]]; }
  function sevLabel(row) { return SEV[raw(row, "severity")]; }
  function badge(label) { return el("span", { cls: "badge sev-" + label, text: label }); }
  function statusTag(status) { return el("span", { cls: "status status-" + status, text: status }); }
  function fmt(n) { return n.toLocaleString("en-US"); }
  function code(text) { return el("code", { text: text }); }
  function safeUrl(url) { return /^https?:\/\//i.test(url) ? url : null; }
  function checkInfo(id) { return D.checks[id] || { name: "", title: "", remediation: "", doc_url: "" }; }
  function subjectOf(row) { return str(row, "principal_arn") || str(row, "resource_arn") || str(row, "file"); }
  function isOpen(row) { return str(row, "status") !== "suppressed"; }

  function routeLink(kind, key, label) {
    return el("a", { href: "#" + kind + "/" + encodeURIComponent(key), text: label || key, cls: "linkish" });
  }
  function subjectLink(row) {
    var p = str(row, "principal_arn");
    if (p) { return routeLink("principal", p, str(row, "principal_name") || p); }
    var r = str(row, "resource_arn");
    if (r) { return routeLink("resource", r, r); }
    return el("span", { text: str(row, "file") });
  }
  function statementLabel(row) {
    var idx = raw(row, "statement_index"), sid = str(row, "statement_sid");
    return "Statement" + (idx === null || idx === undefined ? "" : " #" + idx) + (sid ? " (" + sid + ")" : "");
  }
  function policyLabel(row) {
    var name = str(row, "policy_name") || str(row, "policy_arn");
    var idx = raw(row, "statement_index");
    if (idx !== null && idx !== undefined) {
      name += " #" + idx + (str(row, "statement_sid") ? " (" + str(row, "statement_sid") + ")" : "");
    }
    return name;
  }

  // ---------------------------------------------------------------- a paged, sortable table
  function Table(host, columns, options) {
    this.host = host;
    this.columns = columns;
    this.rows = [];
    this.order = [];
    this.page = 0;
    this.sort = null;
    this.noun = (options && options.noun) || "rows";
    host.textContent = "";
    this.count = el("div", { cls: "count" });
    var headRow = el("tr");
    var self = this;
    this.ths = columns.map(function (col, i) {
      var th = el("th", { cls: (col.sort ? "sortable" : "") + (col.num ? " num" : ""), text: col.label, scope: "col" });
      if (col.sort) { th.addEventListener("click", function () { self.sortBy(i); }); }
      headRow.appendChild(th);
      return th;
    });
    this.tbody = el("tbody");
    this.table = el("table", { cls: "grid" }, el("thead", null, headRow), this.tbody);
    this.prev = el("button", { type: "button", text: "‹ Previous", on: { click: function () { self.go(self.page - 1); } } });
    this.next = el("button", { type: "button", text: "Next ›", on: { click: function () { self.go(self.page + 1); } } });
    this.where = el("span");
    this.pager = el("div", { cls: "pager" }, this.prev, this.where, this.next);
    append(host, [this.count, this.table, this.pager]);
  }
  Table.prototype.setRows = function (rows) {
    this.rows = rows;
    this.applySort();
    this.go(0);
  };
  Table.prototype.sortBy = function (i) {
    var dir = this.sort && this.sort.i === i && this.sort.dir === 1 ? -1 : 1;
    if (!this.sort || this.sort.i !== i) { dir = this.columns[i].desc ? -1 : 1; }
    this.sort = { i: i, dir: dir };
    this.ths.forEach(function (th, j) {
      th.classList.toggle("sorted-asc", j === i && dir === 1);
      th.classList.toggle("sorted-desc", j === i && dir === -1);
    });
    this.applySort();
    this.go(0);
  };
  Table.prototype.applySort = function () {
    if (!this.sort) { this.order = this.rows; return; }
    var key = this.columns[this.sort.i].sort, dir = this.sort.dir;
    var keyed = this.rows.map(function (r, n) { return [key(r), n, r]; });
    keyed.sort(function (a, b) {
      if (a[0] < b[0]) { return -dir; }
      if (a[0] > b[0]) { return dir; }
      return a[1] - b[1];
    });
    this.order = keyed.map(function (k) { return k[2]; });
  };
  Table.prototype.go = function (page) {
    var pages = Math.max(1, Math.ceil(this.order.length / PAGE));
    this.page = Math.min(Math.max(page, 0), pages - 1);
    var start = this.page * PAGE, slice = this.order.slice(start, start + PAGE), cols = this.columns;
    var frag = document.createDocumentFragment();
    slice.forEach(function (r) {
      var tr = el("tr");
      cols.forEach(function (col) { tr.appendChild(el("td", { cls: col.cls || (col.num ? "num" : null) }, col.cell(r))); });
      frag.appendChild(tr);
    });
    this.tbody.replaceChildren(frag);
    if (!slice.length) {
      this.tbody.appendChild(el("tr", null, el("td", { cls: "empty", colspan: String(cols.length), text: "Nothing to show." })));
    }
    this.count.textContent = fmt(this.order.length) + " " + this.noun;
    this.where.textContent = this.order.length
      ? fmt(start + 1) + "–" + fmt(start + slice.length) + " of " + fmt(this.order.length) + " (page " + fmt(this.page + 1) + " of " + fmt(pages) + ")"
      : "";
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    this.pager.hidden = pages <= 1;
  };

  // ---------------------------------------------------------------- indexes
  var byPrincipal = new Map(), byResource = new Map(), byFingerprint = new Map();
  function index(map, key, row) { if (!key) { return; } var a = map.get(key); if (!a) { map.set(key, a = []); } a.push(row); }
  D.findings.forEach(function (row) {
    index(byPrincipal, str(row, "principal_arn"), row);
    index(byResource, str(row, "resource_arn"), row);
    byFingerprint.set(raw(row, "fingerprint"), row);
  });
  D.resolved.forEach(function (row) { if (!byFingerprint.has(raw(row, "fingerprint"))) { byFingerprint.set(raw(row, "fingerprint"), row); } });
  var P = {};
  D.principal_columns.forEach(function (name, i) { P[name] = i; });
  var principalsByArn = new Map();
  D.principals.forEach(function (p) { principalsByArn.set(S[p[P.principal_arn]], p); });
  function services(p) { return p[P.services].map(function (i) { return D.access[i]; }); }
  function pstr(p, name) { var i = p[P[name]]; return i === null || i === undefined ? "" : S[i]; }

  var searchText = null;
  function haystack(i) {
    if (!searchText) {
      searchText = D.findings.map(function (row) {
        var parts = [raw(row, "message"), str(row, "check_id"), checkInfo(str(row, "check_id")).name,
          str(row, "resource_arn"), str(row, "principal_name"), str(row, "principal_arn"), str(row, "policy_name"),
          str(row, "policy_arn"), str(row, "statement_sid"), str(row, "region"), str(row, "account_id"),
          str(row, "file"), str(row, "suppressed_by")];
        parts = parts.concat(list(row, "actions"), list(row, "resources"), list(row, "condition_keys"));
        var ev = raw(row, "evidence");
        for (var k = 1; k < ev.length; k += 2) { parts.push(S[ev[k]]); }
        return parts.join("\n").toLowerCase();
      });
    }
    return searchText[i];
  }

  // ---------------------------------------------------------------- findings table
  var findingColumns = [
    { label: "Severity", sort: function (r) { return -raw(r, "severity"); }, cell: function (r) { return badge(sevLabel(r)); } },
    { label: "Check", sort: function (r) { return str(r, "check_id"); },
      cell: function (r) { return el("span", { title: checkInfo(str(r, "check_id")).title }, str(r, "check_id"), el("br"),
        el("span", { cls: "muted", text: checkInfo(str(r, "check_id")).name })); } },
    { label: "Principal or resource", cls: "subject", sort: function (r) { return str(r, "principal_name") || subjectOf(r); },
      cell: subjectLink },
    { label: "Policy", cls: "subject", sort: function (r) { return policyLabel(r); }, cell: function (r) { return policyLabel(r); } },
    { label: "Finding", cls: "msg", sort: function (r) { return raw(r, "message"); },
      cell: function (r) { return routeLink("finding", raw(r, "fingerprint"), raw(r, "message")); } },
    { label: "Status", sort: function (r) { return str(r, "status"); }, cell: function (r) { return statusTag(str(r, "status")); } },
    { label: "Account", sort: function (r) { return str(r, "account_id"); }, cell: function (r) { return str(r, "account_id"); } }
  ];
  var findingsTable = new Table(document.getElementById("findings-table"), findingColumns, { noun: "findings" });
  var controls = {
    search: document.getElementById("f-search"), severity: document.getElementById("f-severity"),
    check: document.getElementById("f-check"), service: document.getElementById("f-service"),
    status: document.getElementById("f-status"), account: document.getElementById("f-account"),
    principal: document.getElementById("f-principal")
  };

  function fillSelect(select, counts, labels) {
    Object.keys(counts).sort(function (a, b) { return labels && labels.order ? labels.order(a, b) : (a < b ? -1 : a > b ? 1 : 0); })
      .forEach(function (value) {
        var text = (labels && labels.text ? labels.text(value) : value) + " (" + fmt(counts[value]) + ")";
        select.appendChild(el("option", { value: value, text: text }));
      });
  }
  (function buildFilterOptions() {
    var sev = {}, checks = {}, services = {}, statuses = {}, accounts = {};
    D.findings.forEach(function (row) {
      var s = sevLabel(row);
      sev[s] = (sev[s] || 0) + 1;
      var c = str(row, "check_id");
      checks[c] = (checks[c] || 0) + 1;
      list(row, "services").forEach(function (v) { services[v] = (services[v] || 0) + 1; });
      var st = str(row, "status");
      statuses[st] = (statuses[st] || 0) + 1;
      var a = str(row, "account_id");
      if (a) { accounts[a] = (accounts[a] || 0) + 1; }
    });
    fillSelect(controls.severity, sev, { order: function (a, b) { return SEV.indexOf(b) - SEV.indexOf(a); } });
    fillSelect(controls.check, checks, { text: function (v) { return v + " " + checkInfo(v).name; } });
    fillSelect(controls.service, services, { text: function (v) { return D.service_labels[v] ? D.service_labels[v] + " (" + v + ")" : v; } });
    fillSelect(controls.status, statuses);
    fillSelect(controls.account, accounts);
  })();

  function applyFilters() {
    var q = controls.search.value.trim().toLowerCase();
    var sev = controls.severity.value, check = controls.check.value, service = controls.service.value;
    var status = controls.status.value, account = controls.account.value;
    var principal = controls.principal.value.trim().toLowerCase();
    var sevIndex = sev ? SEV.indexOf(sev) : -1;
    var serviceIndex = service ? S.indexOf(service) : -1;
    var rows = [];
    for (var i = 0; i < D.findings.length; i++) {
      var row = D.findings[i];
      if (sevIndex >= 0 && raw(row, "severity") !== sevIndex) { continue; }
      if (check && str(row, "check_id") !== check) { continue; }
      if (service && raw(row, "services").indexOf(serviceIndex) < 0) { continue; }
      if (status && str(row, "status") !== status) { continue; }
      if (account && str(row, "account_id") !== account) { continue; }
      if (principal && (str(row, "principal_name") + "\n" + str(row, "principal_arn")).toLowerCase().indexOf(principal) < 0) { continue; }
      if (q && haystack(i).indexOf(q) < 0) { continue; }
      rows.push(row);
    }
    findingsTable.setRows(rows);
  }
  var pending = null;
  function debounced() { clearTimeout(pending); pending = setTimeout(applyFilters, 120); }
  controls.search.addEventListener("input", debounced);
  controls.principal.addEventListener("input", debounced);
  ["severity", "check", "service", "status", "account"].forEach(function (k) { controls[k].addEventListener("change", applyFilters); });
  document.getElementById("finding-filters").addEventListener("reset", function () { setTimeout(applyFilters, 0); });
  document.getElementById("finding-filters").addEventListener("submit", function (e) { e.preventDefault(); applyFilters(); });
  function setFilter(name, value) {
    controls[name].value = value;
    applyFilters();
    document.getElementById("findings").scrollIntoView();
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-severity]"), function (b) {
    b.addEventListener("click", function () { setFilter("severity", b.getAttribute("data-filter-severity")); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-check]"), function (b) {
    b.addEventListener("click", function () { setFilter("check", b.getAttribute("data-filter-check")); });
  });
  applyFilters();

  // ---------------------------------------------------------------- principals and identities
  function openCounts(rows) {
    var c = [0, 0, 0, 0, 0];
    (rows || []).forEach(function (r) { if (isOpen(r)) { c[raw(r, "severity")]++; } });
    return c;
  }
  function serviceSummary(p, name) {
    var svc = services(p).filter(function (s) { return S[s[0]] === name; })[0];
    return svc ? S[svc[1]] : "none";
  }
  function worst(counts) { for (var i = 4; i >= 0; i--) { if (counts[i]) { return i; } } return -1; }
  function countsCell(counts) {
    var parts = [];
    for (var i = 4; i >= 0; i--) { if (counts[i]) { parts.push(badge(counts[i] + " " + SEV[i]), " "); } }
    return parts.length ? parts : el("span", { cls: "muted", text: "none" });
  }
  var principalColumns = [
    { label: "Principal", cls: "subject", sort: function (p) { return pstr(p, "principal_name"); },
      cell: function (p) { return routeLink("principal", pstr(p, "principal_arn"), pstr(p, "principal_name")); } },
    { label: "Type", sort: function (p) { return pstr(p, "principal_type"); }, cell: function (p) { return pstr(p, "principal_type"); } },
    { label: "Account", sort: function (p) { return pstr(p, "account_id"); }, cell: function (p) { return pstr(p, "account_id"); } },
    { label: "Pinpoint", sort: function (p) { return serviceSummary(p, "mobiletargeting"); }, cell: function (p) { return serviceSummary(p, "mobiletargeting"); } },
    { label: "SMS and voice", sort: function (p) { return serviceSummary(p, "sms-voice"); }, cell: function (p) { return serviceSummary(p, "sms-voice"); } },
    { label: "SES", sort: function (p) { return serviceSummary(p, "ses"); }, cell: function (p) { return serviceSummary(p, "ses"); } },
    { label: "Fits example", sort: function (p) { return pstr(p, "archetype") || "~" + pstr(p, "nearest_archetype"); },
      cell: function (p) {
        return pstr(p, "archetype") || (pstr(p, "nearest_archetype") ? el("span", { cls: "muted", text: "none (nearest: " + pstr(p, "nearest_archetype") + ")" }) : "none");
      } },
    { label: "Open findings", desc: true, sort: function (p) { var c = openCounts(byPrincipal.get(pstr(p, "principal_arn"))); return worst(c) * 1e7 + c[Math.max(worst(c), 0)]; },
      cell: function (p) { return countsCell(openCounts(byPrincipal.get(pstr(p, "principal_arn")))); } }
  ];
  var principalsTable = new Table(document.getElementById("principals-table"), principalColumns, { noun: "principals" });
  var pSearch = document.getElementById("p-search");
  function filterPrincipals() {
    var q = pSearch.value.trim().toLowerCase();
    principalsTable.setRows(q ? D.principals.filter(function (p) {
      return (pstr(p, "principal_name") + "\n" + pstr(p, "principal_arn")).toLowerCase().indexOf(q) >= 0;
    }) : D.principals);
  }
  pSearch.addEventListener("input", filterPrincipals);
  pSearch.form.addEventListener("submit", function (e) { e.preventDefault(); });
  filterPrincipals();

  function isSesIdentity(arn, rows) {
    return /^arn:[^:]*:ses:[^:]*:[^:]*:identity\//.test(arn) ||
      rows.some(function (r) { return str(r, "resource_type") === "AWS::SES::EmailIdentity"; });
  }
  var identities = [];
  byResource.forEach(function (rows, arn) { if (isSesIdentity(arn, rows)) { identities.push(arn); } });
  identities.sort();
  var identityTable = new Table(document.getElementById("identities-table"), [
    { label: "Identity", cls: "subject", sort: function (a) { return a; }, cell: function (a) { return routeLink("resource", a, a.split(":identity/")[1] || a); } },
    { label: "Region", sort: function (a) { return a.split(":")[3] || ""; }, cell: function (a) { return a.split(":")[3] || ""; } },
    { label: "Account", sort: function (a) { return a.split(":")[4] || ""; }, cell: function (a) { return a.split(":")[4] || ""; } },
    { label: "Open findings", desc: true, sort: function (a) { var c = openCounts(byResource.get(a)); return worst(c) * 1e7 + c[Math.max(worst(c), 0)]; },
      cell: function (a) { return countsCell(openCounts(byResource.get(a))); } }
  ], { noun: "SES identities with findings" });
  identityTable.setRows(identities);

  var resolvedHost = document.getElementById("resolved-table");
  if (resolvedHost) {
    var resolvedTable = new Table(resolvedHost, findingColumns.filter(function (c) { return c.label !== "Status"; }), { noun: "resolved findings" });
    resolvedTable.setRows(D.resolved);
  }

  // ---------------------------------------------------------------- detail panels
  var panel = document.getElementById("panel"), panelBody = document.getElementById("panel-body");
  var main = document.getElementById("main");

  function evidencePairs(row) {
    var ev = raw(row, "evidence"), out = [];
    for (var k = 0; k + 1 < ev.length; k += 2) { out.push([S[ev[k]], S[ev[k + 1]]]); }
    return out;
  }
  function guiltyTerms(row, evidence) {
    var terms = list(row, "actions").concat(list(row, "resources"), list(row, "condition_keys"));
    evidence.forEach(function (pair) {
      if (pair[0] === "as evaluated") {
        // A repeated key: the kept one (`"StringEquals": {...}`) is where the statement changed.
        var kept = /^"([^"]+)"\s*:/.exec(pair[1]);
        if (kept) { terms.push(kept[1]); }
      } else if (pair[0] !== "statement" && pair[0] !== "as written" && pair[1].length <= 200) {
        terms.push(pair[1]);
      }
    });
    return terms.filter(function (t) { return t && t !== "*"; }).map(function (t) { return JSON.stringify(t).toLowerCase(); });
  }
  function codeBlock(text, terms) {
    var pre = el("pre", { cls: "code" });
    text.split("\n").forEach(function (line) {
      var lower = line.toLowerCase();
      var hit = terms.some(function (t) { return lower.indexOf(t) >= 0; });
      pre.appendChild(el("span", { cls: "ln" + (hit ? " hl" : ""), text: line || " " }));
    });
    return pre;
  }
  function prettyJson(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }
  function factList(pairs) {
    var dl = el("dl", { cls: "facts" });
    pairs.forEach(function (p) {
      if (p[1] === "" || p[1] === null || p[1] === undefined || (Array.isArray(p[1]) && !p[1].length)) { return; }
      dl.appendChild(el("dt", { text: p[0] }));
      dl.appendChild(el("dd", null, Array.isArray(p[1]) ? p[1].map(function (v, i) { return [i ? ", " : "", code(v)]; }) : p[1]));
    });
    return dl;
  }

  function findingDetail(row, resolved) {
    var id = str(row, "check_id"), info = checkInfo(id), label = sevLabel(row);
    var evidence = evidencePairs(row);
    var box = el("article", { cls: "finding sev-" + label, id: "finding-" + raw(row, "fingerprint") });
    append(box, el("h3", null, badge(label), el("span", { text: id + " " + info.name }),
      resolved ? statusTag("resolved") : statusTag(str(row, "status"))));
    append(box, el("div", { cls: "muted", text: info.title }));
    append(box, el("p", { cls: "message", text: raw(row, "message") }));
    var location = str(row, "file") ? str(row, "file") + (raw(row, "line") ? ":" + raw(row, "line") + (raw(row, "column") ? ":" + raw(row, "column") : "") : "") : "";
    append(box, factList([
      ["Account", str(row, "account_id")], ["Region", str(row, "region")],
      ["Principal", str(row, "principal_arn") ? routeLink("principal", str(row, "principal_arn"), str(row, "principal_arn")) : ""],
      ["Resource", str(row, "resource_arn") && str(row, "resource_arn") !== str(row, "principal_arn") ? routeLink("resource", str(row, "resource_arn"), str(row, "resource_arn")) : ""],
      ["Policy", policyLabel(row) + (str(row, "policy_type") ? " · " + str(row, "policy_type") : "")],
      ["Policy ARN", str(row, "policy_arn")], ["File", location],
      ["Actions", list(row, "actions")], ["Resources", list(row, "resources")], ["Condition keys", list(row, "condition_keys")],
      ["Suppressed", str(row, "suppressed_by")], ["Fingerprint", raw(row, "fingerprint")]
    ]));
    var written = evidence.filter(function (p) { return p[0] === "as written"; })[0];
    var evaluated = evidence.filter(function (p) { return p[0] === "as evaluated"; })[0];
    if (written || evaluated) {
      append(box, el("div", { cls: "compare" },
        el("div", null, el("h4", { text: "Condition as written" }), el("pre", { cls: "code wrap", text: written ? written[1] : "" })),
        el("div", null, el("h4", { text: "As AWS evaluates it" }), el("pre", { cls: "code wrap", text: evaluated ? evaluated[1] : "" }))));
    }
    var other = evidence.filter(function (p) { return ["statement", "as written", "as evaluated"].indexOf(p[0]) < 0; });
    if (other.length) { append(box, el("h4", { text: "Evidence" }), factList(other.map(function (p) { return [p[0], code(p[1])]; }))); }
    var statement = evidence.filter(function (p) { return p[0] === "statement"; })[0];
    if (statement) {
      append(box, el("div", { cls: "stmt" }, el("h4", { text: statementLabel(row) }),
        codeBlock(prettyJson(statement[1]), guiltyTerms(row, evidence))));
    }
    if (info.remediation) { append(box, el("h4", { text: "Remediation" }), el("p", { text: info.remediation })); }
    var url = safeUrl(info.doc_url);
    if (url) { append(box, el("p", null, el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: "Documentation" }))); }
    return box;
  }

  function findingList(rows) {
    if (!rows || !rows.length) { return el("p", { cls: "empty", text: "No findings." }); }
    var shown = rows.slice(0, DETAIL_LIMIT).map(function (r) { return findingDetail(r, false); });
    if (rows.length > DETAIL_LIMIT) {
      shown.push(el("p", { cls: "muted", text: (rows.length - DETAIL_LIMIT) + " more: use the findings table filters to see them." }));
    }
    return shown;
  }

  var LEVELS = ["List", "Read", "Tagging", "Write", "Permissions management"];
  function accessMatrix(p) {
    var head = el("tr", null, el("th", { text: "Service" }), LEVELS.map(function (l) { return el("th", { text: l }); }), el("th", { text: "Summary" }));
    var body = el("tbody");
    var details = [];
    services(p).forEach(function (svc) {
      var name = S[svc[0]], actions = svc[3];
      var tr = el("tr", null, el("th", { text: (D.service_labels[name] || name) }));
      LEVELS.forEach(function (level) {
        var at = actions.filter(function (a) { return S[a[1]] === level && S[a[2]] !== "none"; });
        var all = at.filter(function (a) { return S[a[2]] === "all"; }).length;
        var onlyIf = at.filter(function (a) { return a[4]; }).length;
        var text = !at.length ? "—" : (all === at.length ? all + " on all" : at.length + (all ? " (" + all + " on all)" : "")) +
          (onlyIf ? ", " + onlyIf + " only-if" : "");
        tr.appendChild(el("td", { cls: "level reach-" + (all ? "all" : at.length ? "some" : "none"), text: text }));
      });
      tr.appendChild(el("td", { text: S[svc[1]] }));
      body.appendChild(tr);
      var reached = actions.filter(function (a) { return S[a[2]] !== "none"; });
      if (reached.length) {
        details.push(el("details", null, el("summary", { text: (D.service_labels[name] || name) + ": " + reached.length + " actions" }),
          el("table", { cls: "grid compact" },
            el("thead", null, el("tr", null, ["Action", "Level", "Reach", "Resources", "Only if", "Granted by"].map(function (h) { return el("th", { text: h }); }))),
            el("tbody", null, reached.map(function (a) {
              return el("tr", null, el("td", null, code(S[a[0]])), el("td", { text: S[a[1]] }), el("td", { text: S[a[2]] }),
                el("td", null, a[3].map(function (i, n) { return [n ? ", " : "", code(S[i])]; })),
                el("td", null, a[5].map(function (i, n) { return [n ? "; " : "", code(S[i])]; })),
                el("td", { text: a[6].map(function (i) { return S[i]; }).join("; ") }));
            })))));
      }
    });
    return [el("table", { cls: "grid compact matrix" }, el("thead", null, head), body), details];
  }

  function showPrincipal(arn) {
    var p = principalsByArn.get(arn), rows = byPrincipal.get(arn) || [];
    var first = rows[0];
    var name = p ? pstr(p, "principal_name") : first ? str(first, "principal_name") : arn;
    var out = [el("header", null, el("h1", { text: name }), el("div", null, code(arn)))];
    out.push(factList([["Type", p ? pstr(p, "principal_type") : first ? str(first, "principal_type") : ""],
      ["Account", p ? pstr(p, "account_id") : first ? str(first, "account_id") : ""]]));
    if (p) {
      out.push(el("h2", { text: "Effective access" }), accessMatrix(p));
      var scoped = p[P.excess_scopes].map(function (i) { return S[i]; });
      var excess = scoped.length ? scoped : p[P.excess].map(function (i) { return S[i]; });
      out.push(el("h3", { text: "Documented example" }));
      out.push(el("p", { text: pstr(p, "archetype") ? "Fits the documented example \u201c" + pstr(p, "archetype") + "\u201d." :
        pstr(p, "nearest_archetype") ? "Fits no documented example; the nearest is \u201c" + pstr(p, "nearest_archetype") + "\u201d." : "Fits no documented example." }));
      if (pstr(p, "declared_archetype")) {
        out.push(el("p", { text: "Declared in the config as \u201c" + pstr(p, "declared_archetype") + "\u201d." }));
      }
      if (excess.length) {
        out.push(el("p", { text: "Access beyond it:" }), el("ul", { cls: "excess" }, excess.map(function (a) { return el("li", null, code(a)); })));
      }
      if (p[P.suggested_policy] !== null && p[P.suggested_policy] !== undefined) {
        out.push(el("h3", { text: "Suggested least-privilege policy" }), el("pre", { cls: "code wrap", text: prettyJson(S[p[P.suggested_policy]]) }));
      }
    }
    out.push(el("h2", { text: "Findings (" + rows.length + ")" }), findingList(rows));
    return out;
  }
  function showResource(arn) {
    var rows = byResource.get(arn) || [];
    var title = arn.indexOf(":identity/") >= 0 ? arn.split(":identity/")[1] : arn;
    return [el("header", null, el("h1", { text: title }), el("div", null, code(arn))),
      factList([["Type", rows[0] ? str(rows[0], "resource_type") : ""], ["Region", rows[0] ? str(rows[0], "region") : ""],
        ["Account", rows[0] ? str(rows[0], "account_id") : ""]]),
      el("h2", { text: "Findings (" + rows.length + ")" }), findingList(rows)];
  }
  function showFinding(fp) {
    var row = byFingerprint.get(fp);
    if (!row) { return null; }
    return [findingDetail(row, D.resolved.indexOf(row) >= 0 && D.findings.indexOf(row) < 0)];
  }

  function route() {
    var hash = location.hash.slice(1), slash = hash.indexOf("/");
    var kind = slash > 0 ? hash.slice(0, slash) : "", key = "";
    try { key = decodeURIComponent(hash.slice(slash + 1)); } catch (e) { kind = ""; }
    var content = kind === "principal" ? showPrincipal(key) : kind === "resource" ? showResource(key) : kind === "finding" ? showFinding(key) : null;
    if (!content) {
      if (!panel.hidden) {
        panel.hidden = true;
        main.hidden = false;
        var target = hash && document.getElementById(hash);
        if (target) { target.scrollIntoView(); }
      }
      return;
    }
    panelBody.replaceChildren();
    append(panelBody, content);
    panel.hidden = false;
    main.hidden = true;
    panel.scrollTop = 0;
  }
  window.addEventListener("hashchange", route);
  route();
})();
